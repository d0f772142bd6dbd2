"""Invariants of US answers on the fixture local table (tests/fixtures/us_local/): the breakdown sums
to the line's tax, per-line and per-document rounding agree within a cent per line, and a ZIP+4 is
never answered less specifically than its ZIP5."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.orders.wire import order_wire

PLACES = [("NY", "10001"), ("NY", "11501"), ("CA", "90001"), ("CA", "94105"), ("TX", "77001"), ("MA", "02108"),
          ("RI", "02903"), ("TN", "37201"), ("CO", "80202"), ("MN", "55405"), ("MN", "55416"), ("HI", "96813"),
          ("PR", "00901"), ("GA", "30301")]
CATEGORIES = ["general", "clothing", "food", "books"]

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
lines = st.lists(st.tuples(amounts, st.sampled_from(CATEGORIES), st.integers(1, 3)), min_size=1, max_size=5)


def _order(place, items, *, rounding="per_line", inclusive=False, shipping=None, zip4=None, marketplace=False):
    state, zip5 = place
    body = {
        "date": "2026-03-10", "currency": "USD", "rounding": rounding, "prices_include_tax": inclusive,
        "seller": {"country": "CN", "us_nexus": [state]}, "ship_from": {"country": "CN"},
        "ship_to": {"country": "US", "region": state, "postal_code": zip5 if zip4 is None else f"{zip5}-{zip4}"},
        "lines": [{"id": str(i), "unit_price": str(a), "quantity": str(q), "category": c} for i, (a, c, q) in enumerate(items)],
    }
    if shipping is not None:
        body["shipping"] = {"amount": str(shipping)}
    if marketplace:
        body["marketplace"] = {"name": "M", "facilitates": True}
    return body


def _calc(book, body):
    return order_wire(compute_order(order=CalculateRequest.model_validate(body), book=book, fx=get_ecb_rates()))


@given(place=st.sampled_from(PLACES), items=lines, rounding=st.sampled_from(["per_line", "per_document"]),
       inclusive=st.booleans(), marketplace=st.booleans())
def test_breakdown_sums_to_the_line_tax(us_local_book, place, items, rounding, inclusive, marketplace):
    out = _calc(us_local_book, _order(place, items, rounding=rounding, inclusive=inclusive, marketplace=marketplace))
    for ln in out["lines"]:
        assert ln["breakdown"], ln
        assert sum(Decimal(b["tax_amount"]) for b in ln["breakdown"]) == Decimal(ln["tax_amount"])
        assert sum(Decimal(b["rate_percent"]) for b in ln["breakdown"]) == Decimal(ln["rate_percent"])
        assert {b["level"] for b in ln["breakdown"]} <= {"state", "county", "city", "special"}
    total = sum(Decimal(ln["tax_amount"]) for ln in out["lines"])
    assert total + Decimal(out["shipping"]["tax_amount"] if out["shipping"] else 0) == Decimal(out["totals"]["tax_amount"])


@given(place=st.sampled_from(PLACES), items=lines, shipping=st.one_of(st.none(), amounts))
def test_per_line_and_per_document_within_a_cent_per_line(us_local_book, place, items, shipping):
    a = _calc(us_local_book, _order(place, items, rounding="per_line", shipping=shipping))
    b = _calc(us_local_book, _order(place, items, rounding="per_document", shipping=shipping))
    n = len(items) + (1 if shipping is not None else 0)
    diff = abs(Decimal(a["totals"]["tax_amount"]) - Decimal(b["totals"]["tax_amount"]))
    assert diff <= Decimal("0.01") * n
    for x, y in zip(a["lines"], b["lines"]):
        assert abs(Decimal(x["tax_amount"]) - Decimal(y["tax_amount"])) <= Decimal("0.01")


@given(place=st.sampled_from(PLACES), zip4=st.integers(0, 9999).map(lambda n: f"{n:04d}"), items=lines)
def test_zip4_never_less_specific_than_zip5(us_local_book, place, zip4, items):
    five = _calc(us_local_book, _order(place, items))["lines"][0]
    plus4 = _calc(us_local_book, _order(place, items, zip4=zip4))["lines"][0]
    rank = {"state": 0, "zip5": 1, "zip4": 2}
    assert rank[plus4["address"]["resolved_by"]] >= rank[five["address"]["resolved_by"]]
    if plus4["address"]["resolved_by"] == five["address"]["resolved_by"]:  # nothing more specific: the same answer
        assert plus4["tax_amount"] == five["tax_amount"] and plus4["breakdown"] == five["breakdown"]
