"""PostgreSQL ``COPY``: CopyIn streams a file (internal storage, or an http(s) URL; gzip or not)
to ``COPY ... FROM STDIN``; CopyOut writes ``COPY ... TO STDOUT`` into internal storage.

Data moves in chunks of ``CHUNK_BYTES``; while psycopg sends one chunk on its writer thread, the
next one is read (and gunzipped), so a compressed download overlaps the load. With
``parallelism: N`` the stream is cut into blocks of whole records sent over N connections
(``pgparallel.py``). A progress line (rows, MB/s) is logged every few seconds and at the end.
gzip is inflated by ISA-L (the ``isal`` package, about 3x zlib's speed) when it is installed.
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lanner.plugins.api import RunContext, TaskFailure

from ._pg import connect, describe, psycopg_module
from .linestream import Progress, parallel_safe, record_blocks
from .sqltext import sql_literal

if TYPE_CHECKING:
    from .postgresql import CopyIn, CopyOut, _Copy

CHUNK_BYTES = 1 << 18  # 256 KiB: measured 78 MB peak RSS for a 7.5M-row load (1 MiB: 117 MB)
MAX_STREAMS = 16
GZIP_MAGIC = b"\x1f\x8b"
HTTP_TIMEOUT_SECONDS = 60.0


# --- the statement -------------------------------------------------------------------------------


def _char(value: Any, what: str) -> str:
    text = str(value)
    text = {"\\t": "\t", "tab": "\t", "\\n": "\n"}.get(text, text)
    if len(text) != 1:
        raise TaskFailure(f"`{what}` must be a single character, got '{value}'")
    return text


def _names(ctx: RunContext, values: list[str] | None) -> list[str]:
    return [str(ctx.render(value)) for value in values or []]


def copy_statement(ctx: RunContext, task: _Copy, query: str | None, direction: str, *,
                   header: bool = True) -> str:
    """Kestra's ``AbstractCopy.query``: ``COPY <table> (<cols>) | (<query>) <direction> WITH (...)``,
    with only the options that are set (``FORMAT`` left out for TEXT). ``header=False`` leaves
    the HEADER option out (the parallel load skips the header line itself)."""
    parts = ["COPY"]
    if query is None:
        table = str(ctx.render(task.table) or "").strip()
        if not table:
            raise TaskFailure("`table` is required (or `sql` for CopyOut)")
        parts.append(table)
        columns = _names(ctx, task.columns)
        if columns:
            parts.append("(" + ", ".join(columns) + ")")
    else:
        parts.append(f"({query})")
    parts.append(direction)
    options: list[str] = []
    fmt = str(ctx.render(task.format) or "TEXT").strip().upper()
    if fmt not in ("TEXT", "CSV", "BINARY"):
        raise TaskFailure(f"Invalid format '{fmt}': expected TEXT, CSV or BINARY")
    if fmt != "TEXT":
        options.append(f"FORMAT {fmt}")
    if task.oids is not None and ctx.render_bool(task.oids):
        options.append("OIDS")
    if task.freeze is not None and ctx.render_bool(task.freeze):
        options.append("FREEZE")
    if task.delimiter is not None:
        options.append("DELIMITER " + sql_literal(_char(ctx.render(task.delimiter), "delimiter")))
    if task.nullString is not None:
        options.append("NULL " + sql_literal(str(ctx.render(task.nullString))))
    if task.header is not None and header:
        options.append("HEADER " + ("TRUE" if ctx.render_bool(task.header) else "FALSE"))
    if task.quote is not None:
        options.append("QUOTE " + sql_literal(_char(ctx.render(task.quote), "quote")))
    if task.escape is not None:
        options.append("ESCAPE " + sql_literal(_char(ctx.render(task.escape), "escape")))
    force_quote = _names(ctx, getattr(task, "forceQuote", None))
    if force_quote:
        options.append("FORCE_QUOTE " + ("*" if force_quote == ["*"] else "(" + ", ".join(force_quote) + ")"))
    for name, values in (("FORCE_NOT_NULL", task.forceNotNull), ("FORCE_NULL", task.forceNull)):
        names = _names(ctx, values)
        if names:
            options.append(f"{name} (" + ", ".join(names) + ")")
    if task.encoding is not None:
        options.append("ENCODING " + sql_literal(str(ctx.render(task.encoding))))
    if options:
        parts.append("WITH (" + ", ".join(options) + ")")
    return " ".join(parts)


# --- the source of CopyIn ----------------------------------------------------------------------


@contextlib.contextmanager
def open_source(ctx: RunContext, uri: str) -> Iterator[Iterator[bytes]]:
    """The bytes of ``uri`` in chunks: kestra:// from internal storage, http(s):// downloaded."""
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https"):
        with _download(ctx, uri) as chunks:
            yield chunks
        return
    if scheme != "kestra":
        raise TaskFailure(f"Invalid `from` '{uri}': expected a kestra:// URI of internal storage "
                          "(or an http(s):// URL)")
    try:
        stream = ctx.storage.open(uri)
    except Exception as error:  # not found, or not readable by this flow
        raise TaskFailure(f"Cannot read the `from` file '{uri}': {error}") from None
    with stream:
        yield iter(lambda: stream.read(CHUNK_BYTES), b"")


@contextlib.contextmanager
def _download(ctx: RunContext, url: str) -> Iterator[Iterator[bytes]]:
    import httpx

    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=HTTP_TIMEOUT_SECONDS) as response:
            if response.status_code >= 400:
                raise TaskFailure(f"Cannot download `from` {url}: HTTP {response.status_code} "
                                  f"{response.reason_phrase}")
            ctx.logger.debug(f"Downloading {url} while loading it")
            yield response.iter_raw(CHUNK_BYTES)
    except httpx.HTTPError as error:
        raise TaskFailure(f"Cannot download `from` {url}: {error}") from None


def decompressed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks, gunzipped on the fly when they start with the gzip magic number (several
    concatenated gzip members are read as one stream, as gunzip does)."""
    first = b""
    for chunk in chunks:
        first += chunk
        if len(first) >= 2:
            break
    if first.startswith(GZIP_MAGIC):
        yield from _gunzip(first, chunks)
        return
    if first:
        yield first
    yield from chunks


def _inflater() -> tuple[Any, tuple[type[Exception], ...]]:
    """A gzip decompressor: ISA-L's when the ``isal`` package is installed, else zlib's."""
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib.decompressobj(16 + zlib.MAX_WBITS), (zlib.error,)
    isal_error: type[Exception] = isal_zlib.error  # type: ignore[assignment]  # the stub says instance
    return isal_zlib.decompressobj(16 + isal_zlib.MAX_WBITS), (zlib.error, isal_error)


def _gunzip(first: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    inflater, errors = _inflater()
    member_start = True
    try:
        for data in itertools.chain([first], chunks):
            while data:
                if inflater.eof:  # the next gzip member begins (or zero padding)
                    if not data.strip(b"\0"):
                        break
                    inflater, errors = _inflater()
                    member_start = True
                if member_start:
                    _check_member_header(data)
                    member_start = False
                out = inflater.decompress(data)
                if out:
                    yield out
                data = inflater.unused_data if inflater.eof else b""
    except errors as error:
        raise TaskFailure(f"The `from` file is not valid gzip: {error}") from None
    if not inflater.eof:
        raise TaskFailure("The gzip `from` file ends early: it is truncated")


def _check_member_header(data: bytes) -> None:
    """ISA-L reads a bad header as an incomplete one: check magic, method and flags ourselves."""
    if len(data) >= 4 and (data[:3] != GZIP_MAGIC + b"\x08" or data[3] & 0xE0):
        raise TaskFailure("The `from` file is not valid gzip: bad member header")


# --- the tasks ---------------------------------------------------------------------------------


def copy_in(ctx: RunContext, task: CopyIn) -> dict[str, Any]:
    source = str(ctx.render(task.from_) or "").strip()
    if not source:
        raise TaskFailure("`from` is required: the kestra:// URI (or http(s) URL) of the file to load")
    table = ctx.render(task.table)
    streams = _parallelism(ctx, task)
    header = task.header is not None and ctx.render_bool(task.header)
    # One stream counts the header line it sends; the parallel load never sends it.
    progress = Progress(ctx.logger.info, header_lines=1 if header and streams == 1 else 0)
    if streams > 1:
        rows = _copy_in_parallel(ctx, task, source, streams, header, progress)
    else:
        rows = _copy_in_one_stream(ctx, task, source, progress)
    ctx.logger.info(f"Loaded {progress.describe(rows)} into {table}")
    ctx.metric("rows", rows)
    ctx.metric("bytes", progress.bytes)
    ctx.metric("seconds", progress.seconds(), type="timer")
    return {"rowCount": rows}


def _copy_in_one_stream(ctx: RunContext, task: CopyIn, source: str, progress: Progress) -> int:
    psycopg = psycopg_module()
    statement = copy_statement(ctx, task, None, "FROM STDIN")
    with connect(ctx, task, autocommit=False) as connection, connection.cursor() as cursor:
        ctx.logger.debug(f"Starting query: {statement}")
        try:
            with open_source(ctx, source) as chunks, cursor.copy(
                    statement, writer=psycopg.copy.QueuedLibpqWriter(cursor)) as copy:
                for chunk in progress.counted(decompressed(chunks)):
                    if ctx.is_killed():
                        raise TaskFailure("Killed: the load was cancelled, nothing was kept")
                    copy.write(chunk)
            connection.commit()
        except psycopg.Error as error:
            table = ctx.render(task.table) or "the table"
            raise TaskFailure(f"COPY into {table} failed: {describe(error)}") from None
        return max(cursor.rowcount, 0)


def _parallelism(ctx: RunContext, task: CopyIn) -> int:
    if task.parallelism is None:
        return 1
    value = ctx.render_typed(task.parallelism)
    try:
        streams = int(value)
    except (TypeError, ValueError):
        raise TaskFailure(f"`parallelism` must be a whole number of streams, got '{value}'") from None
    if not 1 <= streams <= MAX_STREAMS:
        raise TaskFailure(f"`parallelism` must be between 1 and {MAX_STREAMS}, got {streams}")
    if streams > 1:
        fmt = str(ctx.render(task.format) or "TEXT").strip().upper()
        quote = str(ctx.render(task.quote)) if task.quote is not None else None
        escape = str(ctx.render(task.escape)) if task.escape is not None else None
        if not parallel_safe(fmt, quote, escape):
            ctx.logger.info(f"parallelism {streams} needs CSV (whose escape is its quote) or TEXT: "
                            f"loading this {fmt} file in one stream")
            return 1
    return streams


def _copy_in_parallel(ctx: RunContext, task: CopyIn, source: str, streams: int, header: bool,
                      progress: Progress) -> int:
    from .pgparallel import parallel_copy_in

    fmt = str(ctx.render(task.format) or "TEXT").strip().upper()
    quote = (_char(ctx.render(task.quote), "quote") if task.quote is not None else '"').encode()
    statement = copy_statement(ctx, task, None, "FROM STDIN", header=False)
    ctx.logger.debug(f"Starting query on {streams} connections: {statement}")
    with open_source(ctx, source) as chunks:
        blocks = record_blocks(decompressed(chunks), block_bytes=CHUNK_BYTES, skip_header=header,
                               quote=quote if fmt == "CSV" else None)
        return parallel_copy_in(ctx, task, statement, blocks, streams, progress)


def copy_out(ctx: RunContext, task: CopyOut) -> dict[str, Any]:
    psycopg = psycopg_module()
    query = str(ctx.render(task.sql)).strip().rstrip(";") if task.sql else None
    statement = copy_statement(ctx, task, query, "TO STDOUT")
    fmt = str(ctx.render(task.format) or "TEXT").strip().upper()
    suffix = {"CSV": ".csv", "BINARY": ".bin"}.get(fmt, ".txt")
    with connect(ctx, task, autocommit=True) as connection, connection.cursor() as cursor:
        ctx.logger.debug(f"Starting query: {statement}")
        with tempfile.NamedTemporaryFile("wb", suffix=suffix, dir=ctx.working_dir(), delete=False) as out:
            try:
                with cursor.copy(statement) as copy:
                    for data in copy:
                        if ctx.is_killed():
                            raise TaskFailure("Killed: the export was cancelled")
                        out.write(data)
            except psycopg.Error as error:
                raise TaskFailure(f"COPY out failed: {describe(error)}") from None
        rows = max(cursor.rowcount, 0)
    ctx.metric("rows", rows)
    return {"uri": ctx.storage.put_file(Path(out.name)), "rowCount": rows}
