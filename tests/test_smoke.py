"""Every jurisdiction, every category, on every change date: a well-formed answer, never a crash."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from taxapi.categories import OPTIONAL_CATEGORIES, Category, RateKind
from taxapi.errors import CategoryNotMapped
from taxapi.rate_tables.loader import get_rate_book

BOOK = get_rate_book()


@pytest.mark.parametrize("jurisdiction", list(BOOK.jurisdictions), ids=list(BOOK.jurisdictions))
def test_every_category_maps_on_every_change_date(jurisdiction):
    j = BOOK.jurisdictions[jurisdiction]
    days = {j.starts_on, BOOK.as_of, date(2030, 1, 1)}
    for d in j.change_dates():
        days.update({d, d - timedelta(days=1)})
    for day in sorted(days):
        for category in Category:
            if category in OPTIONAL_CATEGORIES and not j.maps(category):
                with pytest.raises(CategoryNotMapped):  # refused, never a guessed rate
                    j.lookup(category, day)
                continue
            found = j.lookup(category, day)
            assert isinstance(found.rate_kind, RateKind)
            assert Decimal(0) <= found.rate_percent < Decimal(100)
            assert found.source.startswith("http"), (jurisdiction, category, day, found.source)
    assert j.lookup(Category.exempt, BOOK.as_of).rate_kind in {RateKind.exempt, RateKind.none, RateKind.zero}


AWKWARD = ["0.01", "0.05", "1.47", "999999.99", "0"]
DESTINATIONS = [j for j in BOOK.jurisdictions.values() if j.parent is None or j.regime != "ca_provincial"]


@pytest.mark.parametrize("jurisdiction", [j.id for j in DESTINATIONS])
def test_calculate_answers_for_every_destination(client, jurisdiction):
    j = BOOK.jurisdictions[jurisdiction]
    ship_to: dict[str, str] = {"country": j.country}
    for rule in j.match:
        if rule.region:
            ship_to["region"] = rule.region
        if rule.country != j.country:
            ship_to["country"] = rule.country
            break
    if jurisdiction == "XI":
        ship_to = {"country": "XI"}
    for amount in AWKWARD:
        for inclusive in (False, True):
            body = {
                "date": "2026-03-10", "currency": "EUR", "prices_include_tax": inclusive,
                "seller": {"country": "CN"}, "ship_from": {"country": "CN"}, "ship_to": ship_to,
                "lines": [{"id": "1", "amount": amount}, {"id": "2", "amount": amount, "category": "books"}],
                "shipping": {"amount": "1.99"},
            }
            r = client.post("/v1/calculate", json=body)
            assert r.status_code in (200, 422), r.text
            if r.status_code == 200:
                t = r.json()["totals"]
                assert Decimal(t["net_amount"]) + Decimal(t["tax_amount"]) == Decimal(t["gross_amount"])
