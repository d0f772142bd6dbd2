"""The engine's time on orders to the new markets against the README's 3-line EU order, in the same run.

Each market order has three lines and shipping like the EU order: a Mexican marketplace sale with
its IVA and ISR withholdings, a Chilean low-value import collected by the platform, a Korean
import above the de minimis, a Malaysian low-value sale with the shipping excluded, an Indian
intra-state sale (CGST + SGST, TCS split), a Brazilian Remessa Conforme parcel (II and ICMS), Brazilian
sales from a local warehouse within São Paulo and to Bahia (interstate ICMS and DIFAL), an ordinary
Brazilian import above USD 3,000 (PIS/Cofins-Importação and ICMS), a
Mexican courier import at the global rate, and an import into each of TH, TW, SA, AE, ZA, CO, IL and
TR (their low-value rules). Rounds alternate between the EU order and the market orders; the figures
are medians of CPU time.
"""

from __future__ import annotations

import gc
import statistics
import time

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book

from .test_calculate_bench import ORDER

LINES = [{"id": "1", "unit_price": "24.99", "quantity": "2"}, {"id": "2", "amount": "15.00", "category": "books"},
         {"id": "3", "amount": "9.50", "category": "food"}]


def _parcel(dest: str, currency: str, origin: str = "CN", date: str = "2026-03-02", **facts: object) -> dict:
    """A foreign seller's order shipped from its own country to ``dest``, with any other ``facts``."""
    return {"date": date, "currency": currency, "ship_from": {"country": origin}, "ship_to": {"country": dest},
            "seller": {"country": origin}, **facts}


MARKETS = {
    "MX withholding": {"date": "2026-03-02", "currency": "MXN", "ship_from": {"country": "MX"}, "ship_to": {"country": "MX"},
                       "seller": {"country": "MX", "type": "individual", "registrations": ["MX"]}, "marketplace": {"name": "M"}},
    "CL low value": _parcel("CL", "USD", marketplace={"name": "M"}),
    "KR import": _parcel("KR", "USD", lines=[{"id": "1", "amount": "400.00"}]),
    "MY low value": _parcel("MY", "MYR", marketplace={"name": "M"}),
    "IN intra-state": {"date": "2026-03-02", "currency": "INR", "ship_from": {"country": "IN", "region": "MH"},
                       "ship_to": {"country": "IN", "region": "MH"}, "seller": {"country": "IN"}, "marketplace": {"name": "M"}},
    "BR Remessa Conforme": {"date": "2026-03-02", "currency": "USD", "ship_from": {"country": "CN"},
                            "ship_to": {"country": "BR", "region": "SP"}, "seller": {"country": "CN"},
                            "marketplace": {"name": "M", "remessa_conforme": True}},
    "BR local warehouse": {"date": "2026-03-02", "currency": "BRL", "ship_from": {"country": "BR", "region": "SP"},
                           "ship_to": {"country": "BR", "region": "SP"}, "seller": {"country": "BR"}, "marketplace": {"name": "M"}},
    "BR interstate DIFAL": {"date": "2026-03-02", "currency": "BRL", "ship_from": {"country": "BR", "region": "SP"},
                            "ship_to": {"country": "BR", "region": "BA"}, "seller": {"country": "BR"}, "marketplace": {"name": "M"}},
    "BR ordinary import": _parcel("BR", "USD", ship_to={"country": "BR", "region": "SP"},
                                  lines=[{"id": "1", "unit_price": "1249.99", "quantity": "2"},
                                         {"id": "2", "amount": "1500.00", "category": "books"},
                                         {"id": "3", "amount": "950.00", "category": "food"}]),
    "MX courier": _parcel("MX", "USD", date="2025-09-01"),
    "TH import": _parcel("TH", "THB", marketplace={"name": "M"}),
    "TW small import": _parcel("TW", "TWD", customer={"imports_this_half_year": 2}),
    "SA import": _parcel("SA", "SAR"),
    "AE courier": _parcel("AE", "AED"),
    "ZA parcel": _parcel("ZA", "ZAR"),
    "CO courier": _parcel("CO", "USD", origin="US"),
    "IL import": _parcel("IL", "USD"),
    "TR import": _parcel("TR", "EUR"),
}


def _cpu_us(fn, n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n * 1e6


def test_new_market_orders_cost_no_more_than_the_eu_order():
    book, fx = get_rate_book(), get_ecb_rates()
    orders = {"EU": CalculateRequest.model_validate(ORDER)}
    for name, facts in MARKETS.items():
        orders[name] = CalculateRequest.model_validate({"lines": LINES, "shipping": {"amount": "4.90"}, **facts})
    runs = {name: (lambda o=o: compute_order(order=o, book=book, fx=fx)) for name, o in orders.items()}
    for fn in runs.values():
        _cpu_us(fn, 2000)
    gc.collect()
    gc.freeze()
    rounds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(9):
        for name, fn in runs.items():
            rounds[name].append(_cpu_us(fn, 3000))
    eu = rounds["EU"]
    print(f"\nEU 3-line order: {statistics.median(eu):.1f} us CPU (median of 9 alternating rounds)")
    for name in MARKETS:
        ratio = statistics.median(m / e for m, e in zip(rounds[name], eu))
        print(f"{name}: {statistics.median(rounds[name]):.1f} us CPU, {ratio:.2f} x the EU order")


#: Orders counted per market under callgrind.
N_COUNTED = 200


def test_new_market_orders_in_instructions(tmp_path):
    """The same orders in instructions per order (callgrind: the figure the shared machine's load does not move),
    every market in one process, each against the EU order of that process."""
    import sys

    from .callgrind import reduce_counts

    script = [sys.executable, "-m", "tests.benchmarks.markets_instructions", str(N_COUNTED)]
    names = ["EU", *MARKETS]
    counts = reduce_counts(script, tmp_path / "cg.out", N_COUNTED, len(names))
    assert len(counts) == len(names)
    eu = counts[0]
    print(f"\nEU 3-line order: {eu / 1e3:.1f}k instructions an order (callgrind, {N_COUNTED} orders after warm-up)")
    for name, count in zip(names[1:], counts[1:]):
        print(f"{name}: {count / 1e3:.1f}k, {count / eu:.2f} x the EU order")
