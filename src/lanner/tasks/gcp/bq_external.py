"""External tables of the local warehouse: ``gs://`` files of the local buckets read by DuckDB.

An external table is only a description (``TableInfo.external``); each statement that reads it
resolves its ``uris`` again (wildcards included, as BigQuery does at query time) and reads the
files with DuckDB's CSV / JSON / Parquet readers. Options follow BigQuery's
(``CREATE EXTERNAL TABLE ... OPTIONS(...)``): ``format``, ``uris``, ``skip_leading_rows``,
``field_delimiter``, ``quote``, ``null_marker``, ``allow_jagged_rows``, ``ignore_unknown_values``,
``max_bad_records``, ``encoding``, ``compression``.

CSV columns are matched by position, as BigQuery does with a declared schema: with
``ignore_unknown_values`` the extra trailing columns of a file are read and dropped.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lanner.plugins.api import TaskFailure

from .bq_schema import Column, TableInfo, duck_type_sql, quote
from .localbucket import LocalBuckets

SUPPORTED_FORMATS = ("CSV", "NEWLINE_DELIMITED_JSON", "JSON", "PARQUET")


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _bool(value: Any) -> bool:
    return value is True or str(value).strip().lower() == "true"


def resolve_files(buckets: LocalBuckets, uris: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for uri in uris:
        found = buckets.glob_uris(str(uri))
        if not found:
            raise TaskFailure(f"Not found: URI {uri} (no object of the local bucket matches it)")
        files.extend(found)
    return files


def external_format(options: dict[str, Any]) -> str:
    fmt = str(options.get("format") or "CSV").upper()
    if fmt not in SUPPORTED_FORMATS:
        raise TaskFailure(f"External table format {fmt} is not supported by the BigQuery local mode "
                          f"(supported: {', '.join(SUPPORTED_FORMATS)})")
    return fmt


def reader_sql(info: TableInfo, files: Sequence[Path]) -> str:
    """A DuckDB ``SELECT`` giving the rows of the external table ``info`` from ``files``."""
    options = info.external or {}
    fmt = external_format(options)
    paths = "[" + ", ".join(sql_string(str(p)) for p in files) + "]"
    if fmt == "PARQUET":
        return _projected(f"read_parquet({paths})", info.columns)
    if fmt in ("NEWLINE_DELIMITED_JSON", "JSON"):
        if not info.columns:
            return f"SELECT * FROM read_json({paths}, format = 'newline_delimited')"
        columns = ", ".join(f"{sql_string(c.name)}: {sql_string(duck_type_sql(c.type))}"
                            for c in info.columns)
        return f"SELECT * FROM read_json({paths}, format = 'newline_delimited', columns = {{{columns}}})"
    return _csv_sql(info, options, files, paths)


def _projected(source: str, columns: Sequence[Column]) -> str:
    if not columns:
        return f"SELECT * FROM {source}"
    items = ", ".join(f"CAST({quote(c.name)} AS {duck_type_sql(c.type)}) AS {quote(c.name)}" for c in columns)
    return f"SELECT {items} FROM {source}"


def _csv_sql(info: TableInfo, options: dict[str, Any], files: Sequence[Path], paths: str) -> str:
    skip = int(options.get("skip_leading_rows") or 0)
    settings = [f"delim = {sql_string(str(options.get('field_delimiter') or ','))}",
                f"quote = {sql_string(str(options['quote']))}" if options.get("quote") is not None else "",
                f"nullstr = {sql_string(str(options['null_marker']))}" if options.get("null_marker") else "",
                "null_padding = true" if _bool(options.get("allow_jagged_rows")) else "",
                "ignore_errors = true" if int(options.get("max_bad_records") or 0) > 0 else "",
                f"encoding = {sql_string(_encoding(options['encoding']))}" if options.get("encoding") else ""]
    extra = ", ".join(s for s in settings if s)
    extra = f", {extra}" if extra else ""
    if not info.columns:  # schema auto-detection: the header (the skipped row) names the columns
        if options.get("skip_leading_rows") is None:
            return f"SELECT * FROM read_csv({paths}{extra})"  # header detected, as BigQuery does
        return (f"SELECT * FROM read_csv({paths}, header = {'true' if skip else 'false'}, "
                f"skip = {max(skip - 1, 0)}{extra})")
    declared = list(info.columns)
    width = _file_width(files[0], str(options.get("field_delimiter") or ","), skip) if files else None
    names = [c.name for c in declared]
    wanted = [duck_type_sql(c.type) for c in declared]
    # DuckDB's CSV reader parses TIMESTAMP text much faster than TIMESTAMPTZ; in the warehouse's
    # UTC session the cast that follows gives the same instants (offsets in the text included).
    types = ["TIMESTAMP" if t == "TIMESTAMPTZ" else t for t in wanted]
    if width is not None and width > len(declared):
        if not _bool(options.get("ignore_unknown_values")):
            raise TaskFailure(f"Error while reading data: too many values in a row of {files[0].name} "
                              f"({width} values for {len(declared)} columns); set "
                              "ignore_unknown_values = TRUE to drop the extra ones")
        names += [f"_lanner_extra_{i}" for i in range(width - len(declared))]
        types += ["VARCHAR"] * (width - len(declared))
    columns = ", ".join(f"{sql_string(n)}: {sql_string(t)}" for n, t in zip(names, types, strict=True))
    select = ", ".join(f"CAST({quote(n)} AS {t}) AS {quote(n)}" if t != r else quote(n)
                       for n, t, r in zip(names, wanted, types, strict=False))
    return (f"SELECT {select} FROM read_csv({paths}, header = false, skip = {skip}, "
            f"columns = {{{columns}}}, auto_detect = false{extra})")


def _encoding(value: Any) -> str:
    text = str(value).strip().upper().replace("_", "-")
    return {"UTF-8": "utf-8", "ISO-8859-1": "latin-1", "UTF-16BE": "utf-16", "UTF-16LE": "utf-16"}.get(
        text, text.lower())


def _file_width(path: Path, delimiter: str, skip: int) -> int | None:
    """How many values the first data row of a CSV file has (None when unreadable/empty)."""
    try:
        opener: Any = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", errors="replace",
                                                         newline="") as text:
            reader = csv.reader(text, delimiter=delimiter[:1] or ",")
            for index, row in enumerate(reader):
                if index >= skip:
                    return len(row)
    except (OSError, csv.Error, EOFError):
        return None
    return None


def external_bytes(files: Sequence[Path]) -> int:
    """BigQuery bills a scan of CSV/JSON files by their whole size."""
    return sum(p.stat().st_size for p in files if p.exists())
