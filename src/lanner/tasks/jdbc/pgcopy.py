"""PostgreSQL ``COPY``: CopyIn streams a file (internal storage, or an http(s) URL; gzip or not)
to ``COPY ... FROM STDIN``; CopyOut writes ``COPY ... TO STDOUT`` into internal storage.

Data moves in chunks of ``CHUNK_BYTES``; while psycopg sends one chunk on its writer thread, the
next one is read (and gunzipped), so a compressed download overlaps the load.
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

if TYPE_CHECKING:
    from .postgresql import CopyIn, CopyOut, _Copy

CHUNK_BYTES = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
HTTP_TIMEOUT_SECONDS = 60.0


# --- the statement -------------------------------------------------------------------------------


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _char(value: Any, what: str) -> str:
    text = str(value)
    text = {"\\t": "\t", "tab": "\t", "\\n": "\n"}.get(text, text)
    if len(text) != 1:
        raise TaskFailure(f"`{what}` must be a single character, got '{value}'")
    return text


def _names(ctx: RunContext, values: list[str] | None) -> list[str]:
    return [str(ctx.render(value)) for value in values or []]


def copy_statement(ctx: RunContext, task: _Copy, query: str | None, direction: str) -> str:
    """Kestra's ``AbstractCopy.query``: ``COPY <table> (<cols>) | (<query>) <direction> WITH (...)``,
    with only the options that are set (``FORMAT`` left out for TEXT)."""
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
        options.append("DELIMITER " + _literal(_char(ctx.render(task.delimiter), "delimiter")))
    if task.nullString is not None:
        options.append("NULL " + _literal(str(ctx.render(task.nullString))))
    if task.header is not None:
        options.append("HEADER " + ("TRUE" if ctx.render_bool(task.header) else "FALSE"))
    if task.quote is not None:
        options.append("QUOTE " + _literal(_char(ctx.render(task.quote), "quote")))
    if task.escape is not None:
        options.append("ESCAPE " + _literal(_char(ctx.render(task.escape), "escape")))
    force_quote = _names(ctx, getattr(task, "forceQuote", None))
    if force_quote:
        options.append("FORCE_QUOTE " + ("*" if force_quote == ["*"] else "(" + ", ".join(force_quote) + ")"))
    for name, values in (("FORCE_NOT_NULL", task.forceNotNull), ("FORCE_NULL", task.forceNull)):
        names = _names(ctx, values)
        if names:
            options.append(f"{name} (" + ", ".join(names) + ")")
    if task.encoding is not None:
        options.append("ENCODING " + _literal(str(ctx.render(task.encoding))))
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


def _gunzip(first: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        for data in itertools.chain([first], chunks):
            while data:
                if inflater.eof:  # the next gzip member begins (or zero padding)
                    if not data.strip(b"\0"):
                        break
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                out = inflater.decompress(data)
                if out:
                    yield out
                data = inflater.unused_data if inflater.eof else b""
    except zlib.error as error:
        raise TaskFailure(f"The `from` file is not valid gzip: {error}") from None
    if not inflater.eof:
        raise TaskFailure("The gzip `from` file ends early: it is truncated")


# --- the tasks ---------------------------------------------------------------------------------


def copy_in(ctx: RunContext, task: CopyIn) -> dict[str, Any]:
    psycopg = psycopg_module()
    source = str(ctx.render(task.from_) or "").strip()
    if not source:
        raise TaskFailure("`from` is required: the kestra:// URI (or http(s) URL) of the file to load")
    statement = copy_statement(ctx, task, None, "FROM STDIN")
    with connect(ctx, task, autocommit=False) as connection, connection.cursor() as cursor:
        ctx.logger.debug(f"Starting query: {statement}")
        try:
            with open_source(ctx, source) as chunks, cursor.copy(
                    statement, writer=psycopg.copy.QueuedLibpqWriter(cursor)) as copy:
                for chunk in decompressed(chunks):
                    if ctx.is_killed():
                        raise TaskFailure("Killed: the load was cancelled, nothing was kept")
                    copy.write(chunk)
            connection.commit()
        except psycopg.Error as error:
            raise TaskFailure(f"COPY into {task.table or 'the table'} failed: {describe(error)}") from None
        rows = max(cursor.rowcount, 0)
    ctx.logger.info(f"Loaded {rows} rows into {ctx.render(task.table)}")
    ctx.metric("rows", rows)
    return {"rowCount": rows}


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
