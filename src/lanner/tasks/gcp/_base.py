"""Properties shared by the GCP tasks (Kestra's ``AbstractTask`` / ``GcpInterface``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ConfigDict, Field

from lanner.plugins.api import RunContext, RunnableTask, TaskFailure, TaskOutput

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
        raise TaskFailure(f"{self.kestra_type} is known to this Lanner version but cannot run yet: GCP "
                          "tasks are validated but not executed by this version (coming next).")


class LocatedGcpTask(GcpTask):
    location: str | None = Field(default=None, description="GCP location (region or multi-region).")
