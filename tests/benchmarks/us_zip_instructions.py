"""What a ZIP code adds to a US order, in machine instructions (callgrind) and CPU time, in one process.

``python -m tests.benchmarks.us_zip_instructions LOCAL_DIR N`` loads the rate book with the US local
tables under ``LOCAL_DIR``, builds ``N`` one-line US orders to ZIPs of every state (with their ZIP, and
the same orders without one) and ``N`` orders to other ZIPs never asked, warms the caches with the first
ones, and then runs each case once inside its own ``functools.reduce`` call, in this order: without a ZIP,
with it (ZIPs asked before), without, with it on a tax date not asked before, without on another new
date, with ZIPs asked for the first time. ``test_us_regime_bench.py`` runs it under
``valgrind --tool=callgrind --toggle-collect=functools_reduce --dump-after=functools_reduce``, so that
each dump counts one case and nothing else. With ``--time ROUNDS`` it measures the CPU time of the
same cases instead (alternating rounds, medians), from which the same process's µs per instruction
follows.
"""

from __future__ import annotations

import functools
import gc
import os
import statistics
import sys
import time
from typing import Any

#: The cases in the order they run (one ``functools.reduce`` call, one callgrind dump, each).
CASES = ("without", "asked before", "without", "new date", "new date, without", "first time")


def _orders(local_dir: str, n: int) -> tuple[Any, Any, dict[str, list[Any]]]:
    os.environ["TAXAPI_US_LOCAL_DIR"] = local_dir
    from tests.benchmarks.test_us_regime_bench import _order, _rows
    from taxapi.ecb import get_ecb_rates
    from taxapi.rate_tables.loader import load_rate_book

    book, fx = load_rate_book(), get_ecb_rates()
    zips = [(r["State"], r["ZipCode"].zfill(5)) for r in _rows()]
    step = max(1, len(zips) // (2 * n))
    asked, fresh = zips[0::step][:n], zips[step // 2::step][:n]
    return book, fx, {
        "without": [_order(st, None) for st, _ in asked],
        "asked before": [_order(st, z) for st, z in asked],
        "new date": [_order(st, z, "2026-03-11") for st, z in asked],
        "new date, without": [_order(st, None, "2026-03-12") for st, _ in asked],
        "first time": [_order(st, z) for st, z in fresh],
    }


def main(argv: list[str]) -> None:
    from taxapi.orders.service import compute_order

    local_dir, n = argv[0], int(argv[1])
    book, fx, cases = _orders(local_dir, n)

    def run(order: Any) -> None:
        compute_order(order=order, book=book, fx=fx)

    def measure(orders: list[Any]) -> None:
        it = iter(orders)
        functools.reduce(lambda _, __: run(next(it)), range(len(orders)), None)

    for _ in range(2):
        for order in cases["without"] + cases["asked before"]:
            run(order)
    gc.collect()
    gc.freeze()  # as the app does after start-up
    if len(argv) > 3 and argv[2] == "--time":
        times: dict[str, list[float]] = {"without": [], "asked before": []}
        for _ in range(int(argv[3])):  # alternating rounds
            for case in times:
                start = time.process_time()
                measure(cases[case])
                times[case].append((time.process_time() - start) / n * 1e6)
        print({case: statistics.median(t) for case, t in times.items()})
        return
    for case in CASES:
        measure(cases[case])


if __name__ == "__main__":
    main(sys.argv[1:])
