"""Vectorised synthesis of NYC TLC trip rows (numpy), formatted straight to CSV bytes.

Why this shape: formatting numbers one by one in Python tops out near 300k rows/s. Here every
field is an index into a small table of pre-formatted byte strings (amounts in cents, small ints,
dates, times of day). A chunk is laid out as a NUL-padded ``uint8`` matrix, one row per trip, and
the NUL padding is dropped in one boolean-mask pass, which leaves exactly the CSV bytes. Empty
CSV fields are simply table entries made only of NULs.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

YELLOW_COLUMNS = (
    "VendorID", "tpep_pickup_datetime", "tpep_dropoff_datetime", "passenger_count", "trip_distance",
    "RatecodeID", "store_and_fwd_flag", "PULocationID", "DOLocationID", "payment_type", "fare_amount",
    "extra", "mta_tax", "tip_amount", "tolls_amount", "improvement_surcharge", "total_amount",
    "congestion_surcharge",
)
GREEN_COLUMNS = (
    "VendorID", "lpep_pickup_datetime", "lpep_dropoff_datetime", "store_and_fwd_flag", "RatecodeID",
    "PULocationID", "DOLocationID", "passenger_count", "trip_distance", "fare_amount", "extra", "mta_tax",
    "tip_amount", "tolls_amount", "ehail_fee", "improvement_surcharge", "total_amount", "payment_type",
    "trip_type", "congestion_surcharge",
)
COLUMNS = {"yellow": YELLOW_COLUMNS, "green": GREEN_COLUMNS}

_UINTS: dict[int, Any] = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
MAX_CENTS = 99_999  # amounts are clipped below $1,000 so one 6-byte table covers them all
SMALL_INT_EMPTY = 300  # index of the empty entry in the small-int table (0..299 are numbers)

# The busiest pickup/drop-off zones first (from the real 2019 files); the rest follow in id order.
_BUSY_ZONES = {
    "yellow": (237, 161, 236, 162, 230, 186, 170, 142, 48, 234, 239, 163, 79, 141, 107, 68, 263, 140,
               238, 249, 164, 100, 138, 132, 229, 246, 233, 43, 113, 90, 137, 50, 151, 262, 264, 231,
               114, 144, 148, 158, 125, 211, 87, 13, 88, 74, 75, 166, 41, 24),
    "green": (74, 75, 41, 7, 82, 166, 42, 95, 129, 97, 181, 65, 244, 116, 152, 260, 255, 43, 24, 226,
              25, 61, 92, 49, 112, 223, 33, 146, 179, 193, 236, 159, 168, 80, 69, 247, 17, 256, 37, 173),
}
# Share of trips starting in each hour of the day (a weekday-ish NYC profile).
_HOURLY = np.array([3.2, 2.4, 1.8, 1.3, 1.0, 1.0, 2.0, 3.4, 4.3, 4.4, 4.3, 4.5, 4.8, 4.8, 5.0, 5.1,
                    5.2, 5.8, 6.3, 6.2, 5.7, 5.5, 5.2, 4.3])
# Timestamps from far outside the month, as the real files have a handful of (2008-12-31, 2088-...).
_FAR_DATES = ("2008-12-31", "2009-01-01", "2003-01-01", "2088-01-24")


@dataclass(frozen=True)
class Segment:
    """One piece of a row: a literal (``b","``) or per-row indexes into a table of byte strings."""

    table: np.ndarray[Any, Any]  # dtype S{w}; a literal is a one-entry table
    index: np.ndarray[Any, Any] | None = None  # None for literals


# ---- tables of pre-formatted values -----------------------------------------------------------------
@cache
def _cents_table() -> np.ndarray[Any, Any]:
    return np.array([f"{c // 100}.{c % 100:02d}".encode() for c in range(MAX_CENTS + 1)], dtype="S6")


@cache
def _small_int_table() -> np.ndarray[Any, Any]:
    return np.array([str(i).encode() for i in range(SMALL_INT_EMPTY)] + [b""], dtype="S3")


@cache
def _time_table() -> np.ndarray[Any, Any]:
    """``HH:MM:SS`` for every second of a day, built as a digit matrix (a Python loop takes 0.1 s)."""
    s = np.arange(86_400)
    chars = np.full((86_400, 8), ord(":"), dtype=np.uint8)
    for column, part in ((0, s // 3600), (3, s // 60 % 60), (6, s % 60)):
        chars[:, column] = ord("0") + part // 10
        chars[:, column + 1] = ord("0") + part % 10
    return chars.view("S8").ravel()


@cache
def _sign_table() -> np.ndarray[Any, Any]:
    return np.array([b"", b"-"], dtype="S1")


@cache
def _literal(text: bytes) -> np.ndarray[Any, Any]:
    return np.array([text], dtype=f"S{len(text)}")


@cache
def _zone_cdf(taxi: str) -> np.ndarray[Any, Any]:
    busy = _BUSY_ZONES[taxi]
    order = list(busy) + [z for z in range(1, 266) if z not in busy]
    weights = 1.0 / (np.arange(len(order)) + 4.0) ** 1.15
    cdf = np.cumsum(weights) / weights.sum()
    return np.stack([np.array(order), cdf])


class MonthDates:
    """Date strings around one month: index ``2 + day`` is day ``day`` (0-based) of the month."""

    def __init__(self, year: int, month: int) -> None:
        self.days = calendar.monthrange(year, month)[1]
        first = dt.date(year, month, 1) - dt.timedelta(days=2)
        near = [(first + dt.timedelta(days=i)).isoformat() for i in range(self.days + 4)]
        self.table = np.array([d.encode() for d in near + list(_FAR_DATES)], dtype="S10")
        self.far_first = len(near)


# ---- row synthesis ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowPlan:
    """What a file looks like, independent of the random stream."""

    taxi: str
    year: int
    month: int
    missing_fraction: float  # rows with empty VendorID, passenger_count, RatecodeID, payment_type...
    congestion_empty: bool  # 2019-01: the surcharge column exists but is (almost) always empty
    congestion_cents: int


def plan_for(taxi: str, year: int, month: int) -> RowPlan:
    before_surcharge = (year, month) < (2019, 2)
    return RowPlan(taxi, year, month, missing_fraction=0.004 if year <= 2019 else 0.03,
                   congestion_empty=before_surcharge, congestion_cents=250 if taxi == "yellow" else 275)


def _pick(rng: np.random.Generator, weights: tuple[float, ...], n: int) -> np.ndarray[Any, Any]:
    cdf = np.cumsum(weights) / sum(weights)
    picked: np.ndarray[Any, Any] = np.searchsorted(cdf, rng.random(n), side="right")
    return picked


def _choose_codes(rng: np.random.Generator, codes: tuple[int, ...], weights: tuple[float, ...],
                  n: int) -> np.ndarray[Any, Any]:
    chosen: np.ndarray[Any, Any] = np.asarray(codes)[_pick(rng, weights, n)]
    return chosen


def _zones(rng: np.random.Generator, taxi: str, n: int) -> np.ndarray[Any, Any]:
    ids, cdf = _zone_cdf(taxi)
    zones: np.ndarray[Any, Any] = ids[np.minimum(np.searchsorted(cdf, rng.random(n)), len(cdf) - 1)]
    return zones.astype(np.int64)


def synthesise(plan: RowPlan, dates: MonthDates, rng: np.random.Generator, n: int,
               force_out_of_month: bool, duplicates: int) -> list[Segment]:
    """``n`` rows as CSV segments, ``duplicates`` of them exact copies of the row before."""
    green = plan.taxi == "green"
    hour = _pick(rng, tuple(_HOURLY), n)
    day = rng.integers(0, dates.days, n)
    pickup = day * 86_400 + hour * 3600 + rng.integers(0, 3600, n)
    # A few trips start just before or after the month (as real files show), rarely years away.
    outside = rng.random(n) < 1.5e-5
    if force_out_of_month:
        outside[n // 2] = True
    pickup[outside] = np.where(rng.random(int(outside.sum())) < 0.5, -1 - rng.integers(0, 3600, 1),
                               dates.days * 86_400 + rng.integers(0, 3600, 1))
    far = rng.random(n) < 2e-6

    ratecode = _choose_codes(rng, (1, 2, 3, 4, 5, 99), (96.5, 2.2, 0.2, 0.1, 1.0, 0.003), n)
    if green:
        trip_type = np.where(rng.random(n) < 0.03, 2, 1)
        ratecode = np.where(trip_type == 2, 5, ratecode)
    distance = np.round(rng.lognormal(np.log(2.0 if green else 1.6), 0.85, n) * 100).astype(np.int64)
    distance = np.where(ratecode == 2, rng.integers(1500, 2200, n), distance)
    distance = np.where(rng.random(n) < 0.01, 0, np.minimum(distance, 9_999))
    speed_mph = np.clip(rng.lognormal(np.log(11.0), 0.35, n), 3.0, 45.0)
    seconds = distance / 100.0 / speed_mph * 3600 + rng.integers(30, 240, n)
    duration = np.clip(seconds, 1, 4 * 3600).astype(np.int64)  # dropoff always after pickup
    dropoff = pickup + duration

    minutes = duration / 60.0
    fare = np.round((250 + 200 * distance / 100 + 30 * minutes) / 50).astype(np.int64) * 50
    fare = np.where(ratecode == 2, 5200, fare)
    fare = np.where(ratecode == 5, rng.integers(5, 80, n) * 100, fare)
    fare = np.minimum(fare, 60_000)
    hour_of_day = (pickup // 3600) % 24
    extra = np.where((hour_of_day >= 20) | (hour_of_day < 6), 50,
                     np.where((hour_of_day >= 16) & (hour_of_day < 20), 100, 0))
    mta_tax = np.where(ratecode == 5, 0, 50)
    payment = _choose_codes(rng, (1, 2, 3, 4), (52, 46, 1.5, 0.5) if green else (71, 28, 0.7, 0.3), n)
    tip = np.where((payment == 1) & (rng.random(n) < 0.9),
                   np.round(fare * rng.uniform(0.1, 0.3, n)).astype(np.int64), 0)
    tolls = np.where(rng.random(n) < np.where(ratecode == 2, 0.4, 0.04), 576, 0)
    improvement = np.full(n, 30)
    congestion = np.where(rng.random(n) < (0.3 if green else 0.85), plan.congestion_cents, 0)
    if plan.congestion_empty:
        congestion[:] = 0
    total = fare + extra + mta_tax + tip + tolls + improvement + congestion
    negative = (rng.random(n) < 5e-4) & (payment >= 3)
    tip[negative] = 0

    vendor = np.where(rng.random(n) < (0.82 if green else 0.6), 2, 1)
    passengers = _choose_codes(rng, (1, 2, 3, 4, 5, 6, 0), (70, 14, 4, 2, 5, 3, 1.2), n)
    store_flag = (rng.random(n) < 0.005).astype(np.int64)  # 0 = "N", 1 = "Y", 2 = empty
    pu, do = _zones(rng, plan.taxi, n), _zones(rng, plan.taxi, n)

    # Rows where the dispatch fields are missing (real 2019/2020 files have them).
    missing = rng.random(n) < plan.missing_fraction
    missing[min(n - 1, 7)] = True  # at least one per chunk, so even small files show the pattern
    empty = SMALL_INT_EMPTY
    for column in (vendor, passengers, ratecode, payment):
        column[missing] = empty
    store_flag[missing] = 2
    congestion_idx = np.where(missing | plan.congestion_empty, -1, congestion)
    if plan.congestion_empty:  # a handful of early 0.0 values, as in the real 2019-01 file
        congestion_idx[rng.random(n) < 0.002] = 0

    pick_date = np.where(far, dates.far_first + rng.integers(0, len(_FAR_DATES), n), 2 + pickup // 86_400)
    drop_date = np.where(far, pick_date, 2 + dropoff // 86_400)
    pick_time = pickup % 86_400
    drop_time = np.where(far, np.minimum(pick_time + duration, 86_399), dropoff % 86_400)

    columns: dict[str, Any] = {
        "VendorID": vendor, "passenger_count": passengers, "trip_distance": ("cents", distance),
        "RatecodeID": ratecode, "store_and_fwd_flag": ("flag", store_flag), "PULocationID": pu,
        "DOLocationID": do, "payment_type": payment, "fare_amount": ("signed", fare),
        "extra": ("signed", extra), "mta_tax": ("signed", mta_tax), "tip_amount": ("cents", tip),
        "tolls_amount": ("cents", tolls), "improvement_surcharge": ("signed", improvement),
        "total_amount": ("signed", total), "congestion_surcharge": ("optional", congestion_idx),
        "ehail_fee": ("empty", None),
    }
    if green:
        trip_type[missing] = empty
        columns["trip_type"] = trip_type
    prefix = "lpep" if green else "tpep"
    columns[f"{prefix}_pickup_datetime"] = ("datetime", (pick_date, pick_time))
    columns[f"{prefix}_dropoff_datetime"] = ("datetime", (drop_date, drop_time))
    segments = _segments(COLUMNS[plan.taxi], columns, negative, dates, n)
    _duplicate(segments, rng, n, duplicates)
    return segments


def _segments(names: tuple[str, ...], columns: dict[str, Any], negative: np.ndarray[Any, Any],
              dates: MonthDates, n: int) -> list[Segment]:
    comma, out = _literal(b","), []
    cents = _cents_table()
    for i, name in enumerate(names):
        if i:
            out.append(Segment(comma))
        value = columns[name]
        kind, data = value if isinstance(value, tuple) else ("int", value)
        if kind == "int":
            out.append(Segment(_small_int_table(), np.asarray(data, dtype=np.int64)))
        elif kind == "flag":
            out.append(Segment(np.array([b"N", b"Y", b""], dtype="S1"), data))
        elif kind == "cents":
            out.append(Segment(cents, np.clip(data, 0, MAX_CENTS)))
        elif kind == "signed":
            out.append(Segment(_sign_table(), (negative & (data != 0)).astype(np.int64)))
            out.append(Segment(cents, np.clip(data, 0, MAX_CENTS)))
        elif kind == "optional":  # -1 means an empty field
            table = np.append(cents[:1000], np.array([b""], dtype="S6"))
            out.append(Segment(table, np.where(data < 0, 1000, np.clip(data, 0, 999))))
        elif kind == "datetime":
            date_idx, time_idx = data
            out += [Segment(dates.table, date_idx), Segment(_literal(b" ")),
                    Segment(_time_table(), time_idx)]
        # "empty": nothing between the commas
    out.append(Segment(_literal(b"\n")))
    return out


def _duplicate(segments: list[Segment], rng: np.random.Generator, n: int, count: int) -> None:
    """Make ``count`` rows exact copies of their predecessor.

    Targets are even positions and sources odd ones, so no copy is itself copied and exactly
    ``count`` rows end up equal to an earlier row.
    """
    if count <= 0:
        return
    targets = 2 * (1 + rng.choice((n - 1) // 2, size=count, replace=False))
    for segment in segments:
        if segment.index is not None:
            segment.index[targets] = segment.index[targets - 1]


def max_duplicates(n: int) -> int:
    return max(0, (n - 1) // 2)


def render(segments: list[Segment], n: int, block: int = 4096) -> bytes:
    """The CSV bytes of ``n`` rows: fill NUL-padded records, then drop the NULs.

    Each segment is a field of a packed record dtype (unsigned ints for widths 1/2/4/8, raw void
    otherwise, so copies are plain moves), and rows go through in blocks that stay in the CPU
    cache: this halves the time of filling one large matrix column by column.
    """
    widths = [s.table.dtype.itemsize for s in segments]
    formats = [_UINTS.get(w, f"V{w}") for w in widths]
    record = np.dtype({"names": [f"f{i}" for i in range(len(segments))], "formats": formats,
                       "offsets": np.cumsum([0, *widths[:-1]]).tolist(), "itemsize": sum(widths)})
    rows = np.empty(min(block, n), dtype=record)
    fields = [rows[f"f{i}"] for i in range(len(segments))]
    tables = [s.table.view(f) for s, f in zip(segments, formats, strict=True)]
    variable = []
    for segment, field, table in zip(segments, fields, tables, strict=True):
        if segment.index is None:
            field[...] = table[0]
        else:
            variable.append((segment.index, field, table))
    flat, out = rows.view(np.uint8), []
    for start in range(0, n, block):
        m = min(block, n - start)
        for index, field, table in variable:
            field[:m] = table[index[start:start + m]]
        used = flat[:m * record.itemsize]
        out.append(used[used != 0].tobytes())
    return b"".join(out)
