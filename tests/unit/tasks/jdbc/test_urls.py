"""JDBC URLs to libpq keywords, and the ``hosts`` mapping of course host names."""

from __future__ import annotations

import pytest

from lanner.plugins.api import TaskFailure
from lanner.tasks.jdbc.urls import (
    duckdb_path,
    hosts_config,
    map_host,
    parse_postgres_url,
    sqlite_path,
    ssl_mode,
)


def test_course_url_goes_to_this_machine_by_default():
    target = parse_postgres_url("jdbc:postgresql://pgdatabase:5432/ny_taxi")
    assert target.params == {"host": "127.0.0.1", "port": "5432", "dbname": "ny_taxi"}
    assert target.where == "127.0.0.1:5432/ny_taxi"


def test_hosts_section_maps_host_and_optionally_port():
    hosts = hosts_config({"hosts": {"pgdatabase": "127.0.0.1:54329", "warehouse": "db.internal"}})
    assert parse_postgres_url("jdbc:postgresql://pgdatabase:5432/ny_taxi", hosts).params["port"] == "54329"
    target = parse_postgres_url("jdbc:postgresql://warehouse:6000/dw", hosts)
    assert (target.params["host"], target.params["port"]) == ("db.internal", "6000")


def test_host_port_keys_are_more_specific_than_host_keys():
    hosts = {"pgdatabase": "10.0.0.1", "pgdatabase:5433": "10.0.0.2:7000"}
    assert map_host("pgdatabase", 5433, hosts) == ("10.0.0.2", 7000)
    assert map_host("PGDATABASE", 5432, hosts) == ("10.0.0.1", 5432)
    assert map_host("other", 5432, hosts) == ("other", 5432)


def test_an_explicit_hosts_section_keeps_the_builtin_course_name():
    assert map_host("pgdatabase", 5432, hosts_config({"hosts": {"x": "y"}})) == ("127.0.0.1", 5432)
    assert hosts_config({}) is None
    with pytest.raises(TaskFailure, match="must be a map"):
        hosts_config({"hosts": ["pgdatabase"]})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("jdbc:postgresql://localhost/db", {"host": "localhost", "port": "5432", "dbname": "db"}),
        ("jdbc:postgresql://h1:5432,h2:5433/db?targetServerType=primary",
         {"host": "h1,h2", "port": "5432,5433", "dbname": "db", "target_session_attrs": "read-write"}),
        ("jdbc:postgresql://[::1]:6543/db", {"host": "::1", "port": "6543", "dbname": "db"}),
        ("jdbc:postgresql:ny_taxi", {"host": "localhost", "port": "5432", "dbname": "ny_taxi"}),
        ("jdbc:postgresql://h/db?user=u&password=p%40ss&ssl=true&ApplicationName=lanner&currentSchema=stage",
         {"host": "h", "port": "5432", "dbname": "db", "user": "u", "password": "p@ss", "sslmode": "require",
          "application_name": "lanner", "options": "-c search_path=stage"}),
        ("jdbc:postgresql://h/db?sslmode=verify-full&ssl=true",
         {"host": "h", "port": "5432", "dbname": "db", "sslmode": "verify-full"}),
        ("postgresql://bob:s%3Acret@h:6000/my%20db",
         {"host": "h", "port": "6000", "dbname": "my db", "user": "bob", "password": "s:cret"}),
    ],
)
def test_jdbc_urls_become_libpq_keywords(url, expected):
    assert parse_postgres_url(url, {}).params == expected


def test_unknown_url_parameters_are_listed_not_passed():
    target = parse_postgres_url("jdbc:postgresql://h/db?prepareThreshold=0&reWriteBatchedInserts=true", {})
    assert target.ignored == ["prepareThreshold", "reWriteBatchedInserts"]
    assert "prepareThreshold" not in target.params


@pytest.mark.parametrize("url", ["", "   ", "jdbc:mysql://h/db", "http://h/db"])
def test_invalid_urls_are_refused(url):
    with pytest.raises(TaskFailure):
        parse_postgres_url(url)


def test_blank_url_message_is_kestras():
    with pytest.raises(TaskFailure, match=r"Rendered value of `url` is blank\."):
        parse_postgres_url("")


def test_ssl_mode_names():
    assert ssl_mode("VERIFY_FULL") == "verify-full"
    assert ssl_mode("require") == "require"


@pytest.mark.parametrize(
    ("url", "expected"),
    [("jdbc:duckdb:", None), ("jdbc:duckdb", None), ("jdbc:duckdb::memory:", None),
     ("jdbc:duckdb:/data/x.db", "/data/x.db"), ("jdbc:duckdb:x.db", "x.db"), (None, None)],
)
def test_duckdb_paths(url, expected):
    assert duckdb_path(url) == expected


def test_sqlite_paths():
    assert sqlite_path("jdbc:sqlite:") is None
    assert sqlite_path("jdbc:sqlite::memory:") is None
    assert sqlite_path("jdbc:sqlite:/tmp/a.db") == "/tmp/a.db"
    assert sqlite_path("jdbc:sqlite:data.db?journal_mode=WAL") == "data.db"
    with pytest.raises(TaskFailure, match="jdbc:sqlite:"):
        sqlite_path("jdbc:postgresql://h/db")
