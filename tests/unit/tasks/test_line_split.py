"""How the Split task and ForEachItem cut a file (Kestra's StorageService.split)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lanner.tasks.core import line_split
from lanner.tasks.core.line_split import (
    SplitRule,
    compile_pattern,
    extension_of,
    lines,
    parse_size,
    positive,
    split_lines,
)

TEXT = b"a\r\nb\nc\rd\n\ne"  # Java's readLine: \r\n, \n and \r end a line; the empty line is a row


def batches(tmp_path: Path, data: bytes = TEXT, separator: str = "\n", *, pattern: str | None = None,
            **rule: int) -> list[str]:
    created = iter(range(1_000_000))

    def new_path() -> Path:
        return tmp_path / f"batch-{next(created)}.txt"

    compiled = compile_pattern(pattern) if pattern is not None else None
    paths = split_lines(lines(io.BytesIO(data)), new_path, separator, SplitRule(pattern=compiled, **rule))
    return [p.read_text() for p in paths]


def test_rows(tmp_path: Path) -> None:
    assert batches(tmp_path, rows=2) == ["a\nb\n", "c\nd\n", "\ne\n"]


def test_bytes_start_a_new_batch_once_reached(tmp_path: Path) -> None:
    assert batches(tmp_path, data=b"aaaa\nbb\nc\nd\n", max_bytes=5) == ["aaaa\n", "bb\nc\n", "d\n"]


def test_partitions_deal_rows_round_robin_and_drop_empty_ones(tmp_path: Path) -> None:
    assert batches(tmp_path, data=b"1\n2\n3\n4\n5\n", partitions=2) == ["1\n3\n5\n", "2\n4\n"]
    again = tmp_path / "again"
    again.mkdir()
    assert batches(again, data=b"1\n", partitions=3) == ["1\n"]


def test_regex_pattern_groups_rows_by_their_key(tmp_path: Path) -> None:
    data = b"eu,1\nus,2\neu,3\nnone\n"
    assert batches(tmp_path, data=data, pattern=r"^(\w+),") == ["eu,1\neu,3\n", "us,2\n"]


def test_separator_is_written_after_each_row(tmp_path: Path) -> None:
    assert batches(tmp_path, data=b"a\nb\n", separator=";", rows=5) == ["a;b;"]


def test_empty_file_gives_no_batch(tmp_path: Path) -> None:
    assert batches(tmp_path, data=b"", rows=1) == []


def test_sizes_and_extensions() -> None:
    assert parse_size("10KB") == 10240 and parse_size("2mb") == 2 * 1024**2 and parse_size("7") == 7
    with pytest.raises(ValueError, match="Invalid size"):
        parse_size("ten")
    assert extension_of("kestra:///a/b.c/data.ion") == ".ion"
    assert extension_of("kestra:///a/b.c/data") == ".tmp"


def test_thousands_of_files_never_hold_thousands_of_descriptors(tmp_path: Path, monkeypatch) -> None:
    """One file per row (ForEachItem's default) or per key: only a few stay open at once."""
    import os
    import resource

    monkeypatch.setattr(line_split, "MAX_OPEN_FILES", 8)
    (tmp_path / "rows").mkdir()
    (tmp_path / "keys").mkdir()
    data = "".join(f"k{n % 1500},{n}\n" for n in range(3000)).encode()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 64
    resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 64, hard))  # far fewer than 1,500 files
    try:
        by_row = batches(tmp_path / "rows", data, rows=1)
        by_key = batches(tmp_path / "keys", data, pattern=r"^(k\d+),")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert len(by_row) == 3000 and by_row[2999] == "k1499,2999\n"
    assert len(by_key) == 1500 and by_key[0] == "k0,0\nk0,1500\n"


def test_a_pattern_needs_a_capture_group_and_counts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="has no capture group"):
        compile_pattern(r"[0-9]+")
    with pytest.raises(ValueError, match="Invalid regexPattern"):
        compile_pattern("(")
    assert positive("3", "rows") == 3
    for bad in ("x", 0, None):
        with pytest.raises(ValueError, match="Invalid rows"):
            positive(bad, "rows")
    with pytest.raises(ValueError, match=r"e\.g\. 512KB"):
        parse_size("1TB")
