"""The markets benchmark's orders counted in machine instructions (callgrind), every market in one process.

``python -m tests.benchmarks.markets_instructions N`` builds the EU order and each market order of
``test_markets_bench.py``, warms every path up, prints the names in order, then computes each order ``N``
times inside its own ``functools.reduce`` call (EU first), so that callgrind run with
``--toggle-collect=functools_reduce --dump-after=functools_reduce`` (``callgrind.py``) counts each order alone.
"""

from __future__ import annotations

import functools
import sys

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book
from tests.benchmarks.test_calculate_bench import ORDER
from tests.benchmarks.test_markets_bench import LINES, MARKETS


def main(n: int) -> None:
    book, fx = get_rate_book(), get_ecb_rates()
    orders = {"EU": CalculateRequest.model_validate(ORDER)}
    for name, facts in MARKETS.items():
        orders[name] = CalculateRequest.model_validate({"lines": LINES, "shipping": {"amount": "4.90"}, **facts})
    for order in orders.values():  # every cache of every path filled before counting
        for _ in range(300):
            compute_order(order=order, book=book, fx=fx)
    print(list(orders))
    for order in orders.values():
        functools.reduce(lambda a, _, o=order: compute_order(order=o, book=book, fx=fx), range(n), None)


if __name__ == "__main__":
    main(int(sys.argv[1]))
