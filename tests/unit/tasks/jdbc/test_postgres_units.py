"""PostgreSQL pieces that need no server: COPY statements, gunzip on the fly, connection keywords."""

from __future__ import annotations

import gzip
import stat
from pathlib import Path
from typing import Any

import pytest

from lanner.plugins.api import TaskFailure
from lanner.tasks.jdbc._pg import connection_failure, target_for
from lanner.tasks.jdbc.pgcopy import copy_statement, decompressed
from lanner.tasks.jdbc.postgresql import CopyIn, CopyOut, Query
from lanner.tasks.jdbc.urls import PgTarget


class _Logger:
    def __getattr__(self, name: str) -> Any:
        return lambda *args: None


class FakeContext:
    """Just enough of a RunContext: values render to themselves."""

    def __init__(self, tmp_path: Path, config: dict[str, Any] | None = None) -> None:
        self.config = config or {}
        self.masked: list[str] = []
        self.logger = _Logger()
        self._workdir = tmp_path

    def render(self, value: Any, extra: Any = None) -> Any:
        return value

    def render_bool(self, value: Any) -> bool:
        return bool(value) and str(value).lower() not in ("false", "0")

    def mask(self, value: str) -> None:
        self.masked.append(value)

    def working_dir(self) -> Path:
        return self._workdir


def _copy_in(**values: Any) -> CopyIn:
    return CopyIn.model_validate({"id": "c", "type": CopyIn.kestra_type, "url": "jdbc:postgresql://h/db",
                                  "from": "kestra:///x", **values})


def test_course_copy_statement(tmp_path):
    task = _copy_in(table="public.yellow_tripdata_staging", format="CSV", header=True,
                    columns=["VendorID", "tpep_pickup_datetime"])
    assert copy_statement(FakeContext(tmp_path), task, None, "FROM STDIN") == (
        "COPY public.yellow_tripdata_staging (VendorID, tpep_pickup_datetime) FROM STDIN "
        "WITH (FORMAT CSV, HEADER TRUE)")


def test_copy_statement_with_every_option(tmp_path):
    task = _copy_in(table="t", format="CSV", header=False, delimiter="\\t", nullString="it's null", quote="'",
                    escape="\\", forceNotNull=["a"], forceNull=["b", "c"], encoding="LATIN1", freeze=True)
    assert copy_statement(FakeContext(tmp_path), task, None, "FROM STDIN") == (
        "COPY t FROM STDIN WITH (FORMAT CSV, FREEZE, DELIMITER '\t', NULL 'it''s null', HEADER FALSE, "
        "QUOTE '''', ESCAPE '\\', FORCE_NOT_NULL (a), FORCE_NULL (b, c), ENCODING 'LATIN1')")


def test_text_format_has_no_options(tmp_path):
    statement = copy_statement(FakeContext(tmp_path), _copy_in(table="t"), None, "FROM STDIN")
    assert statement == "COPY t FROM STDIN"


def test_copy_out_of_a_query(tmp_path):
    task = CopyOut.model_validate({"id": "c", "type": CopyOut.kestra_type, "url": "jdbc:postgresql://h/db",
                                   "format": "CSV", "forceQuote": ["*"]})
    assert copy_statement(FakeContext(tmp_path), task, "SELECT 1", "TO STDOUT") == (
        "COPY (SELECT 1) TO STDOUT WITH (FORMAT CSV, FORCE_QUOTE *)")


@pytest.mark.parametrize("values", [{"table": None}, {"table": "t", "delimiter": ";;"},
                                    {"table": "t", "format": "{{ 'XML' }}"}])
def test_invalid_copy_options(tmp_path, values):
    class Rendering(FakeContext):
        def render(self, value: Any, extra: Any = None) -> Any:
            return "XML" if value == "{{ 'XML' }}" else value

    with pytest.raises(TaskFailure):
        copy_statement(Rendering(tmp_path), _copy_in(**values), None, "FROM STDIN")


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 7, 1 << 20])
def test_gzip_is_decompressed_on_the_fly(size):
    plain = b"".join(b"%d,row\n" % i for i in range(20_000))
    assert b"".join(decompressed(iter(_chunks(gzip.compress(plain), size)))) == plain
    assert b"".join(decompressed(iter(_chunks(plain, size)))) == plain


def test_concatenated_gzip_members_and_padding():
    data = gzip.compress(b"a\n") + gzip.compress(b"b\n") + b"\0\0\0"
    assert b"".join(decompressed(iter([data]))) == b"a\nb\n"


def test_truncated_or_corrupt_gzip_fails():
    data = gzip.compress(b"x" * 10_000)
    with pytest.raises(TaskFailure, match="truncated"):
        b"".join(decompressed(iter([data[: len(data) // 2]])))
    with pytest.raises(TaskFailure, match="not valid gzip"):
        b"".join(decompressed(iter([b"\x1f\x8b\x08garbage-garbage-garbage"])))


def test_empty_source():
    assert b"".join(decompressed(iter([]))) == b""


def _query(**values: Any) -> Query:
    return Query.model_validate({"id": "q", "type": Query.kestra_type, "sql": "SELECT 1", **values})


def test_connection_keywords_from_properties(tmp_path):
    ctx = FakeContext(tmp_path, {"hosts": {"pgdatabase": "127.0.0.1:6543"}})
    task = _query(url="jdbc:postgresql://pgdatabase:5432/ny_taxi?user=ignored", username="root",
                  password="pw", sslMode="VERIFY_CA", sslRootCert="-----BEGIN CERTIFICATE-----",
                  sslKey="KEY", sslKeyPassword="kp")
    target = target_for(ctx, task)  # type: ignore[arg-type]
    params = target.params
    assert (params["host"], params["port"], params["dbname"]) == ("127.0.0.1", "6543", "ny_taxi")
    assert (params["user"], params["password"], params["sslmode"]) == ("root", "pw", "verify-ca")
    assert Path(params["sslrootcert"]).read_text() == "-----BEGIN CERTIFICATE-----\n"
    assert stat.S_IMODE(Path(params["sslkey"]).stat().st_mode) == 0o600
    assert params["sslpassword"] == "kp" and params["connect_timeout"] == 10
    assert ctx.masked == ["pw", "kp"]


def test_ssl_true_means_require(tmp_path):
    target = target_for(FakeContext(tmp_path), _query(url="jdbc:postgresql://h/db", ssl=True))  # type: ignore[arg-type]
    assert target.params["sslmode"] == "require"


def test_connection_failures_never_show_the_password():
    target = PgTarget(params={"host": "h", "dbname": "db", "user": "u", "password": "hunter2"},
                      addresses=[("h", 5432)])
    message = connection_failure(target, Exception("bad conninfo password=hunter2"))
    assert "hunter2" not in message and "******" in message
    assert message.startswith("Cannot connect to PostgreSQL at h:5432/db as u:")
    assert "hosts" in connection_failure(target, Exception("failed to resolve host 'h'"))
