"""The caller's exchange rates (``exchange_rates`` of /v1/calculate and /v1/thresholds): one model
(:class:`taxapi.orders.schemas.ExchangeRate`) and one look-up (:func:`taxapi.ecb.given_rate`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from taxapi.ecb import given_rate
from taxapi.orders.schemas import ExchangeRate


def rates(*items):
    return [ExchangeRate.model_validate(dict(zip(("from_currency", "to_currency", "rate", "date"), i))) for i in items]


def test_the_pair_either_way_round():
    given = rates(("USD", "TWD", "32", None))
    assert given_rate(given, "USD", "TWD", date(2026, 1, 1)).rate == Decimal(32)
    back = given_rate(given, "TWD", "USD", date(2026, 1, 1))
    assert (back.index, back.inverse, back.rate * 32) == (0, True, Decimal(1))
    assert given_rate(given, "USD", "SAR", date(2026, 1, 1)) is None


def test_the_latest_rate_dated_on_or_before_the_day_wins_over_an_undated_one():
    given = rates(("USD", "TWD", "31", None), ("USD", "TWD", "32.5", "2025-01-01"), ("TWD", "USD", "0.03125", "2025-06-01"))
    day = {d: given_rate(given, "USD", "TWD", date.fromisoformat(d)) for d in ("2024-12-31", "2025-01-01", "2025-05-31",
                                                                                "2025-06-01")}
    assert [(m.index, m.inverse) for m in day.values()] == [(0, False), (1, False), (1, False), (2, True)]
    assert day["2025-06-01"].rate == Decimal(32)  # 1 / 0.03125
    assert given_rate(rates(("USD", "TWD", "32", "2026-03-01")), "USD", "TWD", date(2026, 2, 28)) is None


@pytest.mark.parametrize("rate", ["0", "-1"])
def test_a_rate_is_positive(rate):
    with pytest.raises(ValidationError, match="must be positive"):
        ExchangeRate(from_currency="USD", to_currency="TWD", rate=rate)


def test_calculate_uses_the_rate_dated_for_the_order(client):
    """Taiwan's NT$2,000 customs-value limit: USD 62.50 is NT$2,000.00 at 32 (within) and NT$2,031.25 at 32.5."""
    body = {"date": "2026-03-02", "currency": "USD", "seller": {"country": "CN"}, "ship_from": {"country": "CN"},
            "ship_to": {"country": "TW"}, "lines": [{"id": "a", "amount": "62.50"}],
            "exchange_rates": [{"from_currency": "USD", "to_currency": "TWD", "rate": "32.5", "date": "2026-01-01"},
                               {"from_currency": "USD", "to_currency": "TWD", "rate": "32", "date": "2026-03-01"}]}
    r = client.post("/v1/calculate", json=body).json()
    assert r["lines"][0]["rule"] == "tw.import.de_minimis"
    assert (r["conversions"][0]["rate"], r["conversions"][0]["date"]) == ("32.000000", "2026-03-01")
    body["date"] = "2026-02-28"  # the 2026-03-01 rate does not apply yet: 32.5
    assert client.post("/v1/calculate", json=body).json()["lines"][0]["rule"] == "tw.import"
