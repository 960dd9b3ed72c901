"""Cutting a CSV/TEXT stream into blocks of whole records for the parallel COPY (no database)."""

from __future__ import annotations

import itertools

import pytest

from lanner.tasks.jdbc.linestream import Progress, parallel_safe, record_blocks

CSV = (b'id,name,note\n1,a,"x"\n2,b,"multi\nline, with ""quotes"""\n3,c,\n4,"d\n\n",end\n'
       + b"".join(b"%d,n%d,plain\n" % (i, i) for i in range(5, 200)))


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 10_000])
@pytest.mark.parametrize("block_bytes", [1, 16, 100, 1 << 20])
def test_blocks_end_at_records_and_keep_every_byte(chunk: int, block_bytes: int) -> None:
    blocks = list(record_blocks(_chunks(CSV, chunk), block_bytes=block_bytes, skip_header=True, quote=b'"'))
    assert b"".join(b.data for b in blocks) == CSV[CSV.index(b"\n") + 1:]
    for block in blocks:
        assert block.data.endswith(b"\n")
        assert block.data.count(b'"') % 2 == 0, "a block never ends inside quotes"
        assert block.lines == block.data.count(b"\n")
    assert blocks[0].first_line == 2  # the header is line 1
    for before, after in itertools.pairwise(blocks):
        assert after.first_line == before.first_line + before.lines


def test_header_kept_when_not_skipped_and_a_last_line_feed_added() -> None:
    blocks = list(record_blocks([b"a,b\n1,2"], block_bytes=2, skip_header=False, quote=b'"'))
    assert b"".join(b.data for b in blocks) == b"a,b\n1,2\n"
    assert blocks[0].first_line == 1


def test_text_format_does_not_cut_after_an_escaped_line_feed() -> None:
    data = b"1\tone\\\ncontinued\n2\ttwo\n"
    blocks = list(record_blocks(_chunks(data, 1), block_bytes=1, skip_header=False, quote=None))
    assert [b.data for b in blocks] == [b"1\tone\\\ncontinued\n", b"2\ttwo\n"]


def test_a_header_only_file_gives_nothing() -> None:
    assert list(record_blocks([b"a,b\n"], block_bytes=1, skip_header=True, quote=b'"')) == []


def test_which_files_can_be_split() -> None:
    assert parallel_safe("CSV", None, None) and parallel_safe("CSV", "'", "'")
    assert parallel_safe("TEXT", None, None)
    assert not parallel_safe("CSV", None, "\\") and not parallel_safe("BINARY", None, None)


def test_progress_logs_every_interval_and_describes_rows_and_speed() -> None:
    now = [0.0]
    lines: list[str] = []
    progress = Progress(lines.append, header_lines=1, interval=5.0, clock=lambda: now[0])
    progress.add(b"h\n1\n2\n")
    assert lines == []
    now[0] = 5.0
    progress.add(b"x" * 1_000_000 + b"\n")
    assert lines == ["Progress: 3 rows, 1.0 MB in 5.0 s (0.2 MB/s, 1 rows/s)"]
    now[0] = 6.0
    progress.add(b"4\n")
    assert len(lines) == 1 and progress.rows == 4
    assert progress.describe(4).startswith("4 rows, 1.0 MB in 6.0 s")
