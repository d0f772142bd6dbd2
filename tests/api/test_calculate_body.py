"""How POST /v1/calculate reads its body: chunked uploads, the size limit, the content type, malformed JSON."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.requests import ClientDisconnect, Request

from taxapi.errors import PayloadTooLarge
from taxapi.ingest import get_limits
from taxapi.orders.router import read_body

MAX_BODY = get_limits().max_body_bytes_calculate

ORDER = {
    "date": "2026-03-10", "currency": "EUR",
    "seller": {"country": "DE"}, "ship_from": {"country": "DE"}, "ship_to": {"country": "DE"},
    "lines": [{"amount": "100.00"}],
}


def _request(*messages: dict) -> Request:
    queue = list(messages)

    async def receive() -> dict:
        return queue.pop(0)

    return Request({"type": "http", "method": "POST", "headers": [(b"content-type", b"application/json")]}, receive)


def test_a_body_in_several_chunks_is_joined():
    raw = json.dumps(ORDER).encode()
    parts = [raw[:10], raw[10:200], raw[200:]]
    req = _request(*({"type": "http.request", "body": p, "more_body": i < 2} for i, p in enumerate(parts)))
    assert asyncio.run(read_body(req)) == raw
    assert asyncio.run(req.body()) == raw  # still readable by anything after


def test_reading_stops_past_the_limit():
    chunk = b" " * (MAX_BODY // 2 + 1)
    third = {"type": "http.request", "body": b"never read", "more_body": False}
    req = _request({"type": "http.request", "body": chunk, "more_body": True},
                   {"type": "http.request", "body": chunk, "more_body": True}, third)
    with pytest.raises(PayloadTooLarge):
        asyncio.run(read_body(req))


def test_a_client_that_disconnects_is_not_an_error_response():
    req = _request({"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"})
    with pytest.raises(ClientDisconnect):
        asyncio.run(read_body(req))


def test_an_oversized_body_is_a_413_problem_naming_the_limit(client):
    body = b'{"date": "2026-03-10", "pad": "' + b"x" * MAX_BODY + b'"}'
    r = client.post("/v1/calculate", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "payload_too_large" and problem["limit_bytes"] == MAX_BODY
    assert any(e["loc"][0] == "body" and "larger than" in e["msg"] for e in problem["errors"]), problem


def test_a_chunked_body_over_the_limit_is_a_413(client):
    def chunks():
        yield b'{"date": "2026-03-10", "pad": "'
        for _ in range(MAX_BODY // 65536 + 1):
            yield b"x" * 65536
        yield b'"}'

    r = client.post("/v1/calculate", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_a_body_not_declared_as_json_is_a_415(client, content_type):
    """A cross-site form can post text/plain or form data without a preflight: such a body is not read."""
    headers = {"content-type": content_type} if content_type else {}
    r = client.post("/v1/calculate", content=json.dumps(ORDER).encode(), headers=headers)
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"
    assert r.json()["errors"][0]["loc"] == ["header", "content-type"]


def test_json_nested_100000_deep_is_a_422(client):
    r = client.post("/v1/calculate", content=b"[" * 100_000 + b"]" * 100_000, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][0] == "body"
    r = client.post("/v1/calculate", content=b'{"lines":' * 100_000 + b"1" + b"}" * 100_000,
                    headers={"content-type": "application/json; charset=utf-8"})
    assert r.status_code == 422


def test_malformed_json_is_a_problem_not_a_crash(client):
    r = client.post("/v1/calculate", content=b'{"date": "2026-03-10",', headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"][0] == "body"


def test_a_valid_order_still_answers(client):
    r = client.post("/v1/calculate", json=ORDER)
    assert r.status_code == 200, r.text
    assert r.json()["totals"]["tax_amount"] == "19.00"


def test_a_wrong_method_on_a_direct_route_is_a_405_problem(client):
    for path in ("/v1/calculate", "/v1/batch"):
        r = client.get(path)
        assert r.status_code == 405
        assert r.headers["allow"] == "POST"
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "method_not_allowed"


def test_a_domain_error_on_a_direct_route_goes_through_the_app_handlers(client):
    bad = dict(ORDER, ship_to={"country": "US"})  # no state: the rules refuse it, not pydantic
    r = client.post("/v1/calculate", json=bad)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert ["body", "ship_to", "region"] in [e["loc"] for e in r.json()["errors"]]
