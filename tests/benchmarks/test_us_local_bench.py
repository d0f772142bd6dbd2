"""US local tables on the March 2026 ZIP5 files (run with `pytest tests/benchmarks -s`).

Skipped when the reference copy ``../shared/data/us/avalara-zip5-2026-03/`` (52 files, 41,000 ZIPs) is
absent; nothing of it is shipped. Targets from the issue: the 52 files import in <= 5 s; the full
table adds <= 60 MB to the server's memory; a ZIP lookup adds <= 5 µs per order; for every ZIP the
looked-up jurisdictions' rates add up to the file's combined rate at five decimal places.

Speed figures are medians of alternating rounds, each with a reference measured in the same run
(the machine is shared, so only the ratios are stable):
- import: against reading the same files with ``csv.reader`` and doing nothing with the rows;
- lookup (cold: first lookup of each ZIP after loading; warm: the same ZIPs on another date): against
  a dict lookup of the ZIP plus ``int(zip5)`` and a date comparison.
Memory: resident set size of ``import taxapi.app`` (which loads and validates everything) with and
without ``TAXAPI_US_LOCAL_DIR`` set, each in a fresh process, alternating.
"""

from __future__ import annotations

import csv
import gc
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "us" / "avalara-zip5-2026-03"
FILES = sorted(DATA.glob("TAXRATES_ZIP5_*.csv")) if DATA.is_dir() else []
DAY = date(2026, 3, 10)
ROUNDS = 3

pytestmark = pytest.mark.skipif(len(FILES) != 52, reason=f"reference ZIP5 files not found in {DATA}")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    from taxapi.us_local.importers import import_zip5

    root = tmp_path_factory.mktemp("us-local")
    import_zip5(FILES, root / "zip5-2026-03")
    return root


def _rows():
    for path in FILES:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            yield from reader


def test_import_speed(tmp_path):
    from taxapi.us_local.importers import import_zip5

    imports, reads = [], []
    for i in range(ROUNDS):
        t = time.perf_counter()
        summary = import_zip5(FILES, tmp_path / f"r{i}")
        imports.append(time.perf_counter() - t)
        t = time.perf_counter()
        n = 0
        for path in FILES:
            with open(path, encoding="utf-8-sig", newline="") as f:
                n += sum(1 for _ in csv.reader(f))
        reads.append(time.perf_counter() - t)
    assert summary.boundaries == 41_000 and len(summary.states) == 52
    imp, read = statistics.median(imports), statistics.median(reads)
    print(f"\nimport-us-zip5, 52 files, 41,000 ZIPs: median {imp:.2f} s over {ROUNDS} rounds "
          f"(target <= 5 s); csv.reader alone {read:.3f} s; ratio {imp / read:.1f}x")


def test_every_zip_adds_up_to_the_combined_rate(imported):
    """Data-level exactness: the jurisdictions found for each ZIP sum to its combined rate (5 places)."""
    from taxapi.rate_tables.loader import default_rates_dir
    from taxapi.us_local.store import load_local_table

    table = load_local_table(default_rates_dir(), imported)
    total, wrong, cent_moves = Counter(), Counter(), Counter()
    places5 = Decimal("0.00001")
    for row in _rows():
        st = row["State"]
        total[st] += 1
        raw = Decimal(row["EstimatedCombinedRate"])
        expected = raw.quantize(places5, rounding=ROUND_HALF_UP) * 100
        res = table.lookup(st, row["ZipCode"], None, DAY)
        if res.combined_rate_percent != expected or sum(j.rate_percent for j in res.jurisdictions) != expected:
            wrong[st] += 1
        # Information for the order-level check: where rounding the file's rate to 5 places moves the
        # tax on a $100.00 order by a cent (100 x rate rounded half-up to cents).
        cents = Decimal("0.01")
        if (raw * 100).quantize(cents, ROUND_HALF_UP) != (expected).quantize(cents, ROUND_HALF_UP):
            cent_moves[st] += 1
    assert sum(total.values()) == 41_000
    shares = {st: 1 - wrong[st] / total[st] for st in total}
    print(f"\nZIPs whose jurisdictions add up to the file's combined rate: "
          f"{sum(total.values()) - sum(wrong.values())} of {sum(total.values())}")
    for st in sorted(s for s in shares if shares[s] < 1):
        print(f"  {st}: {shares[st]:.1%}")
    print(f"$100.00 orders whose tax moves by a cent when the file's rate is rounded to 5 places: "
          f"{sum(cent_moves.values())} ({dict(cent_moves) or 'none'})")
    assert not wrong, dict(wrong)


def test_lookup_speed(imported):
    """Per ZIP: the first lookup of every ZIP in a freshly loaded table (cold), and a lookup of every ZIP
    on another tax date in the same rate periods (warm: the answer's validity span covers it)."""
    from taxapi.rate_tables.loader import default_rates_dir
    from taxapi.us_local.store import load_local_table

    zips = [(r["State"], r["ZipCode"]) for r in _rows()]
    ref = {z: s for s, z in zips}
    start = date(2026, 3, 1)
    cold, warm, refs = [], [], []
    for i in range(ROUNDS):
        table = load_local_table(default_rates_dir(), imported)
        gc.collect()
        gc.freeze()  # as the app does after start-up: full collections then skip the loaded table
        t = time.perf_counter()
        for st, z in zips:
            table.lookup(st, z, None, date(2026, 3, 10))
        cold.append((time.perf_counter() - t) / len(zips) * 1e6)
        day = date(2026, 3, 11 + i)
        t = time.perf_counter()
        for st, z in zips:
            table.lookup(st, z, None, day)
        warm.append((time.perf_counter() - t) / len(zips) * 1e6)
        t = time.perf_counter()
        for st, z in zips:
            ref.get(z)
            int(z)
            start <= day  # noqa: B015
        refs.append((time.perf_counter() - t) / len(zips) * 1e6)
        gc.unfreeze()
    c, w, rf = statistics.median(cold), statistics.median(warm), statistics.median(refs)
    print(f"\nZIP lookup over 41,000 ZIPs (target <= 5 µs): first lookup of each ZIP {c:.2f} µs, again on another "
          f"date {w:.2f} µs; reference dict lookup {rf:.2f} µs; ratios {c / rf:.1f}x and {w / rf:.1f}x")


def _rss_mb(env: dict[str, str]) -> float:
    code = ("import taxapi.app, gc; gc.collect(); "
            "print([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=True)
    return int(out.stdout.strip()) / 1024


def test_server_memory(imported):
    base_env = {k: v for k, v in os.environ.items() if k != "TAXAPI_US_LOCAL_DIR"}
    with_env = {**base_env, "TAXAPI_US_LOCAL_DIR": str(imported)}
    without, with_local = [], []
    for _ in range(ROUNDS):
        without.append(_rss_mb(base_env))
        with_local.append(_rss_mb(with_env))
    a, b = statistics.median(without), statistics.median(with_local)
    print(f"\nserver RSS after start-up: {a:.1f} MB without, {b:.1f} MB with the 41,000-ZIP table; "
          f"added {b - a:.1f} MB (target <= 60 MB)")
