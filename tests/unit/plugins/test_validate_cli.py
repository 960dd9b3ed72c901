"""``lanner validate``: text and JSON reports, exit codes, directories, non-flow YAML skipped."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lanner.cli import validate

SEEDS = Path(__file__).resolve().parents[3] / "../shared/seed-flows"
GOOD = "id: good\nnamespace: n\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
BAD = "id: bad\nnamespace: n\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    mesage: hi\n"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    validate.configure(parser)
    return validate.execute(parser.parse_args(list(argv)))


def test_seed_directory_is_eleven_valid_flows(capsys):
    assert run(str(SEEDS)) == 0
    out = capsys.readouterr().out
    assert out.count(": OK") == 11
    assert "docker-compose.course.yml: skipped: not a flow" in out
    assert out.strip().splitlines()[-1] == "11 flows, 0 errors, 1 skipped"


def test_text_report_of_an_invalid_flow(tmp_path, capsys):
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yml").write_text(BAD)
    (tmp_path / "notes.txt").write_text("ignored")
    assert run(str(tmp_path)) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == (f"{tmp_path / 'bad.yml'}:6:5: error: tasks[0].mesage: Unrecognized field \"mesage\" "
                        "(hint: did you mean `message`?)")
    assert lines[1] == f"{tmp_path / 'good.yaml'}: OK"
    assert lines[-1] == "2 flows, 1 error (1 invalid)"


def test_json_report(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    assert run("--json", str(bad), str(good)) == 1
    reports = json.loads(capsys.readouterr().out)
    assert [r["valid"] for r in reports] == [False, True]
    assert reports[0]["errors"] == [{
        "path": "tasks[0].mesage", "line": 6, "column": 5, "message": 'Unrecognized field "mesage"',
        "hint": "did you mean `message`?"}]
    assert reports[1]["warnings"] == [] and reports[1]["flow"] == {"namespace": "n", "id": "good"}


def test_explicit_files_are_never_skipped_and_missing_files_fail(tmp_path, capsys):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: postgres\n")
    assert run(str(compose), str(tmp_path / "missing.yaml")) == 1
    out = capsys.readouterr().out
    assert 'Unrecognized field "services"' in out and "no such file or directory" in out


def test_binary_file_in_a_directory_is_reported(tmp_path, capsys):
    (tmp_path / "image.yaml").write_bytes(b"\x89PNG\x00\x00")
    assert run(str(tmp_path)) == 1
    assert "the file is binary, not a YAML flow" in capsys.readouterr().out
