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
