"""How ForEachItem cuts a file into batches (Kestra's StorageService.split)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lanner.tasks.flow._split_items import extension_of, parse_size, split_rows

TEXT = b"a\r\nb\nc\rd\n\ne"  # Java's readLine: \r\n, \n and \r end a line; the empty line is a row


def batches(tmp_path: Path, data: bytes = TEXT, separator: str = "\n", **rule: object) -> list[str]:
    paths = split_rows(io.BytesIO(data), tmp_path, ".txt", separator, **rule)  # type: ignore[arg-type]
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
