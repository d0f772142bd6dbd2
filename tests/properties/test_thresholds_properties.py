"""Properties of the threshold evaluation that hold for every ledger of positive sales:

* adding a sale never moves `exceeded_on` later (nor turns `exceeded` off);
* the order of the rows does not change the answer (the crossing sale is the same sale).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.ingest import FIRST_DATA_ROW
from taxapi.rate_tables.loader import get_rate_book
from taxapi.thresholds.rules import get_threshold_rules
from taxapi.thresholds.service import Seller, evaluate

AS_OF = date(2026, 10, 20)
START = date(2024, 11, 1)
DESTS = [("FR", None, "EUR"), ("IT", None, "EUR"), ("PL", None, "PLN"), ("US", "GA", "USD"), ("US", "NY", "USD"),
         ("NO", None, "NOK"), ("GB", None, "GBP"), ("CA", "QC", "CAD")]
WATCHED = ("EU", "US-GA", "US-NY", "NO", "GB", "CA", "CA-QC")

sales = st.tuples(
    st.integers(0, (AS_OF - START).days - 25),  # the shipped ECB history ends 2026-10-30
    st.sampled_from(DESTS),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("7000"), places=2, allow_nan=False, allow_infinity=False),
    st.integers(0, 90),
)


def as_row(s):
    offset, (country, region, currency), amount, tx = s
    return ((START + timedelta(days=offset)).isoformat(), country, region, None, None, str(amount), currency,
            None, None, None, tx, None)


def answer(rows):
    result = evaluate(seller=Seller("DE"), as_of=AS_OF, eu_destination_option=False, rows=lambda: rows,
                      rules=get_threshold_rules(), ecb=get_ecb_rates(), book=get_rate_book(), rates_version="p")
    assert result["rows_counted"] == len(rows)
    return {j["jurisdiction"]: j for j in result["jurisdictions"] if j["jurisdiction"] in WATCHED}


@settings(max_examples=40, deadline=None)
@given(st.lists(sales, max_size=25), sales)
def test_adding_a_sale_never_moves_exceeded_on_later(ledger, extra):
    rows = [as_row(s) for s in ledger]
    before = answer(rows)
    after = answer([*rows, as_row(extra)])
    for jid, b in before.items():
        a = after[jid]
        if b["exceeded"]:
            assert a["exceeded"], jid
            assert a["exceeded_on"] <= b["exceeded_on"], jid


@settings(max_examples=40, deadline=None)
@given(st.lists(sales, max_size=25), st.randoms(use_true_random=False))
def test_the_order_of_rows_does_not_change_the_answer(ledger, rnd):
    rows = [as_row(s) for s in ledger]
    order = list(range(len(rows)))
    rnd.shuffle(order)
    shuffled = [rows[i] for i in order]
    first, second = answer(rows), answer(shuffled)
    for jid, a in first.items():
        b = second[jid]
        for key in ("exceeded", "exceeded_on", "total", "previous_total", "remaining", "obligation_from"):
            assert a[key] == b[key], (jid, key)
        if a["crossing_sale"] is not None:
            # Same-day sales cross in ledger order, so compare the crossing sale's date and jurisdiction total.
            # crossing_sale is the sale's row (the n-th sale is row n + FIRST_DATA_ROW, as in a sheet with a header).
            assert rows[a["crossing_sale"] - FIRST_DATA_ROW][0] == shuffled[b["crossing_sale"] - FIRST_DATA_ROW][0]
