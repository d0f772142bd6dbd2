"""Invariants of the US local lookup, over random boundary records and rate periods."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from taxapi.us_local.model import (
    LOWEST_COMBINED_RATE,
    BoundaryRecord,
    Level,
    LocalImport,
    LocalJurisdiction,
    LocalTable,
    RecordKind,
    ResolvedBy,
    StateData,
    _RangeIndex,
)

START = date(2024, 1, 1)
IDS = ["s", "c1", "c2", "t1", "t2", "d1", "d2"]
LEVELS = {"s": Level.state, "c": Level.county, "t": Level.city, "d": Level.special}

rates = st.decimals(min_value=0, max_value=5, places=3, allow_nan=False, allow_infinity=False)
days = st.integers(min_value=0, max_value=900).map(lambda n: START + timedelta(days=n))


@st.composite
def periods(draw, jid: str):
    """One to three consecutive rate periods, possibly with a gap, the last open or closed."""
    out, start = [], START
    for i in range(draw(st.integers(1, 3))):
        length = draw(st.integers(30, 400))
        end = start + timedelta(days=length)
        last = i == 2 or draw(st.booleans())
        to = None if last and draw(st.booleans()) else end
        out.append(LocalJurisdiction(jid, LEVELS[jid[0]], jid, draw(rates), None, start, to))
        if last or to is None:
            break
        start = to + timedelta(days=1 + draw(st.integers(0, 40)))
    return tuple(out)


@st.composite
def records(draw, zip4: bool):
    lo = draw(st.integers(0, 8))
    hi = lo + draw(st.integers(0, 4))
    frm = START + timedelta(days=draw(st.integers(0, 500)))
    to = None if draw(st.booleans()) else frm + timedelta(days=draw(st.integers(0, 400)))
    ids = ("s", *draw(st.lists(st.sampled_from(IDS[1:]), unique=True, max_size=4)))
    base = 55400 * 10_000 if zip4 else 55400
    return BoundaryRecord(RecordKind.zip4 if zip4 else RecordKind.zip5, base + lo, base + hi, frm, to, ids, zip4)


@st.composite
def tables(draw):
    juris = {jid: draw(periods(jid)) for jid in IDS}
    z5 = draw(st.lists(records(False), max_size=8))
    z4 = draw(st.lists(records(True), max_size=8))
    data = StateData("MN", juris, _RangeIndex(list(z5), "L"), _RangeIndex(list(z4), "Q"))
    imp = LocalImport("imp", "/", START, "fixture", "fixture", "sst", "0" * 64, {"MN": data})
    return LocalTable((imp,), frozenset({"MN"})), juris, z5, z4


def _rate_on(periods_, day):
    for p in periods_:
        if p.effective_from <= day and (p.effective_to is None or day <= p.effective_to):
            return p.rate_percent
    return None


def _expected(juris, recs, key, day):
    active = [r for r in recs if r.low <= key <= r.high and r.effective_from <= day
              and (r.effective_to is None or day <= r.effective_to)]
    sums = sorted({sum((x for x in (_rate_on(juris[i], day) for i in r.jurisdiction_ids) if x is not None),
                       Decimal(0)) for r in active})
    return sums


@given(tables(), st.integers(0, 12), st.one_of(st.none(), st.integers(0, 12)), days, st.lists(days, max_size=3))
def test_lookup_is_the_lowest_combined_rate_of_the_most_specific_records(t, z, z4, day, other_days):
    table, juris, z5recs, z4recs = t
    zip5 = f"{55400 + z:05d}"
    zip4 = None if z4 is None else f"{z4:04d}"
    for other in other_days:  # earlier lookups of the place on other days must not leak into this one
        table.lookup("MN", zip5, zip4, other)
    res = table.lookup("MN", zip5, zip4, day)
    by4 = _expected(juris, z4recs, (55400 + z) * 10_000 + z4, day) if z4 is not None else []
    by5 = _expected(juris, z5recs, 55400 + z, day)
    expected, how = (by4, ResolvedBy.zip4) if by4 else ((by5, ResolvedBy.zip5) if by5 else ([], ResolvedBy.state))
    assert res.resolved_by is how
    if expected:
        assert res.combined_rate_percent == expected[0]
        assert res.rates_in_zip5 == tuple(expected)
        assert res.spans_several_rates == (len(expected) > 1)
        assert res.rule == (LOWEST_COMBINED_RATE if len(expected) > 1 else None)
        assert sum((j.rate_percent for j in res.jurisdictions), Decimal(0)) == res.combined_rate_percent
        assert all(j.effective_from <= day and (j.effective_to is None or day <= j.effective_to)
                   for j in res.jurisdictions)
    else:
        assert res.jurisdictions == ()
    # The answer claims to hold from valid_from to valid_to: check both ends against a fresh reading.
    assert res.valid_from <= day and (res.valid_to is None or day <= res.valid_to)
    for edge in (res.valid_from, res.valid_to):
        if edge is None or not START - timedelta(days=5) <= edge <= START + timedelta(days=1500):
            continue
        e4 = _expected(juris, z4recs, (55400 + z) * 10_000 + z4, edge) if z4 is not None else []
        e5 = _expected(juris, z5recs, 55400 + z, edge)
        assert (e4 or e5) == expected, (edge, res)
        assert (ResolvedBy.zip4 if e4 else ResolvedBy.zip5 if e5 else ResolvedBy.state) is how


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 15)), max_size=30), st.integers(0, 80),
       st.integers(0, 10))
def test_range_index_finds_every_overlapping_range(spans, lo, width):
    recs = [BoundaryRecord(RecordKind.zip5, a, a + w, START, None, ("s",)) for a, w in spans]
    index = _RangeIndex(list(recs), "L")
    hi = lo + width
    found = sorted((r.low, r.high) for r in index.intersecting(lo, hi))
    assert found == sorted((r.low, r.high) for r in recs if r.low <= hi and r.high >= lo)
