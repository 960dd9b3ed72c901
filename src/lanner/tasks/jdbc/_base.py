"""Properties shared by the JDBC tasks (Kestra's ``AbstractJdbcBaseQuery`` and friends)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ConfigDict, Field

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskFailure, TaskOutput

FetchType = Literal["FETCH", "FETCH_ONE", "STORE", "NONE"]


class JdbcTask(RunnableTask):
    """Connection properties of every JDBC task."""

    model_config = ConfigDict(coerce_numbers_to_str=True, defer_build=True)

    url: str = Field(description="JDBC URL, e.g. `jdbc:postgresql://host:5432/db` (rendered).")
    username: str | None = Field(default=None, description="Database user (rendered).")
    password: str | None = Field(default=None, description="Database password (rendered).")
    timeZoneId: str | None = Field(default=None, description="Time zone used to read dates.")

    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        raise TaskFailure(f"{self.kestra_type} is known to this Lanner version but cannot run yet: JDBC "
                          "tasks are validated but not executed by this version (coming next).")


class QueryProperties(JdbcTask):
    """What Query and Queries share: the SQL and how results are fetched."""

    sql: str = Field(description="The SQL to run (rendered).")
    parameters: Prop[dict[str, Any]] | None = Field(default=None, description="Values bound to `:name` "
                                                                              "placeholders.")
    fetchType: Prop[FetchType] = Field(
        default="NONE", description="FETCH (output rows), FETCH_ONE (row), STORE (an Ion file `uri`), NONE.")
    fetchSize: int = Field(default=10_000, description="Rows fetched per round trip.")
    fetch: bool | None = Field(default=None, description="Deprecated: use `fetchType: FETCH`.")
    fetchOne: bool | None = Field(default=None, description="Deprecated: use `fetchType: FETCH_ONE`.")
    store: bool | None = Field(default=None, description="Deprecated: use `fetchType: STORE`.")
    afterSQL: str | None = Field(
        default=None, description="SQL run after the query, in the same transaction.")


class QueriesProperties(QueryProperties):
    transaction: bool = Field(default=True, description="Run all statements in one transaction.")
