"""Properties of thresholds in currencies the ECB does not publish:

* a nil threshold never needs an exchange rate: whatever the sales' currencies and days (after the shipped
  ECB data too), it is evaluated, exceeded exactly when a sale was counted, on the first such sale;
* a sale no rate can convert changes no jurisdiction but the one whose test needs the conversion, and no
  row is ever dropped.
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

AS_OF = date(2026, 11, 20)  # after the end of the shipped ECB data (2026-10-30)
START = date(2025, 11, 21)  # every sale inside the 12 months (and the two calendar years) before AS_OF
NIL = ("CL", "CO", "VN", "SA", "AE", "MX", "IN", "KR", "TR")
CURRENCIES = ("CLP", "COP", "VND", "SAR", "AED", "TWD", "USD", "EUR", "JPY", "MXN")

nil_sales = st.tuples(
    st.integers(0, (AS_OF - START).days),
    st.sampled_from(NIL),
    st.decimals(min_value=Decimal("-500"), max_value=Decimal("500"), places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(CURRENCIES),
)


def _evaluate(rows, as_of=AS_OF):
    result = evaluate(seller=Seller("DE"), as_of=as_of, eu_destination_option=False, rows=lambda: rows,
                      rules=get_threshold_rules(), ecb=get_ecb_rates(), book=get_rate_book(), rates_version="p")
    assert result["rows_in"] == result["rows_counted"] + len(result["rejected"]) == len(rows)
    return result


@settings(max_examples=60, deadline=None)
@given(st.lists(nil_sales, max_size=20))
def test_a_nil_threshold_never_needs_a_rate(ledger):
    rows = [((START + timedelta(days=off)).isoformat(), cc, None, None, None, str(amount), cur, None,
             "digital_services", None, None, None) for off, cc, amount, cur in ledger]
    result = _evaluate(rows)
    assert result["rejected"] == []
    for j in result["jurisdictions"]:
        if j["jurisdiction"] not in NIL:
            continue
        assert "error" not in j and j["exceeded"] is not None, j["jurisdiction"]
        mine = sorted((r[0], FIRST_DATA_ROW + i) for i, r in enumerate(rows) if r[1] == j["jurisdiction"] and Decimal(r[5]) > 0)
        assert j["exceeded"] is bool(mine), j["jurisdiction"]
        if mine:
            assert (j["exceeded_on"], j["crossing_sale"]) == mine[0], j["jurisdiction"]


ecb_sales = st.tuples(
    st.integers(0, 300),
    st.sampled_from([("FR", None, "EUR"), ("PL", None, "PLN"), ("US", "GA", "USD"), ("NO", None, "NOK"),
                     ("GB", None, "GBP"), ("JP", None, "JPY"), ("AU", None, "AUD"), ("TH", None, "THB")]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900000"), places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["digital_services", None]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(ecb_sales, max_size=20), st.sampled_from(["USD", "EUR", "CLP", "SAR"]),
       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2))
def test_a_sale_no_rate_converts_fails_only_the_threshold_that_needs_it(ledger, currency, amount):
    start = date(2025, 11, 1)
    rows = [((start + timedelta(days=off)).isoformat(), cc, region, None, None, str(a), cur, None, cat, None, None, None)
            for off, (cc, region, cur), a, cat in ledger]
    before = _evaluate(rows, date(2026, 10, 20))
    after = _evaluate([*rows, ("2026-09-01", "TW", None, None, None, str(amount), currency, None, "digital_services",
                               None, None, None)], date(2026, 10, 20))
    assert after["rejected"] == before["rejected"] == []
    b = {j["jurisdiction"]: j for j in before["jurisdictions"]}
    for j in after["jurisdictions"]:
        if j["jurisdiction"] == "TW":
            assert j["error"]["missing_exchange_rates"][0]["from_currency"] == currency
            assert j["error"]["missing_exchange_rates"][0]["to_currency"] == "TWD"
        else:
            assert j == b[j["jurisdiction"]], j["jurisdiction"]
