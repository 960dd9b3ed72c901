"""Errors of the GCS internal storage, and the one place that turns Google's into them.

Google's exceptions carry URLs and server text, never key material, but the credential loaders
may quote what they were given; so every message here is written by Lanner, names the bucket and
object, says how to fix it, and never includes a credential.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lanner.errors import ConfigurationError, FrameworkError, NotFoundError, Transient

_FIX_CONFIG = "see storage.gcs in the configuration (docs/how-to/configuration.md)"


class GcsStorageError(ConfigurationError):
    """Internal storage on GCS is misconfigured: no such bucket, access refused, no credentials."""


class GcsUnavailableError(FrameworkError, Transient):
    """GCS could not be reached or answered with a server error; the same call may work later."""


def where(bucket: str, name: str | None = None) -> str:
    return f"gs://{bucket}/{name}" if name else f"gs://{bucket}"


@contextmanager
def translated(bucket: str, name: str | None = None, *, uri: str | None = None,
               endpoint: str | None = None) -> Iterator[None]:
    """Re-raise Google's exceptions as Lanner's. ``uri``: the object is a file being read, so a
    404 means the file is gone (``NotFoundError``); without it a 404 means the bucket is missing
    (writes and listings name no object that must exist)."""
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth
    from requests import exceptions as http

    place = where(bucket, name)
    try:
        yield
    except api.NotFound:
        if uri is not None:
            raise NotFoundError(f"File '{uri}' does not exist in internal storage ({place})") from None
        raise GcsStorageError(
            f"GCS bucket '{bucket}' does not exist (internal storage, writing {place}): create it "
            f"(gcloud storage buckets create gs://{bucket}) or fix storage.gcs.bucket") from None
    except api.PreconditionFailed:
        raise GcsUnavailableError(f"{place} was replaced while it was being read; read it again") from None
    except api.Unauthorized:
        raise GcsStorageError(
            f"GCS rejected the internal storage's credentials (HTTP 401) on {place}: check "
            f"storage.gcs.service-account (is the key still valid?); {_FIX_CONFIG}") from None
    except api.Forbidden:
        raise GcsStorageError(
            f"Permission denied on {place} (HTTP 403): the credentials of the internal storage "
            f"need read, write, list and delete on the bucket's objects (role roles/storage.objectAdmin "
            f"on gs://{bucket}); {_FIX_CONFIG}") from None
    except auth.DefaultCredentialsError:
        raise GcsStorageError(
            f"No Google Cloud credentials for the internal storage on gs://{bucket}: set "
            f"storage.gcs.service-account (a service-account JSON key, its base64, or the path of "
            f"the key file), or GOOGLE_APPLICATION_CREDENTIALS, or run on a machine with a default "
            f"service account; {_FIX_CONFIG}") from None
    except auth.TransportError as exc:
        raise GcsUnavailableError(
            f"Cannot reach Google to authenticate for {place} ({type(exc).__name__})") from None
    except auth.GoogleAuthError as exc:
        raise GcsStorageError(
            f"Google refused the internal storage's credentials ({type(exc).__name__}) while accessing "
            f"{place}: check storage.gcs.service-account (is the key still valid?); {_FIX_CONFIG}"
        ) from None
    except http.RequestException as exc:
        target = endpoint or "storage.googleapis.com"
        raise GcsUnavailableError(
            f"Cannot reach GCS at {target} for {place} ({type(exc).__name__})") from exc
    except api.RetryError as exc:  # the client retried transient failures until its deadline
        cause = type(exc.cause).__name__ if exc.cause is not None else "no answer"
        raise GcsUnavailableError(
            f"GCS did not answer for {place} at {endpoint or 'storage.googleapis.com'} "
            f"after retrying ({cause})") from None
    except api.GoogleAPICallError as exc:
        raise GcsUnavailableError(
            f"GCS failed on {place}: HTTP {exc.code} {exc.message}".rstrip()) from None
