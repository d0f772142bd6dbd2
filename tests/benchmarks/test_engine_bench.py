"""The engine's time on the README's 3-line EU order, set against a fixed reference measured in the same run.

The reference is pydantic parsing the same order from its JSON body (``model_validate_json``),
work that does not change with the engine's code; the rounds alternate and the figures are
medians of CPU time (``time.process_time``), so a busy shared machine moves both alike.
"""

from __future__ import annotations

import gc
import json
import statistics
import time

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.orders.wire import order_json
from taxapi.rate_tables.loader import get_rate_book

from .test_calculate_bench import ORDER


def _cpu_us(fn, n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n * 1e6


def test_engine_against_parsing_the_order():
    book, fx = get_rate_book(), get_ecb_rates()
    body = json.dumps(ORDER).encode()
    order = CalculateRequest.model_validate_json(body)

    def parse():
        CalculateRequest.model_validate_json(body)

    def engine():
        compute_order(order=order, book=book, fx=fx)

    def engine_json():
        order_json(compute_order(order=order, book=book, fx=fx))

    for fn in (parse, engine, engine_json):
        _cpu_us(fn, 2000)
    gc.collect()
    gc.freeze()  # as the app does after start-up
    rounds: dict[str, list[float]] = {"parse": [], "engine": [], "engine_json": []}
    for _ in range(9):
        for name, fn in (("parse", parse), ("engine", engine), ("engine_json", engine_json)):
            rounds[name].append(_cpu_us(fn, 5000))
    med = {k: statistics.median(v) for k, v in rounds.items()}
    ratio = statistics.median(e / p for e, p in zip(rounds["engine"], rounds["parse"]))
    print(f"\nengine: {med['engine']:.1f} us CPU per 3-line EU order (target <= 40), {ratio:.2f} x parsing it "
          f"({med['parse']:.1f} us); with the response bytes {med['engine_json']:.1f} us (medians of 9 alternating rounds)")
