"""Requests schemathesis found answered with a 5xx or off the documented schema, each kept as the
exact request it sent, with the answer it must get instead."""

from __future__ import annotations

from ..problem_shape import assert_problem_shape


def test_price_warnings_are_documented_as_the_objects_they_are(client):
    """The price's warnings were documented as the engine's [code, detail] pairs, answered as objects."""
    import jsonschema

    from taxapi.app import app

    r = client.get("/v1/price?amount=10&date=2024-12-26&region=TX&country=US")
    assert r.status_code == 200, r.text
    assert r.json()["warnings"][0]["code"] == "local_rate_unknown"  # no ZIP code: the state rate only
    spec = app.openapi()
    jsonschema.validate(r.json(), {**spec["components"]["schemas"]["PriceAnswer"], "components": spec["components"]})
    r = client.get("/v1/price?amount=10&date=2024-12-26&countries=US-TX,DE&currency=EUR")
    assert r.status_code == 200, r.text
    jsonschema.validate(r.json(), {**spec["components"]["schemas"]["PriceTable"], "components": spec["components"]})


def test_a_csv_header_line_left_open_by_a_quote_is_a_422_not_a_500(client):
    # The quote opens a field the bare CR then sits in: the csv module raised on the header line.
    r = client.post("/v1/batch", content=b'0"\r0', headers={"content-type": "text/csv"})
    assert r.status_code == 422, r.text
    assert_problem_shape(r)
    assert r.json()["errors"][0]["loc"][:2] == ["body", "header"]
def test_a_line_total_past_what_an_amount_carries_is_a_422_not_a_500(client):
    # 4e12 × 3e13: the product overflowed the decimal context when the line was rounded.
    order = {"currency": "EUR", "date": "2000-01-01",
             "lines": [{"amount": None, "category": "food", "description": None,
                        "quantity": "4000000000000", "unit_price": "30000000000000"}],
             "seller": {"country": "EL"}, "ship_from": {"country": "EL"}, "ship_to": {"country": "EL"}, "customer": {}}
    r = client.post("/v1/calculate", json=order)
    assert r.status_code == 422, r.text
    assert_problem_shape(r)
    assert [e["loc"][:3] for e in r.json()["errors"]] == [["body", "lines", 0]]


