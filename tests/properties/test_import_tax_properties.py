"""Invariants of the tax due at import in the markets whose imports are decided by a value limit or
a flat rate (TH, TW, SA, AE, ZA, CO, IL, TR, MX), checked with hypothesis: an import is never on the
bill, its tax due at import is its base times the rate it shows (the table's, or the flat rate that
replaces it), rounded per line (within a cent where the line's breakdown rounds a duty and the VAT on it apart), exempt lines owe nothing, and the totals add the lines and shipping."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2, allow_nan=False, allow_infinity=False)
markets = st.sampled_from([("TH", "THB"), ("TW", "TWD"), ("SA", "SAR"), ("AE", "AED"), ("ZA", "ZAR"), ("CO", "USD"),
                           ("IL", "USD"), ("TR", "EUR"), ("MX", "USD")])
origins = st.sampled_from(["CN", "US", "DE"])
days = st.sampled_from(["2024-07-04", "2024-09-01", "2025-03-03", "2025-09-01", "2026-03-02"])


@settings(max_examples=150, deadline=None)
@given(market=markets, origin=origins, day=days, lines=st.lists(amounts, min_size=1, max_size=4),
       shipping=st.one_of(st.none(), amounts), count=st.one_of(st.none(), st.integers(0, 12)))
def test_import_tax_is_the_rate_times_the_base_and_never_on_the_bill(market, origin, day, lines, shipping, count):
    country, currency = market
    body = {"date": day, "currency": currency, "seller": {"country": origin}, "ship_from": {"country": origin},
            "ship_to": {"country": country}, "lines": [{"id": str(i), "amount": str(a)} for i, a in enumerate(lines)]}
    if shipping is not None:
        body["shipping"] = {"amount": str(shipping)}
    if count is not None:
        body["customer"] = {"imports_this_half_year": count}
    result = compute_order(order=CalculateRequest.model_validate(body), book=get_rate_book(), fx=get_ecb_rates())
    due = Decimal(0)
    for line in result.lines:
        assert line.tax_amount == 0 and line.collected_by.value == "customs", line
        exempt = line.rule.endswith("de_minimis") or line.rule.endswith(".exempt")
        expected = Decimal(0) if exempt else (line.net_amount * line.rate_percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if line.breakdown:  # a flat rate and the VAT on it (ZA), each rounded: the total is theirs, the rate their share
            assert line.tax_due_at_import == sum(b.tax_amount for b in line.breakdown), line
            assert abs(line.tax_due_at_import - expected) <= Decimal("0.01"), line
        else:
            assert line.tax_due_at_import == expected, line
        due += line.tax_due_at_import
    if result.shipping is not None:
        due += result.shipping.tax_due_at_import
    assert result.totals.tax_due_at_import == due
    assert result.totals.tax_amount == 0 and result.totals.gross_amount == result.totals.net_amount
