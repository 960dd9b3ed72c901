"""``io.lanner.plugin.jdbc.duckdb.CopyIn``: stream a CSV (http(s) or internal storage, gzip or
not) into a table of a DuckDB database file, without a temporary copy of the data.

DuckDB reads files by name, so the data goes through a named pipe in the working directory: a
pump thread downloads, gunzips and counts (progress lines) while DuckDB's own CSV reader runs
``COPY table FROM 'pipe'`` in a transaction. Where named pipes do not exist (Windows) the data
is written to a file of the working directory first.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import Field

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskFailure, TaskOutput

from ._duck import duckdb_module
from ._session import cancel_on_kill
from .linestream import Progress
from .pgcopy import decompressed, open_source
from .sqltext import sql_literal
from .urls import duckdb_path

_OPEN_POLL_SECONDS = 0.01


class CopyIn(RunnableTask):
    """Load a CSV file into a table of a DuckDB database file, streamed: `from` is an `http(s)://`
    URL or a `kestra://` URI, gzip-compressed or not. Output: `rowCount`.

    Runs `COPY <table> (<columns>) FROM ... (FORMAT csv, ...)` in one transaction: a bad row
    loads nothing, and DuckDB's message names its line. The table's column types drive the
    parsing (no type sniffing). A progress line (rows, MB, MB/s) is logged every 5 seconds and at
    the end. `url` must name a database file (`jdbc:duckdb:/path/to/warehouse.duckdb`), created
    with its folder when missing, so the data outlives the task (Query and Queries tasks can
    then use the same `url`).
    """

    kestra_type = "io.lanner.plugin.jdbc.duckdb.CopyIn"
    examples = (
        """\
id: duckdb_copy_in
namespace: company.team

tasks:
  - id: create
    type: io.kestra.plugin.jdbc.duckdb.Queries
    url: jdbc:duckdb:/tmp/warehouse.duckdb
    sql: CREATE TABLE IF NOT EXISTS zones (LocationID INTEGER, Borough TEXT, Zone TEXT, service_zone TEXT)
  - id: load
    type: io.lanner.plugin.jdbc.duckdb.CopyIn
    url: jdbc:duckdb:/tmp/warehouse.duckdb
    from: https://github.com/DataTalksClub/nyc-tlc-data/releases/download/misc/taxi_zone_lookup.csv
    table: zones
    header: true
""",
    )

    url: str = Field(description="`jdbc:duckdb:/path/to/file.duckdb`: the database file (rendered).")
    from_: str = Field(alias="from", description="http(s):// URL or kestra:// URI of the CSV file, "
                                                 "gzip-compressed or not (rendered).")
    table: str = Field(description="Target table (rendered); it must exist.")
    columns: list[str] | None = Field(default=None, description="Columns, in file order (rendered).")
    header: Prop[bool] = Field(default=False, description="The file starts with a header line.")
    delimiter: str | None = Field(default=None, description="Column separator (default `,`).")
    quote: str | None = Field(default=None, description="Quote character (default `\"`).")
    escape: str | None = Field(default=None, description="Escape character (default: the quote).")
    nullString: str | None = Field(default=None, description="The text that stands for NULL "
                                                             "(default: an empty field).")

    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        duckdb = duckdb_module()
        source = str(ctx.render(self.from_) or "").strip()
        if not source:
            raise TaskFailure("`from` is required: the http(s) URL or kestra:// URI of the file to load")
        database = self._database(ctx)
        table = str(ctx.render(self.table) or "").strip()
        if not table:
            raise TaskFailure("`table` is required")
        header = ctx.render_bool(self.header)
        progress = Progress(ctx.logger.info, header_lines=1 if header else 0)
        workdir = ctx.working_dir()
        try:
            connection = duckdb.connect(str(database))
        except duckdb.Error as error:
            raise TaskFailure(f"Cannot open the DuckDB database {database}: {error}") from None
        try:
            if hasattr(os, "mkfifo"):
                pipe = workdir / f"{uuid.uuid4().hex[:12]}.csv"
                os.mkfifo(pipe)
                pump = _Pump(ctx, source, pipe, progress)
                pump.start()
                try:
                    rows = self._copy(ctx, connection, table, pipe, header, pump.finish)
                finally:
                    pump.finish()
                    pipe.unlink(missing_ok=True)
            else:  # pragma: no cover - Windows: no named pipes
                data = workdir / f"{uuid.uuid4().hex[:12]}.csv"
                with open_source(ctx, source) as chunks, open(data, "wb") as out:
                    for chunk in progress.counted(decompressed(chunks)):
                        out.write(chunk)
                rows = self._copy(ctx, connection, table, data, header, lambda: None)
        finally:
            connection.close()
        ctx.logger.info(f"Loaded {progress.describe(rows)} into {table}")
        ctx.metric("rows", rows)
        ctx.metric("bytes", progress.bytes)
        return {"rowCount": rows}

    def _database(self, ctx: RunContext) -> Path:
        url = str(ctx.render(self.url) or "").strip()
        path = duckdb_path(url)
        if path is None or not Path(path).expanduser().is_absolute():
            raise TaskFailure(f"Invalid url '{url}': CopyIn loads into a database file that outlives the "
                              "task, e.g. jdbc:duckdb:/data/warehouse.duckdb (an absolute path)")
        database = Path(path).expanduser()
        database.parent.mkdir(parents=True, exist_ok=True)
        return database

    def _statement(self, ctx: RunContext, table: str, path: Path, header: bool) -> str:
        options = ["FORMAT csv", f"HEADER {'true' if header else 'false'}", "AUTO_DETECT false"]
        for name, value in (("DELIMITER", self.delimiter), ("QUOTE", self.quote), ("ESCAPE", self.escape),
                            ("NULL", self.nullString)):
            if value is not None:
                options.append(f"{name} {sql_literal(str(ctx.render(value)))}")
        columns = [str(ctx.render(name)) for name in self.columns or []]
        target = table + (" (" + ", ".join(columns) + ")" if columns else "")
        return f"COPY {target} FROM {sql_literal(str(path))} ({', '.join(options)})"

    def _copy(self, ctx: RunContext, connection: Any, table: str, path: Path, header: bool,
              failed: Callable[[], BaseException | None]) -> int:
        duckdb = duckdb_module()
        statement = self._statement(ctx, table, path, header)
        ctx.logger.debug(f"Starting query: {statement}")
        connection.begin()
        try:
            with cancel_on_kill(ctx, connection.interrupt):
                row = connection.execute(statement).fetchone()
            problem = failed()
            if problem is not None:  # the source broke off: what DuckDB read is not the whole file
                raise problem
            if ctx.is_killed():
                raise TaskFailure("Killed: the load was cancelled, nothing was kept")
            connection.commit()
        except duckdb.Error as error:
            with contextlib.suppress(Exception):
                connection.rollback()
            problem = failed()
            if problem is not None:
                raise problem from None
            if ctx.is_killed():
                raise TaskFailure("Killed: the load was cancelled, nothing was kept") from None
            raise TaskFailure(f"COPY into {table} failed: {_short(str(error))}") from None
        except BaseException:
            with contextlib.suppress(Exception):
                connection.rollback()
            raise
        return int(row[0]) if row else 0


class _Pump:
    """Download, gunzip and count on a thread, into the named pipe DuckDB reads."""

    def __init__(self, ctx: RunContext, source: str, pipe: Path, progress: Progress) -> None:
        self.ctx, self.source, self.pipe, self.progress = ctx, source, pipe, progress
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="lanner-duckdb-pump", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        # Open the pipe first: if the download then fails, closing it still ends DuckDB's read.
        fd = self._open()
        if fd is None:
            return
        try:
            with open_source(self.ctx, self.source) as chunks:
                for chunk in self.progress.counted(decompressed(chunks)):
                    if self.stop.is_set() or self.ctx.is_killed():
                        return
                    _write_all(fd, chunk)
        except BrokenPipeError:
            pass  # DuckDB stopped reading (a bad row): its error is the one to report
        except BaseException as error:
            self.error = error
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)

    def _open(self) -> int | None:
        """The pipe's write end, once DuckDB opened its read end (None if told to stop first)."""
        while not self.stop.is_set():
            try:
                fd = os.open(self.pipe, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader yet
                time.sleep(_OPEN_POLL_SECONDS)
                continue
            os.set_blocking(fd, True)
            return fd
        return None

    def finish(self) -> BaseException | None:
        """Called once DuckDB returned (it read to the end, stopped reading, or never opened the
        pipe): unblock and end the pump; the error that broke the source off, if any."""
        self.stop.set()
        if self.thread.is_alive():
            reader = os.open(self.pipe, os.O_RDONLY | os.O_NONBLOCK)
            try:
                while self.thread.is_alive():
                    with contextlib.suppress(BlockingIOError):
                        os.read(reader, 1 << 20)
                    self.thread.join(_OPEN_POLL_SECONDS)
            finally:
                os.close(reader)
        return self.error


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _short(message: str) -> str:
    """DuckDB's message without its list of possible fixes."""
    return message.split("\nPossible solutions", 1)[0].split("\n* ", 1)[0].strip()
