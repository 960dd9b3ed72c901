"""The only reader of Lanner's configuration and environment.

Sources, later ones winning: built-in defaults < the YAML file ``$LANNER_HOME/config.yml`` (or the
path in ``LANNER_CONFIG``) < the YAML text in ``LANNER_CONFIGURATION`` (same idea as the course's
``KESTRA_CONFIGURATION``) < explicit overrides (CLI flags). Keys use Kestra's kebab-case where
Kestra has one (``basic-auth``, ``env-vars-prefix``); both kebab and camel case are accepted.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lanner.errors import ConfigurationError


def _norm(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _lookup(data: Mapping[str, Any], *path: str) -> Any:
    """Case/kebab-insensitive nested lookup: ``_lookup(cfg, "server", "basic-auth")``."""
    node: Any = data
    for part in path:
        if not isinstance(node, Mapping):
            return None
        wanted = _norm(part)
        node = next((v for k, v in node.items() if _norm(str(k)) == wanted), None)
    return node


STORAGE_TYPES = ("local", "gcs")


@dataclass(frozen=True)
class GcsStorageSettings:
    """``storage.gcs`` (Kestra's ``kestra.storage.gcs``) plus the emulator, if any."""

    bucket: str
    prefix: str = ""
    project_id: str | None = None
    # A JSON key, its base64 or a key file's path: never shown (repr=False).
    service_account: str | None = field(default=None, repr=False)
    emulator_host: str | None = None  # STORAGE_EMULATOR_HOST, as Google's clients honour it
    timeout: float = 60.0  # seconds one storage call may take, retries included


@dataclass(frozen=True)
class Settings:
    home: Path
    raw: Mapping[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict)

    # --- where things live -------------------------------------------------------------
    @property
    def repository_url(self) -> str:
        url = _lookup(self.raw, "repository", "url") or self.environ.get("LANNER_REPOSITORY_URL")
        return str(url) if url else f"sqlite:///{self.home / 'lanner.db'}"

    @property
    def storage_dir(self) -> Path:
        path = _lookup(self.raw, "storage", "local", "base-path") or _lookup(self.raw, "storage", "path")
        return Path(str(path)).expanduser() if path else self.home / "storage"

    @property
    def storage_type(self) -> str:
        """``storage.type``: ``local`` (the default: a folder, ``storage.local.base-path``) or
        ``gcs`` (a bucket, ``storage.gcs.*``: no shared disk needed between machines)."""
        raw = _lookup(self.raw, "storage", "type")
        kind = str(raw).strip().lower() if raw is not None and str(raw).strip() else "local"
        if kind not in STORAGE_TYPES:
            raise ConfigurationError(
                f"storage.type is {raw!r}: expected one of {', '.join(STORAGE_TYPES)} "
                "(e.g. `storage: {type: gcs, gcs: {bucket: my-bucket}}`)")
        return kind

    @property
    def gcs_storage(self) -> GcsStorageSettings:
        """``storage.gcs``, checked; raises ``ConfigurationError`` naming the key to fix."""
        section = _lookup(self.raw, "storage", "gcs")
        section = section if isinstance(section, Mapping) else {}
        bucket = str(_lookup(section, "bucket") or "").strip()
        if not bucket:
            raise ConfigurationError(
                "storage.type is 'gcs' but storage.gcs.bucket is not set: add the bucket's name, "
                "e.g. `storage: {type: gcs, gcs: {bucket: my-lanner-storage}}` (or "
                "`kestra.storage.gcs.bucket`), or use `storage.type: local`")
        if bucket.startswith("gs://") or "/" in bucket:
            raise ConfigurationError(
                f"storage.gcs.bucket must be a bare bucket name, got {bucket!r}: write "
                "`bucket: my-bucket` and put any folder in `storage.gcs.prefix`")
        account = _lookup(section, "service-account")
        if isinstance(account, Mapping):  # the key written as YAML rather than JSON text
            import json

            account = json.dumps(dict(account))
        project = _lookup(section, "project-id")
        timeout = _lookup(section, "timeout")
        try:
            seconds = float(timeout) if timeout is not None else 60.0
        except (TypeError, ValueError):
            seconds = 0.0
        if seconds <= 0:
            raise ConfigurationError(f"storage.gcs.timeout: '{timeout}' is not a number of seconds; "
                                     "write e.g. `timeout: 60`")
        return GcsStorageSettings(
            bucket=bucket,
            prefix=str(_lookup(section, "prefix") or ""),
            project_id=str(project) if project else None,
            service_account=str(account) if account else None,
            emulator_host=self.environ.get("STORAGE_EMULATOR_HOST") or None,
            timeout=seconds,
        )

    @property
    def work_dir(self) -> Path:
        path = _lookup(self.raw, "tasks", "tmp-dir", "path")
        return Path(str(path)).expanduser() if path else self.home / "tmp"

    # --- expression context ------------------------------------------------------------
    @property
    def env_vars_prefix(self) -> str:
        prefix = _lookup(self.raw, "variables", "env-vars-prefix")
        return str(prefix) if prefix is not None else "ENV_"

    @property
    def envs(self) -> dict[str, str]:
        """``{{ envs.foo }}``: environment variables with the prefix, stripped and lower-cased."""
        prefix = self.env_vars_prefix
        if not prefix:
            return {}
        return {k[len(prefix):].lower(): v for k, v in self.environ.items() if k.startswith(prefix)}

    @property
    def globals(self) -> dict[str, Any]:
        value = _lookup(self.raw, "variables", "globals")
        return dict(value) if isinstance(value, Mapping) else {}

    # --- server ------------------------------------------------------------------------
    @property
    def basic_auth(self) -> tuple[str, str] | None:
        auth = _lookup(self.raw, "server", "basic-auth")
        if not isinstance(auth, Mapping):
            return None
        user, password = _lookup(auth, "username"), _lookup(auth, "password")
        if not user or not password:
            return None
        return str(user), str(password)

    def section(self, *path: str) -> Any:
        """A raw configuration section for a room that owns it (gcp, ai, ...)."""
        return _lookup(self.raw, *path)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        return Settings(self.home, _deep_merge(dict(self.raw), overrides), self.environ)


def _read_yaml(text: str, where: str) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{where} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{where} must be a YAML mapping, got {type(data).__name__}")
    # Kestra nests everything under `kestra:`; accept that layout too.
    if isinstance(data.get("kestra"), Mapping):
        data = _deep_merge({k: v for k, v in data.items() if k != "kestra"}, data["kestra"])
    return data


def _expand_env(text: str, environ: Mapping[str, str]) -> str:
    """``${GEMINI_API_KEY}`` placeholders, as Micronaut does in Kestra's configuration."""
    import re

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}",
                  lambda m: environ.get(m.group(1), m.group(2) or ""), text)


def load_settings(environ: Mapping[str, str] | None = None, config_file: Path | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    home = Path(env.get("LANNER_HOME") or Path.home() / ".lanner").expanduser()
    raw: dict[str, Any] = {}
    path = config_file or (Path(env["LANNER_CONFIG"]) if env.get("LANNER_CONFIG") else home / "config.yml")
    if path.is_file():
        raw = _deep_merge(raw, _read_yaml(_expand_env(path.read_text("utf-8"), env), str(path)))
    elif config_file is not None:
        raise ConfigurationError(f"configuration file {config_file} does not exist")
    if env.get("LANNER_CONFIGURATION"):
        raw = _deep_merge(raw, _read_yaml(_expand_env(env["LANNER_CONFIGURATION"], env),
                                          "LANNER_CONFIGURATION"))
    return Settings(home=home, raw=raw, environ=env)
