"""Speed of POST /v1/thresholds on a 100,000-row CSV ledger (run with `pytest tests/benchmarks -s`).

Target: <= 3 s on one core. Prints wall time, CPU time and the peak of Python allocations
(tracemalloc) for 25,000 and 100,000 rows, so memory growth with rows is visible.
"""

from __future__ import annotations

import random
import time
import tracemalloc
from datetime import date, timedelta

import pytest

DESTS = [("FR", ""), ("IT", ""), ("AT", ""), ("ES", ""), ("NL", ""), ("PL", ""), ("DE", ""), ("GB", ""),
         ("NO", ""), ("CH", ""), ("AU", ""), ("CA", "ON"), ("CA", "QC"), ("SG", ""), ("JP", "")]
DESTS += [("US", s) for s in ("CA", "TX", "NY", "FL", "IL", "WA", "GA", "NJ", "PA", "OH", "MI", "MA", "CO", "AZ")]
CURRENCIES = ["EUR", "EUR", "EUR", "USD", "GBP", "CHF"]


def ledger_csv(rows: int, seed: int = 7) -> bytes:
    rnd = random.Random(seed)
    start = date(2025, 1, 1)
    lines = ["date,ship_to_country,ship_to_region,ship_from_country,net_amount,currency,customer_type,category,channel,transactions"]
    for _ in range(rows):
        day = start + timedelta(days=rnd.randrange(0, 660))  # unsorted, up to 2026-10-22
        country, region = rnd.choice(DESTS)
        lines.append(
            f"{day.isoformat()},{country},{region},DE,{rnd.randrange(100, 50000) / 100:.2f},{rnd.choice(CURRENCIES)},"
            f"{rnd.choice(('consumer', 'consumer', 'business'))},{rnd.choice(('general', 'books', 'digital_services'))},"
            f"{rnd.choice(('direct', 'direct', 'marketplace'))},1"
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("rows", [25_000, 100_000])
def test_thresholds_csv_speed(client, rows):
    body = ledger_csv(rows)
    url = "/v1/thresholds?seller_country=DE&as_of=2026-10-30"
    headers = {"content-type": "text/csv"}
    client.post(url, content=ledger_csv(100), headers=headers)  # warm caches (ECB, babel)
    tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    resp = client.post(url, content=body, headers=headers)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert resp.status_code == 200
    data = resp.json()
    assert data["rows_in"] == rows and data["rows_counted"] + len(data["rejected"]) == rows
    print(f"\n{rows} rows ({len(body) / 1e6:.1f} MB CSV): wall {wall:.2f} s, cpu {cpu:.2f} s, "
          f"peak traced memory {peak / 1e6:.1f} MB (tracemalloc slows the run)")
    tracemalloc.start()
    tracemalloc.stop()
    wall = time.perf_counter()
    client.post(url, content=body, headers=headers)
    print(f"{rows} rows without tracemalloc: wall {time.perf_counter() - wall:.2f} s")


def test_service_memory_follows_jurisdictions_and_days_not_rows():
    """The service reading a lazily generated ledger twice: peak memory for 100,000 and 400,000 rows."""
    from taxapi.ecb import get_ecb_rates
    from taxapi.rate_tables.loader import get_rate_book
    from taxapi.thresholds.rules import get_threshold_rules
    from taxapi.thresholds.service import Seller, evaluate

    def rows_factory(n):
        def rows():
            rnd = random.Random(11)
            start = date(2025, 1, 1)
            for _ in range(n):
                country, region = rnd.choice(DESTS)
                yield ((start + timedelta(days=rnd.randrange(0, 660))).isoformat(), country, region or None, None, "DE",
                       f"{rnd.randrange(100, 50000) / 100:.2f}", rnd.choice(CURRENCIES), None, None, None, None, None)
        return rows

    peaks = {}
    for n in (100_000, 400_000):
        tracemalloc.start()
        t = time.perf_counter()
        evaluate(seller=Seller("DE"), as_of=date(2026, 10, 30), eu_destination_option=False, rows=rows_factory(n),
                 rules=get_threshold_rules(), ecb=get_ecb_rates(), book=get_rate_book(), rates_version="bench")
        _, peaks[n] = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"\nservice, {n} generated rows: peak traced memory {peaks[n] / 1e6:.1f} MB ({time.perf_counter() - t:.1f} s with tracemalloc)")
    assert peaks[400_000] < 2 * peaks[100_000]
