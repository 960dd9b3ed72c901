import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from tests.unit.devservices.csvfiles import column, read_rows, read_text

from lanner.devservices.taxidata import (
    GeneratedFile,
    file_name,
    generate,
    generate_release,
    header,
    parse_month,
    release_path,
)
from lanner.errors import ConfigurationError

# The CopyIn column lists of the course flows (04/05 postgres_taxi): the real 2019/2020 headers.
YELLOW = ("VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,RatecodeID,"
          "store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,mta_tax,tip_amount,"
          "tolls_amount,improvement_surcharge,total_amount,congestion_surcharge")
GREEN = ("VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,store_and_fwd_flag,RatecodeID,PULocationID,"
         "DOLocationID,passenger_count,trip_distance,fare_amount,extra,mta_tax,tip_amount,tolls_amount,"
         "ehail_fee,improvement_surcharge,total_amount,payment_type,trip_type,congestion_surcharge")
AMOUNTS = ("trip_distance", "fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount",
           "improvement_surcharge", "total_amount")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DECIMAL = re.compile(r"^-?\d+\.\d{2}$")


@pytest.fixture(scope="module")
def yellow_2019_01(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFile:
    return generate("yellow", 2019, 1, 20_000, out=tmp_path_factory.mktemp("yellow"), seed=7)


@pytest.fixture(scope="module")
def green_2019_01(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFile:
    return generate("green", 2019, 1, 20_000, out=tmp_path_factory.mktemp("green"), seed=7, gzip=False)


@pytest.mark.parametrize(("taxi", "expected"), [("yellow", YELLOW), ("green", GREEN)])
def test_headers_are_exactly_the_real_ones(tmp_path: Path, taxi: str, expected: str) -> None:
    made = generate(taxi, 2020, 3, 10, out=tmp_path)
    assert header(taxi) == expected
    assert read_text(made.path).splitlines()[0] == expected
    assert made.path.name == f"{taxi}_tripdata_2020-03.csv.gz"


def test_row_count_and_every_row_has_every_column(yellow_2019_01: GeneratedFile) -> None:
    head, rows = read_rows(yellow_2019_01.path)
    assert yellow_2019_01.rows == len(rows) == 20_000
    assert {len(row) for row in rows} == {len(head)}
    assert yellow_2019_01.bytes == yellow_2019_01.path.stat().st_size


@pytest.mark.parametrize("rows", [0, 1, 3])
def test_tiny_files(tmp_path: Path, rows: int) -> None:
    made = generate("green", 2019, 7, rows, out=tmp_path, gzip=False)
    lines = made.path.read_text().splitlines()
    assert lines[0] == GREEN
    assert len(lines) == rows + 1
    assert made.duplicate_rows == 0


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = generate("yellow", 2019, 2, 5_000, out=tmp_path / "a", seed=1)
    again = generate("yellow", 2019, 2, 5_000, out=tmp_path / "b", seed=1)
    other = generate("yellow", 2019, 2, 5_000, out=tmp_path / "c", seed=2)
    assert first.path.read_bytes() == again.path.read_bytes()
    assert read_text(first.path) != read_text(other.path)


def test_gzip_round_trip_matches_plain_output(tmp_path: Path) -> None:
    packed = generate("green", 2020, 1, 3_000, out=tmp_path, seed=3, gzip=True)
    plain = generate("green", 2020, 1, 3_000, out=tmp_path, seed=3, gzip=False)
    assert packed.path.suffix == ".gz" and plain.path.suffix == ".csv"
    assert read_text(packed.path) == plain.path.read_text()
    assert packed.bytes < plain.bytes / 2


def test_duplicates_are_exact_and_counted(yellow_2019_01: GeneratedFile) -> None:
    _, rows = read_rows(yellow_2019_01.path)
    copies = sum(n - 1 for n in Counter(map(tuple, rows)).values())
    assert yellow_2019_01.duplicate_rows == copies == 6  # default: 3 per 10,000


@pytest.mark.parametrize(("per_10k", "expected"), [(0, 0), (50, 50)])
def test_duplicate_rate_is_configurable(tmp_path: Path, per_10k: float, expected: int) -> None:
    made = generate("green", 2019, 3, 10_000, out=tmp_path, duplicates_per_10k=per_10k, gzip=False)
    _, rows = read_rows(made.path)
    assert made.duplicate_rows == expected == len(rows) - len(set(map(tuple, rows)))


def test_values_look_like_the_real_files(yellow_2019_01: GeneratedFile) -> None:
    head, rows = read_rows(yellow_2019_01.path)
    pickups = column(head, rows, "tpep_pickup_datetime")
    dropoffs = column(head, rows, "tpep_dropoff_datetime")
    assert all(STAMP.match(p) and STAMP.match(d) for p, d in zip(pickups, dropoffs, strict=True))
    assert all(d > p for p, d in zip(pickups, dropoffs, strict=True))
    january = [p.startswith("2019-01-") for p in pickups]
    assert 0 < january.count(False) < 10  # a few outside the month, as in the real data
    for name in AMOUNTS:
        assert all(DECIMAL.match(v) for v in column(head, rows, name)), name
    for name in ("PULocationID", "DOLocationID"):
        ids = {int(v) for v in column(head, rows, name)}
        assert min(ids) >= 1 and max(ids) <= 265 and len(ids) > 150
    assert set(column(head, rows, "store_and_fwd_flag")) <= {"N", "Y", ""}
    assert 1.0 < sum(float(v) for v in column(head, rows, "trip_distance")) / len(rows) < 6.0


def test_dropoff_is_after_pickup_even_across_midnight(green_2019_01: GeneratedFile) -> None:
    head, rows = read_rows(green_2019_01.path)
    for row in rows:
        pickup = datetime.fromisoformat(row[head.index("lpep_pickup_datetime")])
        dropoff = datetime.fromisoformat(row[head.index("lpep_dropoff_datetime")])
        assert dropoff > pickup


def test_empty_fields_where_the_real_data_has_them(yellow_2019_01: GeneratedFile,
                                                   green_2019_01: GeneratedFile) -> None:
    head, rows = read_rows(green_2019_01.path)
    assert set(column(head, rows, "ehail_fee")) == {""}
    congestion = column(head, rows, "congestion_surcharge")
    assert congestion.count("") > 0.95 * len(rows)  # the surcharge began in February 2019
    for name in ("VendorID", "passenger_count", "RatecodeID", "payment_type", "trip_type"):
        empties = column(head, rows, name).count("")
        assert 0 < empties < 0.05 * len(rows), name
    head, rows = read_rows(yellow_2019_01.path)
    assert column(head, rows, "VendorID").count("") > 0


def test_congestion_surcharge_is_filled_from_february_2019(tmp_path: Path) -> None:
    made = generate("yellow", 2019, 2, 5_000, out=tmp_path, gzip=False)
    head, rows = read_rows(made.path)
    values = Counter(column(head, rows, "congestion_surcharge"))
    assert values["2.50"] > 0.5 * len(rows)
    assert values[""] < 0.05 * len(rows)


def test_negative_amounts_are_signed_decimals(tmp_path: Path) -> None:
    made = generate("yellow", 2019, 4, 100_000, out=tmp_path, seed=11)
    head, rows = read_rows(made.path)
    totals = column(head, rows, "total_amount")
    negatives = [t for t in totals if t.startswith("-")]
    assert 0 < len(negatives) < 0.01 * len(rows)
    assert all(DECIMAL.match(t) for t in negatives)


def test_out_may_be_a_file_path(tmp_path: Path) -> None:
    made = generate("yellow", 2019, 1, 5, out=tmp_path / "x" / "trips.csv", gzip=False)
    assert made.path == tmp_path / "x" / "trips.csv"
    assert not list((tmp_path / "x").glob(".*partial"))


def test_release_layout(tmp_path: Path) -> None:
    made = generate_release(tmp_path, ["yellow", "green"], ["2019-01", (2020, 12)], rows=10)
    assert sorted(str(f.path.relative_to(tmp_path)) for f in made) == [
        "green/green_tripdata_2019-01.csv.gz", "green/green_tripdata_2020-12.csv.gz",
        "yellow/yellow_tripdata_2019-01.csv.gz", "yellow/yellow_tripdata_2020-12.csv.gz"]
    assert release_path(tmp_path, "green", 2019, 7) == tmp_path / "green" / "green_tripdata_2019-07.csv.gz"
    assert file_name("yellow", 2019, 1, gzip=False) == "yellow_tripdata_2019-01.csv"


def test_bad_requests_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown taxi 'blue'"):
        generate("blue", 2019, 1, 10, out=tmp_path)
    with pytest.raises(ConfigurationError, match=r"month must be 1\.\.12"):
        generate("green", 2019, 13, 10, out=tmp_path)
    with pytest.raises(ConfigurationError, match="YYYY-MM"):
        parse_month("2019/01")
    assert parse_month("2019-1") == (2019, 1)
