"""The one ASGI layer: rates-version and security headers on every answer, request ids, API keys,
CORS only when configured, access log without personal data, Prometheus metrics, /readyz."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from taxapi.app import create_app
from taxapi.ecb import get_ecb_rates
from taxapi.middleware import key_digest
from taxapi.problems import render_problem
from taxapi.settings import Settings

KEY = "tk_live_3f9a2c"
OTHER_KEY = "tk_live_wrong"
ORDER = {"date": "2026-03-10", "currency": "EUR", "seller": {"country": "DE"}, "ship_from": {"country": "DE"},
         "ship_to": {"country": "DE"}, "lines": [{"id": "1", "amount": "10.00"}]}

#: One request of each kind of answer: JSON, text, CSV, problem, text error, 404, 405, docs page and asset.
ANSWERS = [
    ("GET", "/healthz"), ("GET", "/v1/rates/DE?date=2026-03-10&format=text"), ("GET", "/v1/rates?format=csv"),
    ("GET", "/v1/rates/DE?date=yesterday"), ("GET", "/v1/rates/ZZ?format=text"), ("GET", "/no/such/path"),
    ("DELETE", "/v1/calculate"), ("GET", "/docs"), ("GET", "/docs-assets/swagger-ui.css"), ("POST", "/v1/calculate"),
]


def make_client(**settings) -> TestClient:
    return TestClient(create_app(Settings(**settings)), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def keyed():
    with make_client(api_keys=key_digest(KEY)) as c:
        yield c


@pytest.mark.parametrize(("method", "url"), ANSWERS)
def test_every_answer_names_the_rates_version_and_has_the_security_headers(client, rate_book, method, url):
    r = client.request(method, url, json=ORDER if method == "POST" else None)
    assert r.headers["taxapi-rates-version"] == rate_book.version
    assert "x-rates-version" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert len(r.headers["x-request-id"]) == 32


def test_an_unexpected_error_gets_the_headers_too(rate_book):
    app = create_app(Settings())

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("bug")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom", headers={"x-request-id": "req-500"})
    assert r.status_code == 500 and r.json()["code"] == "internal_error"
    assert r.headers["taxapi-rates-version"] == rate_book.version and r.headers["x-request-id"] == "req-500"


@pytest.mark.parametrize("given", ["abc-123", "0f8e5d7c-3b1a-4c2e-9d6f-8a7b6c5d4e3f", "a" * 128])
def test_a_request_id_is_echoed(client, given):
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["x-request-id"] == given


@pytest.mark.parametrize("given", ["", "a" * 129, "two words", "x\u00e9", "<script>"])
def test_an_unusable_request_id_is_replaced(client, given):
    got = client.get("/healthz", headers={"X-Request-ID": given.encode("utf-8")}).headers["x-request-id"]
    assert got != given and len(got) == 32 and int(got, 16) >= 0


def test_without_keys_configured_no_key_is_needed(client):
    assert client.post("/v1/calculate", json=ORDER).status_code == 200


@pytest.mark.parametrize(("method", "url"), [("POST", "/v1/calculate"), ("GET", "/v1/rates/DE"), ("GET", "/metrics"),
                                             ("GET", "/v1/tax-ids/DE136695976"), ("GET", "/no/such/path")])
def test_with_keys_a_request_without_a_valid_key_is_refused(keyed, rate_book, method, url):
    for headers in ({}, {"Authorization": f"Bearer {OTHER_KEY}"}, {"X-API-Key": OTHER_KEY},
                    {"Authorization": f"Basic {KEY}"}, {"Authorization": "Bearer "}):
        r = keyed.request(method, url, json=ORDER if method == "POST" else None, headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.headers["taxapi-rates-version"] == rate_book.version
        body = r.json()
        assert body["code"] == "unauthorized" and body["status"] == 401
        assert KEY not in r.text and OTHER_KEY not in r.text


def test_with_keys_a_valid_key_is_accepted_either_way(keyed):
    assert keyed.post("/v1/calculate", json=ORDER, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert keyed.post("/v1/calculate", json=ORDER, headers={"authorization": f"bearer {KEY}"}).status_code == 200
    assert keyed.post("/v1/calculate", json=ORDER, headers={"X-API-Key": KEY}).status_code == 200


@pytest.mark.parametrize("url", ["/healthz", "/readyz", "/docs", "/redoc", "/openapi.json", "/docs-assets/swagger-ui-bundle.js"])
def test_with_keys_health_checks_and_docs_stay_open(keyed, url):
    assert keyed.get(url).status_code == 200


def test_with_keys_a_text_caller_sees_the_refusal_in_the_cell(keyed):
    r = keyed.get("/v1/price?country=DE&amount=10&date=2026-03-10&format=text")
    assert r.status_code == 200 and r.headers["taxapi-error-status"] == "401"
    assert r.text.startswith("#ERROR: An API key is required") and r.text.count("\n") == 1


def test_keys_come_from_the_keys_file_too(tmp_path):
    keys = tmp_path / "keys"
    keys.write_text(f"# billing\n{hashlib.sha256(b'from-file').hexdigest()}\n", encoding="utf-8")
    with make_client(api_keys_file=keys) as c:
        assert c.get("/v1/jurisdictions", headers={"X-API-Key": "from-file"}).status_code == 200
        assert c.get("/v1/jurisdictions", headers={"X-API-Key": KEY}).status_code == 401


PREFLIGHT = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type,authorization"}


def test_cors_is_off_unless_configured(client):
    r = client.options("/v1/calculate", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in r.headers
    r = client.post("/v1/calculate", json=ORDER, headers={"Origin": "https://shop.example"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_with_origins_and_keys():
    with make_client(cors_origins="https://shop.example", api_keys=key_digest(KEY)) as c:
        r = c.options("/v1/calculate", headers=PREFLIGHT)  # a browser's preflight carries no key
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://shop.example"
        assert "authorization" in r.headers["access-control-allow-headers"].lower()
        assert r.headers["x-content-type-options"] == "nosniff"
        r = c.post("/v1/calculate", json=ORDER, headers={"Origin": "https://shop.example", "X-API-Key": KEY})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://shop.example"
        assert "TaxAPI-Rates-Version" in r.headers["access-control-expose-headers"]
        r = c.post("/v1/calculate", json=ORDER, headers={"Origin": "https://shop.example"})
        assert r.status_code == 401 and r.headers["access-control-allow-origin"] == "https://shop.example"
        r = c.options("/v1/calculate", headers={**PREFLIGHT, "Origin": "https://evil.example"})
        assert r.status_code == 400 and "access-control-allow-origin" not in r.headers


def _access_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "taxapi.access"]


def test_the_access_log_names_the_route_not_the_tax_id_or_the_query(client, caplog):
    caplog.set_level(logging.INFO, logger="taxapi.access")
    client.get("/v1/tax-ids/DE136695976", headers={"X-Request-ID": "req-1"})
    client.get("/v1/price?country=DE&postal_code=27498&amount=1234.56&date=2026-03-10", headers={"X-Request-ID": "req-2"})
    lines = {line["request_id"]: line for line in _access_lines(caplog)}
    assert set(lines["req-1"]) == {"request_id", "method", "route", "status", "duration_ms"}
    assert lines["req-1"]["route"] == "/v1/tax-ids/{id}" and lines["req-1"]["status"] == 200
    assert lines["req-2"]["route"] == "/v1/price" and lines["req-2"]["method"] == "GET"
    assert lines["req-1"]["duration_ms"] >= 0
    text = caplog.text
    for secret in ("136695976", "27498", "1234.56"):
        assert secret not in text


def test_the_access_log_shows_values_only_when_enabled(caplog):
    caplog.set_level(logging.INFO, logger="taxapi.access")
    with make_client(access_log_values=True) as c:
        c.get("/v1/tax-ids/DE136695976?country=DE", headers={"X-Request-ID": "req-v"})
    [line] = [line for line in _access_lines(caplog) if line["request_id"] == "req-v"]
    assert line["path"] == "/v1/tax-ids/DE136695976" and line["query"] == "country=DE"


def test_the_access_log_can_be_turned_off(caplog):
    caplog.set_level(logging.INFO, logger="taxapi.access")
    with make_client(access_log=False) as c:
        c.get("/healthz", headers={"X-Request-ID": "req-off"})
    assert not [line for line in _access_lines(caplog) if line["request_id"] == "req-off"]


def _sample(text: str, name: str, **labels: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_metrics_count_requests_per_route_template(client):
    before = client.get("/metrics").text
    for number in ("DE136695976", "FR40303265045", "NOT-A-NUMBER"):
        client.get(f"/v1/tax-ids/{number}")
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    labels = {"method": "GET", "route": "/v1/tax-ids/{id}"}
    assert _sample(r.text, "taxapi_http_requests_total", status="200", **labels) \
        - _sample(before, "taxapi_http_requests_total", status="200", **labels) == 3
    assert _sample(r.text, "taxapi_http_request_duration_seconds_count", **labels) \
        - _sample(before, "taxapi_http_request_duration_seconds_count", **labels) == 3
    assert "DE136695976" not in r.text


def test_metrics_can_be_turned_off():
    with make_client(metrics=False) as c:
        assert c.get("/metrics").status_code == 404


def test_readyz_names_what_is_loaded(client, rate_book):
    r = client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    ecb = get_ecb_rates()
    assert body["status"] == "ready" and body["rates_version"] == rate_book.version
    assert body["rates_as_of"] == rate_book.as_of.isoformat()
    assert body["jurisdictions"] == len(rate_book.jurisdictions) and body["threshold_rules"] > 0
    assert body["ecb_last_date"] == ecb.last_date.isoformat() and body["ecb_first_date"] == ecb.first_date.isoformat()


def test_the_openapi_document_declares_the_key_schemes(client):
    doc = client.get("/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["apiKeyHeader"]["name"] == "X-API-Key"
    assert {} in doc["security"]  # keys are optional: a server without keys configured needs none
    assert doc["paths"]["/healthz"]["get"]["security"] == [] and doc["paths"]["/readyz"]["get"]["security"] == []
    assert "401" in doc["paths"]["/v1/calculate"]["post"]["responses"]
    ok = doc["paths"]["/v1/price"]["get"]["responses"]["200"]["headers"]
    assert set(ok) == {"TaxAPI-Rates-Version", "X-Request-ID", "TaxAPI-Error-Status"}  # price answers text
    problem = doc["paths"]["/v1/calculate"]["post"]["responses"]["422"]["headers"]
    assert set(problem) == {"TaxAPI-Rates-Version", "X-Request-ID"}
    assert doc["components"]["headers"]["TaxAPI-Rates-Version"]["required"] is True


def test_a_text_error_reaches_the_cell_with_its_real_status_in_a_header(client):
    """docs/sheets.md, "Errors in a cell": the spreadsheet functions show nothing but an error for non-2xx."""
    r = client.get("/v1/price?country=DE&amount=10&format=text")
    assert r.status_code == 200 and r.text == "#ERROR: query.date: Field required\n"
    assert r.headers["taxapi-error-status"] == "422" and r.headers["cache-control"] == "no-store"
    json_answer = client.get("/v1/price?country=DE&amount=10")  # other formats keep the real status
    assert json_answer.status_code == 422 and json_answer.headers["content-type"] == "application/problem+json"
    assert "taxapi-error-status" not in json_answer.headers


@given(detail=st.text(max_size=400), status=st.sampled_from([400, 401, 404, 413, 415, 422, 500]))
def test_a_text_error_is_always_one_short_line_with_status_200(detail, status):
    code, media_type, body, headers = render_problem({"status": status, "detail": detail}, text=True)
    line = body.decode("utf-8")
    assert code == 200 and media_type.startswith("text/plain") and headers["TaxAPI-Error-Status"] == str(status)
    assert line.startswith("#ERROR: ") and line.endswith("\n") and line.count("\n") == 1 and "\r" not in line
    assert len(line) <= 251


@given(given_id=st.binary(max_size=200))
def test_a_request_id_is_echoed_exactly_when_it_is_a_short_token(client, given_id):
    got = client.get("/healthz", headers={"X-Request-ID": given_id}).headers["x-request-id"].encode("latin-1")
    if re.fullmatch(rb"[A-Za-z0-9._:@/+=-]{1,128}", given_id):
        assert got == given_id
    else:
        assert re.fullmatch(rb"[0-9a-f]{32}", got)


@given(key=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=80))
def test_only_the_configured_key_opens_the_api(keyed, key):
    r = keyed.get("/v1/jurisdictions", headers={"X-API-Key": key})
    assert r.status_code == (200 if key == KEY else 401)


def test_readyz_is_a_503_problem_when_a_table_cannot_be_loaded(client, monkeypatch):
    import taxapi.ecb

    def broken():
        raise taxapi.ecb.EcbDataError("/data/ecb/eurofxref-hist.zip: cannot be read (Permission denied)")

    monkeypatch.setattr(taxapi.ecb, "get_ecb_rates", broken)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_ready" and "Permission denied" in r.json()["detail"]


def test_hsts_only_over_https():
    app = create_app(Settings())
    with TestClient(app, base_url="https://testserver") as secure, TestClient(app) as plain:
        assert secure.get("/healthz").headers["strict-transport-security"] == "max-age=31536000"
        assert "strict-transport-security" not in plain.get("/healthz").headers


def test_made_request_ids_are_unique_and_differ_between_processes():
    import multiprocessing

    from taxapi.middleware import RequestIds

    ids = RequestIds()
    made = [next(ids) for _ in range(10_000)]
    assert len(set(made)) == len(made) and all(len(i) == 32 and int(i, 16) >= 0 for i in made)
    other = RequestIds()
    assert next(other)[:16] != made[0][:16]  # each layer draws its own random half
    if "fork" in multiprocessing.get_all_start_methods():
        import warnings

        read, write = os.pipe()
        with warnings.catch_warnings():  # Python 3.12+ warns about forking a process with threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: a forked server worker must not repeat the parent's ids
            os.write(write, next(ids))
            os._exit(0)
        os.waitpid(pid, 0)
        child = os.read(read, 64)
        assert child[:16] != made[0][:16] and child not in made
