"""Properties shared by the GCP tasks (Kestra's ``AbstractTask`` / ``GcpInterface``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field

from lanner.plugins.api import RunContext, RunnableTask, TaskFailure, TaskOutput

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

IfExists = Literal["ERROR", "UPDATE", "SKIP"]


class GcpTask(RunnableTask):
    model_config = ConfigDict(coerce_numbers_to_str=True, defer_build=True)

    projectId: str | None = Field(default=None, description="GCP project (default: the service account's).")
    serviceAccount: str | None = Field(
        default=None, description="Service account key, JSON content (rendered).")
    impersonatedServiceAccount: str | None = Field(
        default=None, description="Service account to impersonate.")
    scopes: list[str] | None = Field(default=None, description="OAuth scopes (default: cloud-platform).")

    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        raise TaskFailure(f"{self.kestra_type} is known to this Lanner version but cannot run yet: this "
                          "GCP task type is validated but not executed by this version (coming next).")

    @staticmethod
    def rendered(ctx: RunContext, value: Any) -> str | None:
        """A property rendered to text; None when absent or empty."""
        if value is None:
            return None
        out = ctx.render(value)
        if out is None:
            return None
        text = str(out).strip()
        return text or None

    def google_credentials(self, ctx: RunContext) -> tuple[Credentials | None, str | None]:
        """``(credentials, project)`` from ``serviceAccount``/``scopes``/``impersonatedServiceAccount``
        (see ``auth.credentials``); the project is ``projectId`` if set, else the key's or ADC's.
        In local mode the credentials are None."""
        from .auth import credentials

        scopes = [str(ctx.render(s)) for s in self.scopes] if self.scopes else None
        creds, project = credentials(ctx, self.rendered(ctx, self.serviceAccount), scopes,
                                     self.rendered(ctx, self.impersonatedServiceAccount))
        return creds, self.rendered(ctx, self.projectId) or project


class LocatedGcpTask(GcpTask):
    location: str | None = Field(default=None, description="GCP location (region or multi-region).")
