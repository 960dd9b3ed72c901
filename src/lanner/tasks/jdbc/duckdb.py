"""``io.kestra.plugin.jdbc.duckdb.Query`` / ``Queries``: SQL on an embedded DuckDB.

As in Kestra, the database lives in the task's working directory (``jdbc:duckdb:`` = a fresh
database file there), ``inputFiles`` are written there, relative paths in SQL resolve there
(``SET file_search_path``), ``{{ workingDir }}`` is its absolute path and ``{{ outputFiles.x }}``
the path of a file uploaded after the run.

Offline: ``INSTALL x`` of an extension that is already available (built into the wheel, as
``json`` and ``parquet`` are, or installed before) succeeds without touching the network —
DuckDB would otherwise try to download it again and fail without internet.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field

from lanner.plugins.api import RunContext, TaskFailure, inside

from ..core.files_service import input_files, materialise_input_files
from ._base import QueriesProperties, QueryProperties
from ._duck import DuckSession
from ._session import FetchType, Session
from .urls import duckdb_path


class _DuckDb(QueryProperties):
    url: str = Field(default="jdbc:duckdb:", description="`jdbc:duckdb:` (a new database in the working "
                                                         "directory) or `jdbc:duckdb:/path/to/file.db`.")
    inputFiles: dict[str, Any] | str | None = Field(
        default=None, description="File name -> content or kestra:// URI, written into the working dir.")
    outputFiles: list[str] | None = Field(default=None, description="Names of files the SQL writes to "
                                                                    "(`{{ outputFiles.<name> }}`).")
    databaseUri: str | None = Field(default=None, description="kestra:// URI of an existing DuckDB file.")
    outputDbFile: bool = Field(default=False, description="Keep the database file as output `databaseUri`.")
    communityExtensions: list[str] | None = Field(
        default=None, description="Community extensions installed and loaded first (best effort).")

    def open_session(self, ctx: RunContext, fetch_type: FetchType) -> Session:
        workdir = ctx.working_dir()
        self._write_inputs(ctx)
        database = self._database_file(ctx, workdir)
        output_files = {name: str(workdir / f"{uuid.uuid4().hex[:12]}_{_safe(name)}")
                        for name in (str(ctx.render(n)) for n in self.outputFiles or [])}
        for path in output_files.values():
            Path(path).touch()
        session = DuckSession.open(ctx, database, workdir, output_files)
        for extension in self.communityExtensions or []:
            session.install_community(ctx, str(ctx.render(extension)))
        return session

    def _write_inputs(self, ctx: RunContext) -> None:
        materialise_input_files(ctx, input_files(ctx, self.inputFiles))

    def _database_file(self, ctx: RunContext, workdir: Path) -> Path | None:
        if self.databaseUri:
            target = workdir / f"{uuid.uuid4().hex}.db"
            uri = str(ctx.render(self.databaseUri)).strip()
            try:
                ctx.storage.download(uri, target)
            except Exception as error:
                raise TaskFailure(f"Cannot read `databaseUri` '{uri}': {error}") from None
            return target
        path = duckdb_path(str(ctx.render(self.url) or ""))
        if path is None:
            url = str(ctx.render(self.url) or "").strip().lower()
            if url.endswith(":memory:") and not self.outputDbFile:
                return None
            return workdir / f"{uuid.uuid4().hex}.db"
        if re.match(r"^[a-z]{2,}:", path):  # md:db (MotherDuck) and other DuckDB URLs pass through
            return Path(path)
        return Path(path) if Path(path).is_absolute() else inside(workdir, path)

    def render_variables(self, ctx: RunContext, session: Session) -> Mapping[str, Any] | None:
        assert isinstance(session, DuckSession)
        return session.variables()

    def extra_outputs(self, ctx: RunContext, session: Session) -> dict[str, Any]:
        assert isinstance(session, DuckSession)
        session.close()  # flush the database file before it is uploaded
        outputs: dict[str, Any] = {}
        if session.output_files:
            outputs["outputFiles"] = {name: ctx.storage.put_file(Path(path))
                                      for name, path in session.output_files.items()}
        if self.outputDbFile:
            if session.database is None or not session.database.exists():
                raise TaskFailure("`outputDbFile` needs a database file: use `jdbc:duckdb:` or a file path")
            outputs["databaseUri"] = ctx.storage.put_file(session.database)
        return outputs


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\-]", "_", name) or "file"


class Query(_DuckDb):
    """Run SQL on an embedded DuckDB, in the task's working directory (`{{ workingDir }}`).

    Outputs: `row` / `rows` / `uri` / `size` per `fetchType`, `outputFiles`, `databaseUri`.
    """

    kestra_type = "io.kestra.plugin.jdbc.duckdb.Query"
    examples = (
        """\
id: duckdb_query
namespace: company.team

tasks:
  - id: query
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELECT 42 AS answer
    fetchType: FETCH_ONE
""",
    )


class Queries(_DuckDb, QueriesProperties):
    """Run several SQL statements on an embedded DuckDB, in one transaction by default. Output
    `outputs`: one entry per statement returning rows (INSTALL, LOAD, DDL add none)."""

    kestra_type = "io.kestra.plugin.jdbc.duckdb.Queries"
    examples = (
        """\
id: duckdb_queries
namespace: company.team

tasks:
  - id: queries
    type: io.kestra.plugin.jdbc.duckdb.Queries
    sql: |
      CREATE TABLE t AS SELECT 1 AS x;
      SELECT * FROM t;
    fetchType: STORE
""",
    )
