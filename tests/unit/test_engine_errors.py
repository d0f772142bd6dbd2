"""Domain errors name fields relative to the request; the HTTP edge says where the request came from."""

from __future__ import annotations

import pytest

from taxapi.ecb import get_ecb_rates
from taxapi.errors import ValidationFailed
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book

ORDER = {"date": "2026-03-10", "currency": "EUR", "seller": {"country": "DE"}, "ship_from": {"country": "DE"},
         "ship_to": {"country": "DE"}, "lines": [{"id": "a", "amount": "-1.00"}, {"id": "b", "amount": "1.001"}]}


def test_the_engine_names_fields_of_the_order():
    with pytest.raises(ValidationFailed) as info:
        compute_order(order=CalculateRequest.model_validate(ORDER), book=get_rate_book(), fx=get_ecb_rates())
    assert [e["loc"] for e in info.value.errors] == [["lines", 0, "amount"], ["lines", 1, "amount"]]
    assert all(set(e) == {"loc", "msg", "type"} for e in info.value.errors)
    assert info.value.detail.startswith("lines.0.amount: must not be negative")


def test_calculate_puts_them_in_the_body_and_pydantic_errors_have_the_same_shape(client):
    ours = client.post("/v1/calculate", json=ORDER).json()
    assert [e["loc"] for e in ours["errors"]] == [["body", "lines", 0, "amount"], ["body", "lines", 1, "amount"]]
    assert ours["detail"].startswith("body.lines.0.amount: ")
    theirs = client.post("/v1/calculate", json={**ORDER, "currency": 1}).json()
    for body in (ours, theirs):
        assert body["code"] == "validation_error"
        assert all(set(e) == {"loc", "msg", "type"} for e in body["errors"])


def test_price_names_its_own_parameters(client):
    r = client.get("/v1/price?country=US&amount=10&date=2026-03-10").json()
    assert r["errors"] == [{"loc": ["query", "region"], "msg": r["errors"][0]["msg"], "type": "value_error"}]
