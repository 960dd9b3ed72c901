"""YAML -> data with positions: Kestra-like scalars, and every unreadable input as an Issue."""

from __future__ import annotations

import pytest

from lanner.model.loader import MAX_FLOW_BYTES, format_path, load_yaml, resolve_plain_scalar


def test_scalars_follow_yaml_12_not_yaml_11():
    doc = load_yaml(
        "a: yes\nb: on\nc: 2019-01-01\nd: '2019'\ne: 2019\nf: PT15S\ng: 1.5\nh: ~\ni: true\nj: False\n"
        "k: 0x1F\nl: 0o17\nm: 010\nn: 1_000\no: .inf\np: 12:30\nq:\n"
    )
    assert doc.issues == []
    assert doc.data == {
        "a": "yes", "b": "on", "c": "2019-01-01", "d": "2019", "e": 2019, "f": "PT15S", "g": 1.5,
        "h": None, "i": True, "j": False, "k": 31, "l": 15, "m": 10, "n": "1_000", "o": float("inf"),
        "p": "12:30", "q": None,
    }


def test_keys_are_text_even_when_they_look_like_numbers_or_booleans():
    doc = load_yaml("cases:\n  1: [a]\n  true: [b]\n  on: [c]\n")
    assert doc.data == {"cases": {"1": ["a"], "true": ["b"], "on": ["c"]}}


def test_explicit_tags_are_honoured():
    doc = load_yaml("a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: !!bool nope\n")
    assert doc.data["a"] == "12" and doc.data["b"] == 7 and doc.data["c"] == 1.0
    assert [i.message for i in doc.issues] == ["`nope` is not a valid !!bool"]


def test_positions_of_keys_items_and_values():
    doc = load_yaml("id: x\ntasks:\n  - id: a\n    type: t\n    then:\n      - id: b\n")
    assert doc.positions[("tasks",)] == (2, 1)
    assert doc.positions[("tasks", 0)] == (3, 5)
    assert doc.positions[("tasks", 0, "type")] == (4, 5)
    assert doc.value_positions[("tasks", 0, "type")] == (4, 11)
    assert doc.positions[("tasks", 0, "then", 0, "id")] == (6, 9)
    assert doc.locate(("tasks", 0, "missing", "deeper")) == (3, 5)


def test_format_path():
    assert format_path(("tasks", 1, "then", 0, "sql")) == "tasks[1].then[0].sql"
    assert format_path(("inputFiles", "data.json")) == 'inputFiles["data.json"]'
    assert format_path(()) == ""


def test_duplicate_keys_are_reported_with_both_lines():
    doc = load_yaml("id: a\nid: b\n")
    [issue] = doc.issues
    assert (issue.line, issue.column, issue.path, issue.message) == (2, 1, "id", "Duplicate field 'id'")
    assert "line 1" in (issue.hint or "")
    assert doc.data == {"id": "a"}


@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        ("a: b: c\n", 1, 5, "mapping values are not allowed"),
        ("a:\n  - x\n - y\n", 3, 2, "invalid YAML"),
        ("a: 'open\n", 2, 1, "unexpected end of stream"),
        ("a:\n\tb: 1\n", 2, 1, "cannot start any token"),
        ("a: [1, 2\n", 2, 1, "did not find expected ','"),
    ],
)
def test_malformed_yaml_gives_position_problem_and_hint(text, line, column, problem):
    doc = load_yaml(text, "f.yaml")
    assert doc.data is None
    [issue] = doc.issues
    assert (issue.line, issue.column, issue.file) == (line, column, "f.yaml")
    assert problem in issue.message and issue.hint


def test_binary_and_non_utf8_content_is_refused():
    doc = load_yaml(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "logo.png")
    assert doc.data is None and doc.issues[0].message == "the file is binary, not a YAML flow"
    doc = load_yaml(b"id: caf\xe9\n")
    assert doc.issues[0].message == "the file is binary, not a YAML flow"
    assert "0xe9" in (doc.issues[0].hint or "") and doc.issues[0].line == 1


def test_utf8_bom_and_emojis_are_fine():
    doc = load_yaml("\ufeffmessage: ✅ done 🤔\n".encode())
    assert doc.data == {"message": "✅ done 🤔"}


def test_oversized_file_is_refused_with_sizes():
    big = b"a: " + b"x" * (10 * 1024 * 1024) + b"\n"
    doc = load_yaml(big)
    [issue] = doc.issues
    assert "10 MiB" in issue.message and "2 MiB" in issue.message
    assert len(big) > MAX_FLOW_BYTES


def test_multiple_documents_are_refused():
    doc = load_yaml("id: a\n---\nid: b\n")
    assert doc.data is None and "2 YAML documents" in doc.issues[0].message
    assert doc.issues[0].line == 3


def test_top_level_must_be_a_mapping_and_empty_files_are_explained():
    assert "found a list" in load_yaml("- a\n- b\n").issues[0].message
    assert "found the value `hello`" in load_yaml("hello\n").issues[0].message
    assert "empty" in load_yaml("# only a comment\n").issues[0].message
    assert load_yaml("- a\n", expect_mapping=False).data == ["a"]


def test_anchors_aliases_and_merge_keys():
    doc = load_yaml("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nlist: [*b]\n")
    assert doc.data["other"] == {"y": 3, "x": 1}
    assert doc.data["list"] == [{"x": 1, "y": 2}]


def test_alias_bombs_are_stopped():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)]
    doc = load_yaml("\n".join(lines) + "\n")
    assert doc.data is None and "expands" in doc.issues[0].message


def test_deep_nesting_is_an_issue_not_a_crash():
    doc = load_yaml("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert doc.data is None and doc.issues


def test_resolve_plain_scalar_edge_cases():
    assert resolve_plain_scalar("-12") == -12
    assert resolve_plain_scalar("+1.5e3") == 1500.0
    assert resolve_plain_scalar("NULL") is None
    assert resolve_plain_scalar("Yes") == "Yes"
    assert resolve_plain_scalar(".NaN") != resolve_plain_scalar(".NaN")  # NaN


def test_empty_documents_around_a_flow_are_ignored():
    assert load_yaml("id: x\n---\n").data == {"id": "x"}
    assert load_yaml("---\n---\nid: x\n").data == {"id": "x"}
    assert "empty" in load_yaml("---\n").issues[0].message
