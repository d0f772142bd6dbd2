"""What a ZIP code adds to a US order, in machine instructions (callgrind) and in CPU time, in one process.

``python -m tests.benchmarks.us_zip_instructions LOCAL_DIR N`` loads the rate book with the US local
tables under ``LOCAL_DIR`` and builds one-line US orders of $100.00 to ``N`` ZIPs spread over every state
(each order its own object, as requests are): the same orders with their ZIP and without one (state rate
only), the ZIP orders on a tax date not asked before, and orders to other ZIPs never asked. It warms the
caches with the first two, and then runs each case once inside its own ``functools.reduce`` call, in this
order: without a ZIP, with it (ZIPs asked before), without, with it on a new tax date, without on another
new date, with ZIPs asked for the first time since loading. ``test_us_regime_bench.py`` runs it under
``valgrind --tool=callgrind --toggle-collect=functools_reduce --dump-after=functools_reduce``, so that
each dump counts one case and nothing else.

With ``--time ROUNDS`` it measures the CPU time (``time.process_time``) of the same cases instead, in
``ROUNDS`` alternating rounds (each round: every case once, a new tax date and ZIPs not asked before in
each), and prints the medians in µs per order. The instructions are the stable figure on a shared
machine; the CPU time is what the target is about, and it is not the instructions times a constant: an
order with a ZIP reads its tax area's objects, spread over the large loaded table, which the order
without one does not, so part of its time is cache misses.
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


def _orders(local_dir: str, n: int, rounds: int) -> tuple[Any, Any, dict[str, list[list[Any]]]]:
    """The book, the exchange rates and per case one list of orders per round."""
    os.environ["TAXAPI_US_LOCAL_DIR"] = local_dir
    from tests.benchmarks.test_us_regime_bench import _order, _rows
    from taxapi.ecb import get_ecb_rates
    from taxapi.rate_tables.loader import load_rate_book

    book, fx = load_rate_book(), get_ecb_rates()
    zips = [(r["State"], r["ZipCode"].zfill(5)) for r in _rows()]
    step = max(1, len(zips) // ((rounds + 1) * n))
    groups = [zips[k::step][:n] for k in range(rounds + 1)]  # disjoint: the ZIPs asked before, then new ones per round
    asked = groups[0]
    return book, fx, {
        "without": [[_order(st, None) for st, _ in asked]] * rounds,
        "asked before": [[_order(st, z) for st, z in asked]] * rounds,
        "new date": [[_order(st, z, f"2026-03-{11 + i:02d}") for st, z in asked] for i in range(rounds)],
        "new date, without": [[_order(st, None, f"2026-04-{1 + i:02d}") for st, _ in asked] for i in range(rounds)],
        "first time": [[_order(st, z) for st, z in groups[1 + i]] for i in range(rounds)],
    }


def main(argv: list[str]) -> None:
    from taxapi.orders.service import compute_order

    local_dir, n = argv[0], int(argv[1])
    timed = len(argv) > 3 and argv[2] == "--time"
    rounds = int(argv[3]) if timed else 1
    book, fx, cases = _orders(local_dir, n, rounds)

    def run(order: Any) -> None:
        compute_order(order=order, book=book, fx=fx)

    def measure(orders: list[Any]) -> None:
        it = iter(orders)
        functools.reduce(lambda _, __: run(next(it)), range(len(orders)), None)

    for _ in range(2):
        for order in cases["without"][0] + cases["asked before"][0]:
            run(order)
    gc.collect()
    gc.freeze()  # as the app does after start-up
    if timed:
        times: dict[str, list[float]] = {case: [] for case in cases}
        for i in range(rounds):  # alternating rounds
            for case in times:
                start = time.process_time()
                measure(cases[case][i])
                times[case].append((time.process_time() - start) / n * 1e6)
        print({case: statistics.median(t) for case, t in times.items()})
        return
    for case in CASES:
        measure(cases[case][0])


if __name__ == "__main__":
    main(sys.argv[1:])
