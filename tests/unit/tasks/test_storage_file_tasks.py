"""Write, Concat, Size, Delete, Split, DeduplicateItems and FilterItems on the real worker."""

from __future__ import annotations

import pytest

from lanner.model.state import State
from lanner.tasks.core.line_split import parse_size
from lanner.tasks.core.storage_files import Concat, Delete, Size, Write
from lanner.tasks.core.storage_items import DeduplicateItems, FilterItems
from lanner.tasks.core.storage_split import Split

EXEC = "kestra:///company/team/my-flow/executions/exec0000000000000000001"


def stored(harness, name: str, data: bytes) -> str:
    return harness.files.put_bytes(f"{EXEC}/tasks/extract/r1/{name}", data)


def read(harness, uri: str) -> bytes:
    with harness.files.open(uri) as handle:
        return handle.read()


def ok(result):
    assert result.state is State.SUCCESS, result.error
    return result.outputs


# --- Write / Concat / Size / Delete --------------------------------------------------------------


def test_write_stores_the_rendered_content_with_the_extension(harness):
    task = harness.task(Write, {"content": "Hello {{ inputs.name }} é", "extension": ".txt"})
    outputs = ok(harness.run(task, {"inputs": {"name": "Ann"}}))
    assert set(outputs) == {"uri"}
    assert outputs["uri"].endswith(".txt") and "/tasks/my-task/" in outputs["uri"]
    assert read(harness, outputs["uri"]) == "Hello Ann é".encode()


def test_write_without_extension_makes_a_tmp_file(harness):
    assert ok(harness.run(harness.task(Write, {"content": "x"})))["uri"].endswith(".tmp")


def test_concat_joins_files_in_order_with_the_separator_after_each(harness):
    first, second = stored(harness, "a.txt", b"A"), stored(harness, "b.txt", b"B")
    task = harness.task(Concat, {"files": ["{{ inputs.first }}", second], "separator": "\n",
                                 "extension": ".csv"})
    outputs = ok(harness.run(task, {"inputs": {"first": first}}))
    assert outputs["uri"].endswith(".csv")
    assert read(harness, outputs["uri"]) == b"A\nB\n"


def test_concat_accepts_an_expression_or_json_list_and_defaults_to_tmp(harness):
    uris = [stored(harness, "a.txt", b"1"), stored(harness, "b.txt", b"2")]
    task = harness.task(Concat, {"files": "{{ inputs.uris }}"})
    by_expr = ok(harness.run(task, {"inputs": {"uris": uris}}))
    assert by_expr["uri"].endswith(".tmp") and read(harness, by_expr["uri"]) == b"12"
    by_json = ok(harness.run(harness.task(Concat, {"files": f'["{uris[1]}"]'})))
    assert read(harness, by_json["uri"]) == b"2"


def test_concat_rejects_a_string_that_is_not_a_list(harness):
    result = harness.run(harness.task(Concat, {"files": "not a list"}))
    assert result.state is State.FAILED and "Invalid files" in result.error


def test_size_gives_the_size_in_bytes(harness):
    uri = stored(harness, "a.txt", b"12345")
    assert ok(harness.run(harness.task(Size, {"uri": uri}))) == {"size": 5}


def test_delete_removes_the_file_and_reports_missing_ones(harness):
    uri = stored(harness, "a.txt", b"x")
    assert ok(harness.run(harness.task(Delete, {"uri": uri}))) == {"uri": uri, "deleted": True}
    assert not harness.files.exists(uri)
    assert ok(harness.run(harness.task(Delete, {"uri": uri}))) == {"uri": uri, "deleted": False}
    failed = harness.run(harness.task(Delete, {"uri": uri, "errorOnMissing": True}))
    assert failed.state is State.FAILED and f"Unable to find file '{uri}'" in failed.error


def test_delete_cannot_reach_another_namespace(harness):
    foreign = harness.files.put_bytes("kestra:///other/ns/flow/executions/e/tasks/t/r/secret.txt", b"x")
    assert harness.run(harness.task(Delete, {"uri": foreign})).state is State.FAILED
    assert harness.files.exists(foreign)


# --- Split ---------------------------------------------------------------------------------------

LINES = b"l1\r\nl2\nl3\nl4\nl5\n"


def parts(harness, outputs) -> list[bytes]:
    return [read(harness, uri) for uri in outputs["uris"]]


def test_split_by_rows_keeps_order_and_extension(harness):
    outputs = ok(harness.run(harness.task(Split, {"from": stored(harness, "in.csv", LINES), "rows": 2})))
    assert parts(harness, outputs) == [b"l1\nl2\n", b"l3\nl4\n", b"l5\n"]
    assert all(uri.endswith(".csv") for uri in outputs["uris"])


def test_split_by_partitions_deals_round_robin_and_drops_empty_files(harness):
    uri = stored(harness, "in.txt", LINES)
    outputs = ok(harness.run(harness.task(Split, {"from": uri, "partitions": 2, "separator": ";"})))
    assert parts(harness, outputs) == [b"l1;l3;l5;", b"l2;l4;"]
    two = stored(harness, "two.txt", b"a\nb\n")
    few = ok(harness.run(harness.task(Split, {"from": two, "partitions": 4})))
    assert parts(harness, few) == [b"a\n", b"b\n"]


def test_split_by_bytes_starts_a_new_file_once_the_limit_is_reached(harness):
    outputs = ok(harness.run(harness.task(Split, {"from": stored(harness, "in", LINES), "bytes": "5"})))
    assert parts(harness, outputs) == [b"l1\nl2\n", b"l3\nl4\n", b"l5\n"]
    assert all(uri.endswith(".tmp") for uri in outputs["uris"])


def test_split_by_regex_groups_lines_by_the_captured_value(harness):
    data = b"[INFO] a\n[ERROR] b\nno tag\n[INFO] c\n"
    task = harness.task(Split, {"from": stored(harness, "app.log", data), "regexPattern": r"\[(\w+)\]"})
    assert parts(harness, ok(harness.run(task))) == [b"[INFO] a\n[INFO] c\n", b"[ERROR] b\n"]


def test_split_without_a_way_to_split_fails(harness):
    result = harness.run(harness.task(Split, {"from": stored(harness, "in.txt", LINES)}))
    assert result.state is State.FAILED
    assert "Invalid configuration with no size, count, rows, nor regexPattern" in result.error


@pytest.mark.parametrize(("text", "expected"),
                         [("10", 10), ("2KB", 2048), ("1mb", 1024**2), ("3GB", 3 * 1024**3)])
def test_parse_size_reads_readable_sizes(text, expected):
    assert parse_size(text) == expected


# --- DeduplicateItems / FilterItems --------------------------------------------------------------

ROWS = (
    b'{id:1,email:"a@x.io",product_id:20}\n'
    b'{"id":2,"email":"b@x.io","product_id":14}\n'
    b'{id:3,email:"a@x.io",product_id:20}\n'
    b'{id:4,email:"c@x.io"}\n'
)


def test_deduplicate_keeps_the_last_item_of_each_key_in_order(harness):
    task = harness.task(DeduplicateItems, {"from": stored(harness, "rows.ion", ROWS), "expr": "{{ email }}"})
    outputs = ok(harness.run(task))
    assert read(harness, outputs["uri"]).splitlines() == [
        b'{"id":2,"email":"b@x.io","product_id":14}', b'{id:3,email:"a@x.io",product_id:20}',
        b'{id:4,email:"c@x.io"}',
    ]
    assert outputs["uri"].endswith(".ion")
    assert (outputs["numKeys"], outputs["processedItemsTotal"], outputs["droppedItemsTotal"]) == (3, 4, 1)


def test_filter_includes_or_excludes_matching_items(harness):
    uri = stored(harness, "rows.ion", ROWS)
    condition = "{{ (product_id ?? 0) == 20 }}"
    kept = ok(harness.run(harness.task(FilterItems, {"from": uri, "filterCondition": condition})))
    assert [line[:5] for line in read(harness, kept["uri"]).splitlines()] == [b"{id:1", b"{id:3"]
    assert (kept["processedItemsTotal"], kept["droppedItemsTotal"]) == (4, 2)
    task = harness.task(FilterItems, {"from": uri, "filterCondition": condition, "filterType": "EXCLUDE"})
    dropped = ok(harness.run(task))
    assert [line[:5] for line in read(harness, dropped["uri"]).splitlines()] == [b"{\"id\"", b"{id:4"]


def test_filter_error_behaviour_fails_or_decides_the_item(harness):
    uri = stored(harness, "rows.ion", ROWS)
    task = harness.task(FilterItems, {"from": uri, "filterCondition": "{{ product_id == 20 }}"})
    failed = harness.run(task)
    assert failed.state is State.FAILED and "line 4" in failed.error
    task = harness.task(FilterItems, {"from": uri, "filterCondition": "{{ product_id == 20 }}",
                                      "errorOrNullBehavior": "INCLUDE"})
    outputs = ok(harness.run(task))
    assert [line[:5] for line in read(harness, outputs["uri"]).splitlines()] == [b"{id:1", b"{id:3", b"{id:4"]


def test_items_tasks_reject_lines_that_are_not_maps(harness):
    uri = stored(harness, "bad.ion", b"{id:1}\n[1,2]\n")
    result = harness.run(harness.task(DeduplicateItems, {"from": uri, "expr": "{{ id }}"}))
    assert result.state is State.FAILED and "Line 2 is not an Ion or JSON map" in result.error
