"""Reading generated trip files back, for the devservices tests."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path


def read_text(path: Path) -> str:
    data = path.read_bytes()
    return gzip.decompress(data).decode() if path.suffix == ".gz" else data.decode()


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a generated CSV (plain or gzip)."""
    reader = csv.reader(io.StringIO(read_text(path)))
    header = next(reader)
    return header, list(reader)


def column(header: list[str], rows: list[list[str]], name: str) -> list[str]:
    index = header.index(name)
    return [row[index] for row in rows]
