"""``lanner services up|status|down`` against a real PostgreSQL in a temporary LANNER_HOME."""

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lanner.cli import services as services_cli
from lanner.devservices.hosts import rewrite_jdbc_url
from lanner.devservices.postgres import free_port
from lanner.settings import load_settings


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="lanner services")
    services_cli.configure(parser)
    return services_cli.execute(parser.parse_args(argv))


@pytest.fixture
def home(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("LANNER_HOME", str(scratch))
    monkeypatch.delenv("LANNER_CONFIG", raising=False)
    monkeypatch.delenv("LANNER_CONFIGURATION", raising=False)
    yield scratch
    run(["down"])


def test_up_status_down(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert run(["status"]) == 1
    assert "not running" in capsys.readouterr().out

    assert run(["up", "postgres", "--port", str(port)]) == 0
    out = capsys.readouterr().out
    assert f"postgresql://root:root@127.0.0.1:{port}/ny_taxi" in out
    assert f"jdbc:postgresql://127.0.0.1:{port}/ny_taxi" in out
    assert "pgdatabase:5432" in out and (home / "services" / "postgres" / "pgdata").is_dir()
    # flows saying pgdatabase:5432 now reach the managed server on its port
    assert rewrite_jdbc_url("jdbc:postgresql://pgdatabase:5432/ny_taxi", load_settings()) == \
        f"jdbc:postgresql://127.0.0.1:{port}/ny_taxi"

    assert run(["up", "--port", str(port), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["running"] and again["startedNow"] is False and again["port"] == port

    assert run(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["port"] == port

    assert run(["down"]) == 0
    assert "stopped" in capsys.readouterr().out
    assert run(["down"]) == 0
    assert "was not running" in capsys.readouterr().out


def test_the_port_comes_from_the_configuration(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    (home / "config.yml").write_text(f"services:\n  postgres:\n    port: {port}\n")
    assert run(["up", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["port"] == port
