"""One database connection as the JDBC tasks use it, and the statement loop they share.

Each driver (psycopg, duckdb, sqlite3) implements ``Session``: run one statement and say whether
it returned a result set (``RowSet``, fetched lazily in batches). ``run_statements`` runs them in
order, in one transaction when asked (rolled back entirely on failure), and turns each result
into Kestra's output entry ``{row | rows | uri, size}`` by ``fetchType``.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lanner.plugins.api import RunContext, TaskFailure
from lanner.plugins.serde import ion_value, to_json_value

FetchType = Literal["FETCH", "FETCH_ONE", "STORE", "NONE"]
TRANSACTION_WORDS = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT"})


@dataclass
class RowSet:
    columns: list[str]
    batches: Iterator[Sequence[Sequence[Any]]]  # rows, fetched ``fetch_size`` at a time

    def close(self) -> None:
        close = getattr(self.batches, "close", None)
        if close is not None:
            close()


class Session(Protocol):
    """A connection of one driver (see the module doc)."""

    def execute(self, sql: str, parameters: Mapping[str, Any] | None, fetch_size: int) -> RowSet | None:
        """Run one statement; its rows when it returns a result set (consumed before the next)."""
        ...

    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def cancel(self) -> None:
        """Interrupt the running statement (called from another thread on kill)."""
        ...

    def close(self) -> None: ...

    def describe_error(self, error: Exception) -> str | None:
        """A clean message for a driver error, or None when ``error`` is not the driver's."""
        ...


def run_statements(ctx: RunContext, session: Session, statements: list[str], after: list[str],
                   parameters: Mapping[str, Any] | None, *, fetch_type: FetchType, fetch_size: int,
                   transaction: bool, time_zone: str | None) -> list[dict[str, Any]]:
    """Run ``statements`` (then ``after``, Kestra's ``afterSQL``, without outputs); one output
    entry per statement of ``statements`` returning rows."""
    every = statements + after
    if transaction and any(_first_word(s) in TRANSACTION_WORDS for s in every):
        ctx.logger.info("The SQL manages its own transactions (BEGIN/COMMIT): statements are not "
                        "wrapped in another transaction.")
        transaction = False
    zone = _zone(time_zone)
    outputs: list[dict[str, Any]] = []
    total = 0
    if transaction:
        session.begin()
    try:
        with cancel_on_kill(ctx, session.cancel):
            for index, statement in enumerate(every, start=1):
                if ctx.is_killed():
                    raise TaskFailure("Killed: the remaining statements were not run")
                ctx.logger.debug(f"Starting query: {statement}")
                try:
                    rowset = session.execute(statement, parameters, fetch_size)
                    if rowset is None:
                        continue
                    if index > len(statements):  # afterSQL: run for its effect, no output
                        rowset.close()
                        continue
                    output = collect(ctx, rowset, fetch_type, zone)
                except TaskFailure:
                    raise
                except Exception as error:
                    message = session.describe_error(error)
                    if message is None:
                        raise
                    where = f"Statement {index} of {len(every)}" if len(every) > 1 else "The query"
                    raise TaskFailure(f"{where} failed: {message}") from None
                total += int(output.get("size") or 0)
                outputs.append(output)
        if transaction:
            session.commit()
    except BaseException:
        if transaction:
            with contextlib.suppress(Exception):
                session.rollback()
                ctx.logger.warn("Rolled back: no change of these statements was kept.")
        raise
    ctx.metric("fetch.size", total)
    return outputs


def _first_word(statement: str) -> str:
    word = statement.lstrip().split(None, 1)
    return word[0].rstrip(";").upper() if word else ""


def collect(ctx: RunContext, rowset: RowSet, fetch_type: FetchType, zone: ZoneInfo | None) -> dict[str, Any]:
    """Kestra's output of one result set."""
    columns = rowset.columns
    try:
        if fetch_type == "NONE":
            ctx.logger.info("fetchType is set to NONE, no output will be returned")
            return {}
        if fetch_type == "FETCH_ONE":
            for batch in rowset.batches:
                for row in batch:
                    return {"row": _json_row(columns, row, zone), "size": 1}
            return {"row": None, "size": 0}
        if fetch_type == "FETCH":
            rows = [_json_row(columns, row, zone) for batch in rowset.batches for row in batch]
            return {"rows": rows, "size": len(rows)}
        return store(ctx, columns, rowset.batches, zone)
    finally:
        rowset.close()


def store(ctx: RunContext, columns: list[str], batches: Iterator[Sequence[Sequence[Any]]],
          zone: ZoneInfo | None) -> dict[str, Any]:
    """Write the rows as Ion lines to a file of internal storage: ``{uri, size}``."""
    size = 0
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".ion", dir=ctx.working_dir(),
                                     delete=False, newline="\n") as out:
        for batch in batches:
            if ctx.is_killed():
                raise TaskFailure("Killed while storing the result")
            out.writelines(ion_value(_row(columns, row, zone)) + "\n" for row in batch)
            size += len(batch)
    uri = ctx.storage.put_file(Path(out.name))
    return {"uri": uri, "size": size}


def _row(columns: list[str], row: Sequence[Any], zone: ZoneInfo | None) -> dict[str, Any]:
    if zone is None:
        return dict(zip(columns, row, strict=False))
    return {name: _in_zone(value, zone) for name, value in zip(columns, row, strict=False)}


def _json_row(columns: list[str], row: Sequence[Any], zone: ZoneInfo | None) -> dict[str, Any]:
    return {name: to_json_value(value) for name, value in _row(columns, row, zone).items()}


def _in_zone(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(zone)
    return value


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TaskFailure(f"Invalid timeZoneId '{name}': expected a zone such as Europe/Paris") from None


@contextlib.contextmanager
def cancel_on_kill(ctx: RunContext, cancel: Callable[[], None], poll_seconds: float = 0.2) -> Iterator[None]:
    """While the block runs, interrupt the database when the task run is killed (or times out)."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(poll_seconds):
            if ctx.is_killed():
                with contextlib.suppress(Exception):
                    cancel()
                return

    watcher = threading.Thread(target=watch, name="lanner-jdbc-kill-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
