"""Reverse pricing is exact to the cent, and the price shortcut equals a fully validated /v1/calculate order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from taxapi.categories import Category
from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.orders.wire import order_dict
from taxapi.rate_tables.loader import get_rate_book
from taxapi.sheets.service import PriceFacts, price

BOOK, FX = get_rate_book(), get_ecb_rates()
DAY = date(2026, 3, 10)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2, allow_nan=False, allow_infinity=False)
countries = st.sampled_from(["DE", "FR", "IT", "AT", "HU", "IE", "LU", "GB", "CH", "NO"])
categories = st.sampled_from([Category.general, Category.books, Category.food, Category.children_clothing])


@given(net=amounts, country=countries, category=categories, market=st.booleans())
@example(net=Decimal("1.24"), country="DE", category=Category.general, market=False)
def test_net_to_shelf_price_and_back_is_exact(net, country, category, market):
    """Keep `net`: the shelf price G it gives, priced as tax-inclusive, gives back exactly `net`."""
    kw = {"country": country, "date": DAY, "category": category, "seller_country": "CN" if market else None,
          "marketplace": "M" if market else None}
    up = price(facts=PriceFacts(amount=net, **kw), book=BOOK, fx=FX)
    assert Decimal(up["net_amount"]) == net
    assert Decimal(up["net_amount"]) + Decimal(up["tax_amount"]) == Decimal(up["gross_amount"])
    down = price(facts=PriceFacts(amount=Decimal(up["gross_amount"]), prices_include_tax=True, **kw), book=BOOK, fx=FX)
    assert Decimal(down["net_amount"]) == net
    assert down["gross_amount"] == up["gross_amount"]
    if up["collected_by"] == "marketplace":
        assert Decimal(up["seller_proceeds"]) == net  # what the seller wanted to keep
    if up["collected_by"] in ("marketplace", "seller"):
        assert Decimal(up["seller_keeps"]) == net  # after the tax it owes, the seller keeps the net it asked for


@given(gross=amounts, country=countries, category=categories)
def test_shelf_price_is_kept_to_the_cent(gross, country, category):
    got = price(facts=PriceFacts(country=country, amount=gross, date=DAY, prices_include_tax=True, category=category), book=BOOK, fx=FX)
    assert Decimal(got["gross_amount"]) == gross
    assert Decimal(got["net_amount"]) + Decimal(got["tax_amount"]) == gross


@given(amount=amounts, country=countries, category=categories, inclusive=st.booleans())
def test_price_equals_a_validated_calculate_order(amount, country, category, inclusive):
    got = price(facts=PriceFacts(country=country, amount=amount, date=DAY, prices_include_tax=inclusive, category=category),
                book=BOOK, fx=FX)
    order = CalculateRequest.model_validate({
        "date": DAY.isoformat(), "currency": BOOK.resolve(country).currency, "prices_include_tax": inclusive,
        "seller": {"country": country}, "ship_from": {"country": country}, "ship_to": {"country": country},
        "lines": [{"amount": str(amount), "category": category.value}],
    })
    line = order_dict(compute_order(order=order, book=BOOK, fx=FX))["lines"][0]
    assert (got["net_amount"], got["tax_amount"], got["gross_amount"], got["rule"]) == (
        line["net_amount"], line["tax_amount"], line["gross_amount"], line["rule"])
