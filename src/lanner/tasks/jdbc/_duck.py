"""A ``Session`` on an embedded DuckDB connection (the duckdb Python package)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from lanner.plugins.api import RunContext, TaskFailure

from ._session import RowSet
from .sqltext import bind_named, sql_literal

_INSTALL = re.compile(r"^\s*(?P<force>FORCE\s+)?INSTALL\s+['\"]?(?P<name>[\w.\-]+)['\"]?\s*(?P<rest>.*)$",
                      re.IGNORECASE | re.DOTALL)


def duckdb_module() -> Any:
    try:
        import duckdb
    except ImportError:  # pragma: no cover - depends on the installation
        raise TaskFailure("The DuckDB tasks need the duckdb package: pip install duckdb") from None
    return duckdb


class DuckSession:
    def __init__(self, connection: Any, database: Path | None, workdir: Path,
                 output_files: dict[str, str]) -> None:
        self.connection = connection
        self.database = database
        self.workdir = workdir
        self.output_files = output_files
        self._closed = False

    @classmethod
    def open(cls, ctx: RunContext, database: Path | None, workdir: Path,
             output_files: dict[str, str]) -> DuckSession:
        duckdb = duckdb_module()
        try:
            connection = duckdb.connect(str(database) if database is not None else ":memory:")
        except duckdb.Error as error:
            where = database or "(in memory)"
            raise TaskFailure(f"Cannot open the DuckDB database {where}: {error}") from None
        session = cls(connection, database, workdir, output_files)
        # Relative paths in SQL (read_csv('data.csv')) resolve in the working directory, as in Kestra.
        search = [str(workdir)]
        if database is not None and database.is_absolute() and database.parent != workdir:
            search.append(str(database.parent))
        connection.execute("SET file_search_path = " + sql_literal(",".join(search)))
        return session

    def variables(self) -> dict[str, Any]:
        variables: dict[str, Any] = {"workingDir": str(self.workdir), "outputFiles": dict(self.output_files)}
        if self.database is not None:
            variables["dbFilePath"] = str(self.database)
        return variables

    def install_community(self, ctx: RunContext, name: str) -> None:
        duckdb = duckdb_module()
        try:
            if not self._available(name):
                self.connection.execute(f"INSTALL {name} FROM community")
            self.connection.execute(f"LOAD {name}")
        except duckdb.Error as error:
            ctx.logger.warn(f"Community extension '{name}' is not available: {error}")

    def _available(self, name: str) -> bool:
        row = self.connection.execute(
            "SELECT installed FROM duckdb_extensions() WHERE extension_name = ?", [name.lower()]).fetchone()
        return bool(row and row[0])

    # --- Session ------------------------------------------------------------------------------

    def execute(self, sql: str, parameters: Mapping[str, Any] | None, fetch_size: int) -> RowSet | None:
        install = _INSTALL.match(sql)
        if install and not (install["force"] or install["rest"].strip()) and self._available(install["name"]):
            return None  # already here (built in or installed): no download, works offline
        if parameters:
            sql = bind_named(sql, parameters, "dollar")
        statements = self.connection.extract_statements(sql)
        result: RowSet | None = None
        for statement in statements:
            names: set[str] = set(getattr(statement, "named_parameters", None) or ())
            missing = [name for name in names if not parameters or name not in parameters]
            if missing:
                raise TaskFailure(f"No value in `parameters` for: {', '.join(sorted(missing))}")
            bound = {name: parameters[name] for name in names} if parameters and names else None
            self.connection.execute(statement, bound)
            result = self._result(statement, fetch_size)
        return result

    def _result(self, statement: Any, fetch_size: int) -> RowSet | None:
        description = self.connection.description
        expected = {str(kind).rsplit(".", 1)[-1] for kind in getattr(statement, "expected_result_type", [])}
        if "QUERY_RESULT" not in expected or description is None:
            return None
        if expected != {"QUERY_RESULT"} and _only_count(description):
            return None  # INSERT/CREATE AS/COPY: a row count, not a result set (as over JDBC)
        columns = [column[0] for column in description]
        return RowSet(columns, self._batches(fetch_size))

    def _batches(self, fetch_size: int) -> Iterator[list[Any]]:
        while True:
            batch = self.connection.fetchmany(fetch_size)
            if not batch:
                return
            yield batch

    def begin(self) -> None:
        self.connection.begin()

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def cancel(self) -> None:
        self.connection.interrupt()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.connection.close()

    def describe_error(self, error: Exception) -> str | None:
        duckdb = duckdb_module()
        if not isinstance(error, duckdb.Error):
            return None
        text = str(error).strip()
        if "Failed to download extension" in text:
            text += (" (hint: without internet access, only extensions already installed or built in "
                     "can be used; install them once while online)")
        return text


def _only_count(description: Any) -> bool:
    return len(description) == 1 and description[0][0] == "Count"
