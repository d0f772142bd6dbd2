"""The hot endpoints on Starlette routes: documented from their models, served with the app's error handling.

Values: DE 19 % standard rate (UStG § 12(1)); 10.00 net -> 1.90 tax -> 11.90 gross.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from taxapi.app import OPERATIONS, app
from taxapi.orders.schemas import CalculateRequest
from taxapi.sheets.router import BatchQuery, PriceQuery

DAY = "2026-03-10"


def _operation(path: str, method: str) -> dict:
    return app.openapi()["paths"][path][method]


@pytest.mark.parametrize(("path", "method", "model"), [("/v1/price", "get", PriceQuery), ("/v1/batch", "post", BatchQuery)])
def test_query_parameters_are_the_query_model_fields(path, method, model: type[BaseModel]):
    params = _operation(path, method)["parameters"]
    assert [p["name"] for p in params] == list(model.model_fields)
    assert all(p["in"] == "query" for p in params)
    assert {p["name"] for p in params if p["required"]} == {n for n, f in model.model_fields.items() if f.is_required()}
    described = {p["name"]: p.get("description") for p in params}
    assert {n: f.description for n, f in model.model_fields.items()} == described


def test_the_calculate_body_is_the_request_model():
    body = _operation("/v1/calculate", "post")["requestBody"]
    assert body["required"] is True
    assert body["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/CalculateRequest"}}}
    documented = app.openapi()["components"]["schemas"]["CalculateRequest"]
    assert set(documented["properties"]) == set(CalculateRequest.model_fields)
    assert set(documented["required"]) == {n for n, f in CalculateRequest.model_fields.items() if f.is_required()}


def test_every_operation_is_documented_once_with_its_name_and_the_problem_answers():
    paths = app.openapi()["paths"]
    for op in OPERATIONS:
        entry = paths[op.path][op.method.lower()]
        assert entry["operationId"] == op.name
        assert entry["summary"] == op.summary
        assert {"200", "400", "404", "422"} <= set(entry["responses"])
    ids = [entry["operationId"] for item in paths.values() for entry in item.values()]
    assert len(ids) == len(set(ids))


def test_query_values_are_decoded_by_starlette(client):
    # '+' and %20 are spaces, %2C a comma; the amount in German notation is 1.234,50 -> 1234.50 net.
    r = client.get(f"/v1/price?country=DE&amount=1.234%2C50&locale=de_DE&marketplace=Big+Shop%20X&date={DAY}")
    assert r.status_code == 200, r.text
    assert r.json()["net_amount"] == "1234.50"
    assert r.json()["tax_amount"] == "234.56"  # 1,234.50 x 19 % = 234.555 -> 234.56 (half up)


def test_a_repeated_query_parameter_counts_once_the_last_value(client):
    r = client.get(f"/v1/price?country=FR&country=DE&amount=1&amount=10.00&date={DAY}&format=text")
    assert r.status_code == 200, r.text
    assert r.text == "11.90"


def test_query_errors_name_every_field_under_query(client):
    r = client.get("/v1/price?country=DE&date=2026-3-1&format=xml")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    locs = [e["loc"] for e in r.json()["errors"]]
    assert ["query", "date"] in locs and ["query", "amount"] in locs and ["query", "format"] in locs


def test_head_answers_like_get_without_a_body(client):
    url = f"/v1/price?country=DE&amount=10&date={DAY}&format=text"
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"] == "5"


def test_a_wrong_method_on_price_is_a_405_problem_naming_get(client):
    r = client.post(f"/v1/price?country=DE&amount=10&date={DAY}")
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD"}
    assert r.json()["code"] == "method_not_allowed"


def test_a_wrong_method_with_format_text_is_a_text_error(client):
    r = client.put(f"/v1/price?country=DE&amount=10&date={DAY}&format=text")
    assert r.status_code == 405
    assert r.text.startswith("#ERROR: ")
