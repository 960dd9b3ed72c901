from pathlib import Path
from typing import Any

import pytest

from lanner.devservices.hosts import (
    effective_hosts,
    resolve_address,
    resolve_host,
    rewrite_jdbc_url,
    rewrite_url,
)
from lanner.settings import Settings

COURSE_URL = "jdbc:postgresql://pgdatabase:5432/ny_taxi"


def settings(tmp_path: Path, **raw: Any) -> Settings:
    return Settings(home=tmp_path, raw=raw)


def test_pgdatabase_is_this_machine_by_default(tmp_path: Path) -> None:
    assert resolve_host("pgdatabase") == "127.0.0.1"
    assert resolve_host("PgDatabase", settings(tmp_path)) == "127.0.0.1"
    assert resolve_host("db.example.com", settings(tmp_path)) == "db.example.com"
    assert rewrite_jdbc_url(COURSE_URL, settings(tmp_path)) == "jdbc:postgresql://127.0.0.1:5432/ny_taxi"


def test_the_configuration_maps_hosts(tmp_path: Path) -> None:
    config = settings(tmp_path, hosts={"pgdatabase": "10.0.0.5", "kestra_postgres": "localhost"})
    assert resolve_host("pgdatabase", config) == "10.0.0.5"
    assert resolve_host("kestra_postgres", config) == "localhost"
    assert rewrite_jdbc_url("jdbc:postgresql://kestra_postgres:5432/kestra", config) == \
        "jdbc:postgresql://localhost:5432/kestra"


def test_the_managed_port_is_followed_when_it_differs(tmp_path: Path) -> None:
    config = settings(tmp_path)
    assert rewrite_jdbc_url(COURSE_URL, config, managed_port=5433) == "jdbc:postgresql://127.0.0.1:5433/ny_taxi"
    assert rewrite_jdbc_url("jdbc:postgresql://pgdatabase/ny_taxi", config, managed_port=5433) == \
        "jdbc:postgresql://127.0.0.1:5433/ny_taxi"
    # another port was asked for on purpose: keep it
    assert rewrite_jdbc_url("jdbc:postgresql://pgdatabase:6000/x", config, managed_port=5433) == \
        "jdbc:postgresql://127.0.0.1:6000/x"


def test_the_configured_managed_port_is_used_when_not_running(tmp_path: Path) -> None:
    config = settings(tmp_path, services={"postgres": {"port": 55432}})
    assert rewrite_jdbc_url(COURSE_URL, config) == "jdbc:postgresql://127.0.0.1:55432/ny_taxi"


def test_the_running_managed_port_wins(tmp_path: Path) -> None:
    import os

    pgdata = tmp_path / "services" / "postgres" / "pgdata"
    pgdata.mkdir(parents=True)
    # postmaster.pid as PostgreSQL writes it; our own pid stands in for a live server
    (pgdata / "postmaster.pid").write_text(
        f"{os.getpid()}\n{pgdata}\n1700000000\n54999\n{pgdata}\n127.0.0.1\n  1 2\nready   \n")
    config = settings(tmp_path, services={"postgres": {"port": 55432}})
    assert rewrite_jdbc_url(COURSE_URL, config) == "jdbc:postgresql://127.0.0.1:54999/ny_taxi"


def test_explicit_ports_in_the_configuration_win(tmp_path: Path) -> None:
    config = settings(tmp_path, hosts={"pgdatabase": "db:6543", "warehouse:5432": "127.0.0.1:15432"})
    assert rewrite_jdbc_url(COURSE_URL, config, managed_port=5433) == "jdbc:postgresql://db:6543/ny_taxi"
    assert resolve_address("warehouse", 5432, config) == ("127.0.0.1", 15432)
    assert resolve_address("warehouse", 5433, config) == ("warehouse", 5433)


@pytest.mark.parametrize(("url", "expected"), [
    ("jdbc:postgresql://pgdatabase:5432/ny_taxi?user=root&ssl=false",
     "jdbc:postgresql://127.0.0.1:5432/ny_taxi?user=root&ssl=false"),
    ("postgresql://root:root@pgdatabase:5432/ny_taxi", "postgresql://root:root@127.0.0.1:5432/ny_taxi"),
    ("jdbc:postgresql://localhost:5432/ny_taxi", "jdbc:postgresql://localhost:5432/ny_taxi"),
    ("not a url", "not a url"),
    ("jdbc:h2:mem:test", "jdbc:h2:mem:test"),
])
def test_rewrite_keeps_everything_but_the_address(tmp_path: Path, url: str, expected: str) -> None:
    assert rewrite_url(url, settings(tmp_path)) == expected


def test_only_postgres_urls_follow_the_managed_port(tmp_path: Path) -> None:
    assert rewrite_url("http://pgdatabase:5432/x", settings(tmp_path), managed_port=5433) == \
        "http://127.0.0.1:5432/x"


def test_effective_hosts_is_one_plain_table(tmp_path: Path) -> None:
    assert effective_hosts(settings(tmp_path)) == {"pgdatabase": "127.0.0.1"}
    assert effective_hosts(settings(tmp_path, hosts={"kestra_postgres": "localhost"}), managed_port=5433) == {
        "pgdatabase": "127.0.0.1", "kestra_postgres": "localhost", "pgdatabase:5432": "127.0.0.1:5433"}
    pinned = settings(tmp_path, hosts={"pgdatabase": "db:6543"})
    assert effective_hosts(pinned, managed_port=5433) == {"pgdatabase": "db:6543",
                                                          "pgdatabase:5432": "db:6543"}
