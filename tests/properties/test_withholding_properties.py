"""Invariants of the marketplace withholdings, checked with hypothesis: what is withheld never exceeds
the gross, and what the seller is paid, what is withheld and the tax the marketplace collects add up
to the gross, whatever the seller, the market, the prices and the rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2, allow_nan=False, allow_infinity=False)
categories = st.sampled_from(["general", "books", "food", "digital_services", "medicines"])
markets = st.sampled_from([("MX", "MXN"), ("IN", "INR"), ("VN", "VND"), ("ID", "IDR"), ("PH", "PHP"), ("KR", "KRW")])
sellers = st.fixed_dictionaries({
    "type": st.sampled_from(["business", "individual"]),
    "registered": st.booleans(),
    "resident": st.booleans(),
    "payout_abroad": st.booleans(),
})


@given(market=markets, seller=sellers, lines=st.lists(st.tuples(amounts, categories), min_size=1, max_size=5),
       inclusive=st.booleans(), rounding=st.sampled_from(["per_line", "per_document"]),
       shipping=st.one_of(st.none(), amounts), day=st.sampled_from(["2024-07-10", "2025-07-01", "2026-03-02"]),
       states=st.tuples(st.sampled_from(["MH", "KA", "DL", "CH"]), st.sampled_from(["MH", "KA", "DL", "CH"])))
def test_withholdings_never_exceed_the_gross_and_the_payout_adds_up(market, seller, lines, inclusive, rounding, shipping, day,
                                                                    states):
    country, currency = market
    home = country if seller["resident"] else "US"
    state_from, state_to = states  # India: the seller's state and the customer's decide CGST + SGST or IGST
    body = {
        "date": day, "currency": currency, "prices_include_tax": inclusive, "rounding": rounding,
        "seller": {"country": home, "type": seller["type"], "registrations": [country] if seller["registered"] else [],
                   "payout_country": "US" if seller["payout_abroad"] else country,
                   **({"region": state_from} if home == "IN" else {})},
        "marketplace": {"name": "M"}, "ship_from": {"country": home}, "ship_to": {"country": country},
        **({"ship_to": {"country": country, "region": state_to}} if country == "IN" else {}),
        "lines": [{"id": str(i), "amount": str(a if currency not in ("VND", "IDR", "KRW") else a.to_integral_value()), "category": c}
                  for i, (a, c) in enumerate(lines)],
    }
    if home == "IN":
        body["ship_from"] = {"country": "IN", "region": state_from}
    if shipping is not None:
        body["shipping"] = {"amount": str(shipping if currency not in ("VND", "IDR", "KRW") else shipping.to_integral_value())}
    result = compute_order(order=CalculateRequest.model_validate(body), book=get_rate_book(), fx=get_ecb_rates())
    t = result.totals
    items = list(result.lines) + ([result.shipping] if result.shipping is not None else [])
    for item in items:
        held = sum((w.amount for w in item.withholdings), Decimal(0))
        assert Decimal(0) <= held <= item.gross_amount
        for w in item.withholdings:
            assert Decimal(0) < w.base_amount <= item.gross_amount
            if item is not result.shipping:  # apportioned shipping sums its parts' rounded withholdings
                assert w.amount == (w.base_amount * w.rate_percent / 100).quantize(w.base_amount, ROUND_HALF_UP)
    assert t.withheld_by_marketplace == sum((w.amount for item in items for w in item.withholdings), Decimal(0))
    assert Decimal(0) <= t.withheld_by_marketplace <= t.gross_amount
    assert t.seller_proceeds + t.withheld_by_marketplace + t.tax_collected_by_marketplace == t.gross_amount
    assert t.seller_keeps == t.seller_proceeds - t.tax_collected_by_seller
