"""The hot operations served by ``HotRoutes`` answer exactly as the app's full stack does.

The same requests go once the hot way and once through the whole stack (a ``root_path`` sends a request
past ``HotRoutes``, to the router that strips it), and the answers are compared byte for byte but for the
request id. Values: DE 19 % standard rate (UStG § 12(1)); 10.00 net -> 1.90 tax -> 11.90 gross.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from taxapi.app import OPERATIONS, create_app
from taxapi.orders import router as orders_router
from taxapi.routing import HotRoutes
from taxapi.settings import Settings

DAY = "2026-03-10"
ORDER = {"date": DAY, "currency": "EUR", "seller": {"country": "DE"}, "ship_from": {"country": "DE"},
         "ship_to": {"country": "DE"}, "lines": [{"id": "a", "amount": "10.00"}]}
JSON = {"content-type": "application/json"}

REQUESTS = [
    ("POST", "/v1/calculate", json.dumps(ORDER), JSON),  # 200
    ("POST", "/v1/calculate", json.dumps({**ORDER, "currency": "EURO"}), JSON),  # 422 from pydantic
    ("POST", "/v1/calculate", json.dumps({**ORDER, "date": "1990-01-01"}), JSON),  # 422 from the engine, located in the body
    ("POST", "/v1/calculate", json.dumps(ORDER), {"content-type": "text/plain"}),  # 415
    ("POST", "/v1/calculate", "{" * 10, JSON),  # 422 invalid JSON
    ("GET", "/v1/calculate", None, {}),  # 405: not a hot (method, path), served by the router
    ("GET", f"/v1/price?country=DE&amount=11.90&date={DAY}", None, {}),
    ("GET", f"/v1/price?country=DE&amount=11.90&date={DAY}&format=text", None, {}),
    ("GET", f"/v1/price?country=XX&amount=11.90&date={DAY}", None, {}),  # 422 naming the query parameter
    ("GET", f"/v1/price?country=DE&amount=11.90&date={DAY}&format=text&currency=EURO", None, {}),  # '#ERROR:' line
]


def _answer(client: TestClient, method: str, path: str, body: str | None, headers: dict) -> tuple:
    r = client.request(method, path, content=body, headers={**headers, "x-request-id": "fixed"})
    return r.status_code, sorted((k, v) for k, v in r.headers.items() if k != "content-length"), r.content


@pytest.fixture(scope="module")
def clients():
    app = create_app()
    return TestClient(app), TestClient(app, root_path="/api")


@pytest.mark.parametrize(("method", "path", "body", "headers"), REQUESTS)
def test_the_hot_way_and_the_whole_stack_answer_alike(clients, method, path, body, headers):
    hot, stacked = clients
    first = _answer(hot, method, path, body, headers)
    assert first == _answer(stacked, method, "/api" + path, body, headers)
    if method == "POST" and headers == JSON and body == json.dumps(ORDER):
        assert first[0] == 200 and json.loads(first[2])["totals"]["tax_amount"] == "1.90"


def _hot_routes(app) -> HotRoutes:
    layer = app.middleware_stack
    while not isinstance(layer, HotRoutes):
        layer = layer.app
    return layer


def test_every_operation_is_served_the_hot_way():
    app = create_app()
    app.middleware_stack = app.build_middleware_stack()
    hot = _hot_routes(app)
    assert set(hot.routes) == {(op.method, op.path) for op in OPERATIONS}
    stack, seen = hot.app, []

    async def watched(scope, receive, send):  # what reaches the full stack
        seen.append(scope["path"])
        await stack(scope, receive, send)

    hot.app = watched
    client = TestClient(app)
    assert client.post("/v1/calculate", json=ORDER).status_code == 200
    assert client.get(f"/v1/price?country=DE&amount=11.90&date={DAY}").status_code == 200
    assert seen == []
    assert client.get("/healthz").status_code == 200
    assert client.get("/v1/calculate").status_code == 405
    assert seen == ["/healthz", "/v1/calculate"]


def test_an_unexpected_error_is_a_logged_500_problem_on_the_hot_way(monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(orders_router, "compute_order", broken)
    client = TestClient(create_app(Settings()), raise_server_exceptions=False)
    r = client.post("/v1/calculate", json=ORDER)
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "internal_error"
    assert "boom" not in r.text
    assert r.headers["x-request-id"] and r.headers["taxapi-rates-version"]
    assert any(rec.exc_info and isinstance(rec.exc_info[1], RuntimeError) for rec in caplog.records)
    with pytest.raises(RuntimeError, match="boom"):  # and raised again for the server to log, as Starlette does
        TestClient(create_app(Settings())).post("/v1/calculate", json=ORDER)
