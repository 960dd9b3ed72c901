import argparse
import json
from pathlib import Path

import pytest

from lanner.cli import data as data_cli
from lanner.devservices.dataserver import DataServer


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="lanner data")
    data_cli.configure(parser)
    return data_cli.execute(parser.parse_args(argv))


def test_generate_writes_the_release_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["generate", "--taxi", "yellow", "green", "--month", "2019-01", "2019-02", "--rows", "100",
                "--out", str(tmp_path), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report) == 4 and {r["rows"] for r in report} == {100}
    assert (tmp_path / "green" / "green_tripdata_2019-02.csv.gz").is_file()


def test_generate_defaults_to_lanner_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LANNER_HOME", str(tmp_path))
    monkeypatch.delenv("LANNER_CONFIG", raising=False)
    monkeypatch.delenv("LANNER_CONFIGURATION", raising=False)
    assert run(["generate", "--rows", "10", "--no-gzip"]) == 0
    made = tmp_path / "data" / "nyc-tlc-data" / "yellow" / "yellow_tripdata_2019-01.csv"
    assert made.is_file()
    assert "lanner data serve" in capsys.readouterr().out


def test_a_bad_month_is_a_lanner_error(tmp_path: Path) -> None:
    from lanner.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="YYYY-MM"):
        run(["generate", "--month", "January", "--out", str(tmp_path)])


def test_serve_prints_the_prefix_and_stops_on_ctrl_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[str] = []

    def interrupt(self: DataServer) -> None:
        seen.append(self.url)
        raise KeyboardInterrupt

    monkeypatch.setattr(DataServer, "serve_forever", interrupt)
    assert run(["serve", str(tmp_path), "--port", "0", "--generate-missing", "--rows", "50"]) == 0
    out = capsys.readouterr().out
    assert seen and f"at {seen[0]}" in out
    assert "https://github.com/DataTalksClub/nyc-tlc-data/releases/download/" in out
    assert "50 rows" in out and "stopped" in out
