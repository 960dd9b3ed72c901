"""Properties shared by the JDBC tasks (Kestra's ``AbstractJdbcBaseQuery`` and friends), and the
run of Query / Queries on top of a driver ``Session`` (``_session.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import ConfigDict, Field

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskFailure, TaskOutput

from ._session import FetchType, Session, run_statements
from .sqltext import split_statements

FETCH_TYPES: tuple[FetchType, ...] = ("FETCH", "FETCH_ONE", "STORE", "NONE")


class JdbcTask(RunnableTask):
    """Connection properties of every JDBC task."""

    model_config = ConfigDict(coerce_numbers_to_str=True, defer_build=True)

    url: str = Field(description="JDBC URL, e.g. `jdbc:postgresql://host:5432/db` (rendered).")
    username: str | None = Field(default=None, description="Database user (rendered).")
    password: str | None = Field(default=None, description="Database password (rendered).")
    timeZoneId: str | None = Field(default=None, description="Time zone used to read dates.")

    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        raise NotImplementedError

    def rendered_credentials(self, ctx: RunContext) -> tuple[str | None, str | None]:
        username = _text(ctx.render(self.username)) if self.username is not None else None
        password = _text(ctx.render(self.password)) if self.password is not None else None
        if password:
            ctx.mask(password)
        return username or None, password


class QueryProperties(JdbcTask):
    """What Query and Queries share: the SQL and how results are fetched."""

    # Queries (several statements, one entry in `outputs` per result) or Query (one result).
    multiple_statements: ClassVar[bool] = False

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

    # --- what each driver provides -----------------------------------------------------------

    def open_session(self, ctx: RunContext, fetch_type: FetchType) -> Session:
        raise NotImplementedError

    def render_variables(self, ctx: RunContext, session: Session) -> Mapping[str, Any] | None:
        """Extra variables for rendering `sql` (DuckDB: `workingDir`, `outputFiles`)."""
        return None

    def split(self, sql: str, session: Session) -> list[str]:
        return split_statements(sql)

    def extra_outputs(self, ctx: RunContext, session: Session) -> dict[str, Any]:
        """Outputs added after the statements ran (DuckDB: `outputFiles`, `databaseUri`)."""
        return {}

    def use_transaction(self, ctx: RunContext) -> bool:
        return True

    # --- the run ----------------------------------------------------------------------------------

    def fetch_type(self, ctx: RunContext) -> FetchType:
        if self.store:
            return "STORE"
        if self.fetchOne:
            return "FETCH_ONE"
        if self.fetch:
            return "FETCH"
        rendered = str(ctx.render(self.fetchType) or "NONE").strip().upper()
        if rendered not in FETCH_TYPES:
            raise TaskFailure(f"Invalid fetchType '{rendered}': expected one of {', '.join(FETCH_TYPES)}")
        return rendered

    def rendered_parameters(self, ctx: RunContext) -> dict[str, Any] | None:
        if self.parameters is None:
            return None
        rendered = ctx.render_typed(self.parameters)
        if rendered is None:
            return None
        if not isinstance(rendered, Mapping):
            raise TaskFailure("`parameters` must be a map of name -> value")
        return {str(key): value for key, value in rendered.items()}

    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        fetch_type = self.fetch_type(ctx)
        parameters = self.rendered_parameters(ctx)
        session = self.open_session(ctx, fetch_type)
        try:
            sql = _text(ctx.render(self.sql, self.render_variables(ctx, session)))
            statements = self.split(sql, session)
            if not statements:
                raise TaskFailure("`sql` is empty: there is no statement to run")
            if not self.multiple_statements and len(statements) > 1:
                ctx.logger.warn(f"Query task support only a single SQL statement ({len(statements)} found): "
                                "running them all for compatibility. Use the Queries task to run "
                                "multiple statements.")
            after = self.split(_text(ctx.render(self.afterSQL)), session) if self.afterSQL else []
            transaction = self.use_transaction(ctx) and (
                self.multiple_statements or len(statements) > 1 or bool(after))
            results = run_statements(ctx, session, statements, after, parameters, fetch_type=fetch_type,
                                     fetch_size=max(1, int(self.fetchSize)), transaction=transaction,
                                     time_zone=self.timeZoneId)
            outputs: dict[str, Any]
            if self.multiple_statements:
                outputs = {"outputs": results}
            else:
                outputs = dict(results[-1]) if results else {}
            outputs.update(self.extra_outputs(ctx, session))
            return outputs
        finally:
            session.close()


class QueriesProperties(QueryProperties):
    multiple_statements: ClassVar[bool] = True

    transaction: Prop[bool] = Field(default=True, description="Run all statements in one transaction: "
                                                               "nothing is kept if one fails.")

    def use_transaction(self, ctx: RunContext) -> bool:
        return ctx.render_bool(self.transaction)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
