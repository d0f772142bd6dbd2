"""Every 422 in the app has the same shape, pydantic's or the engine's: a problem document with a
stable ``code`` and ``errors: [{"loc", "msg", "type"}]``, each ``loc`` starting with the part of the
request it names (``body``, ``query``, ``path``, ``header``). One request per kind of refusal on
every endpoint, each with the location it must name."""

from __future__ import annotations

import pytest

from ..problem_shape import assert_problem_shape, problem_shape_faults

ORDER = {"date": "2026-03-10", "currency": "EUR", "seller": {"country": "DE"},
         "ship_from": {"country": "DE"}, "ship_to": {"country": "FR"}, "lines": [{"id": "a", "amount": "10.00"}]}
OSS = {"scheme": "union", "period": "2026-Q3", "member_state_of_identification": "DE",
       "transactions": [{"id": "1", "date": "2026-08-03", "country_of_consumption": "FR", "ship_from_country": "DE", "supply": "goods",
                         "rate_percent": "20", "net_amount": "100.00", "tax_amount": "20.00", "currency": "EUR"}]}
SALES = {"seller": {"country": "DE"}, "as_of": "2026-10-20",
         "sales": [{"date": "2026-03-01", "ship_to": {"country": "FR"}, "net_amount": "9500.00", "currency": "EUR"}]}


def _with(doc, **changes):
    return {**doc, **changes}


# (request, the code, a loc the errors must name)
CASES = {
    # pydantic request validation
    "calculate: missing date": (("POST", "/v1/calculate", {"json": {k: v for k, v in ORDER.items() if k != "date"}}),
                                "validation_error", ["body", "date"]),
    "calculate: amount of the wrong type": (("POST", "/v1/calculate", {"json": _with(ORDER, lines=[{"amount": True}])}),
                                            "validation_error", ["body", "lines", 0, "amount"]),
    "calculate: not JSON": (("POST", "/v1/calculate", {"content": b"{", "headers": {"content-type": "application/json"}}),
                            "validation_error", ["body"]),
    "price: missing amount": (("GET", "/v1/price", {"params": {"date": "2026-03-10", "country": "DE"}}),
                              "validation_error", ["query", "amount"]),
    "rates: not a date": (("GET", "/v1/rates", {"params": {"date": "2026-13-01"}}), "validation_error", ["query", "date"]),
    "rate: unknown category": (("GET", "/v1/rates/DE", {"params": {"category": "cars"}}),
                               "validation_error", ["query", "category"]),
    "categories: not a date": (("GET", "/v1/categories", {"params": {"date": "tomorrow"}}),
                               "validation_error", ["query", "date"]),
    "tax id: country of three letters": (("GET", "/v1/tax-ids/DE136695976", {"params": {"country": "DEU"}}),
                                         "validation_error", ["query", "country"]),
    "oss: transactions not a list": (("POST", "/v1/oss/summary", {"json": _with(OSS, transactions="none")}),
                                     "validation_error", ["body", "transactions"]),
    "thresholds: sale without a date": (
        ("POST", "/v1/thresholds", {"json": _with(SALES, sales=[{k: v for k, v in SALES["sales"][0].items() if k != "date"}])}),
        "validation_error", ["body", "sales", 0, "date"]),
    # the engine's and the edges' own refusals
    "calculate: unknown country": (("POST", "/v1/calculate", {"json": _with(ORDER, ship_to={"country": "ZZ"})}),
                                   "validation_error", ["body", "ship_to", "country"]),
    "calculate: unsupported currency": (("POST", "/v1/calculate", {"json": _with(ORDER, currency="XAU")}),
                                        "validation_error", ["body", "currency"]),
    "calculate: invalid customer tax id": (
        ("POST", "/v1/calculate", {"json": _with(ORDER, customer={"type": "business", "tax_id": "FR00000000000"})}),
        "invalid_tax_id", ["body", "customer", "tax_id"]),
    "calculate: excise goods": (("POST", "/v1/calculate", {"json": _with(ORDER, lines=[{"amount": "10", "excise_goods": True}])}),
                                "excise_goods_not_supported", ["body", "lines", 0, "excise_goods"]),
    "calculate: before the rate table": (
        ("POST", "/v1/calculate", {"json": _with(ORDER, date="2000-03-10", ship_to={"country": "DE"})}),
        "date_out_of_range", ["body", "date"]),
    "price: unknown country": (("GET", "/v1/price", {"params": {"date": "2026-03-10", "amount": "10", "country": "ZZ"}}),
                               "validation_error", ["query", "country"]),
    "price: country and countries": (
        ("GET", "/v1/price", {"params": {"date": "2026-03-10", "amount": "10", "country": "DE", "countries": "FR"}}),
        "validation_error", ["query", "country"]),
    "price: before the rate table": (("GET", "/v1/price", {"params": {"date": "1999-03-10", "amount": "10", "country": "DE"}}),
                                     "date_out_of_range", ["query", "date"]),
    "batch: unknown locale": (("POST", "/v1/batch", {"params": {"locale": "xx_XX"}, "content": b"country,amount\nDE,1\n",
                                                     "headers": {"content-type": "text/csv"}}),
                              "validation_error", ["query", "locale"]),
    "batch: bad delimiter in the form": (
        ("POST", "/v1/batch", {"data": {"delimiter": "|"}, "files": {"file": ("p.csv", b"country,amount\nDE,1\n", "text/csv")}}),
        "validation_error", ["query", "delimiter"]),
    "rate: before the rate table": (("GET", "/v1/rates/DE", {"params": {"date": "1999-03-10"}}),
                                    "date_out_of_range", ["query", "date"]),
    "tax id: no country prefix": (("GET", "/v1/tax-ids/123456789", {}), "unsupported_tax_id", ["path", "id"]),
    "tax id: unsupported country": (("GET", "/v1/tax-ids/123456789", {"params": {"country": "ZZ"}}),
                                    "unsupported_tax_id", ["query", "country"]),
    "oss: IOSS with a quarter": (("POST", "/v1/oss/summary", {"json": _with(OSS, scheme="ioss")}),
                                 "validation_error", ["body", "period"]),
    "oss: query contradicts the body": (("POST", "/v1/oss/summary", {"params": {"period": "2026-Q2"}, "json": OSS}),
                                        "validation_error", ["query", "period"]),
    "oss: CSV without its query": (("POST", "/v1/oss/summary", {"content": b"id\n", "headers": {"content-type": "text/csv"}}),
                                   "validation_error", ["query", "scheme"]),
    "oss: BZSt file of a return identified elsewhere": (
        ("POST", "/v1/oss/summary", {"params": {"format": "bzst"}, "json": _with(OSS, member_state_of_identification="FR")}),
        "unsupported_scenario", ["query", "format"]),
    "oss: BZSt file of a rate the country does not have": (
        ("POST", "/v1/oss/summary", {"params": {"format": "bzst"},
                                     "json": _with(OSS, transactions=[{**OSS["transactions"][0], "rate_percent": "19"}])}),
        "validation_error", ["query", "format", "lines", 0, "rate_kind"]),
    "oss: BZSt file without the dispatch country's VAT number": (
        ("POST", "/v1/oss/summary", {"params": {"format": "bzst"},
                                     "json": _with(OSS, transactions=[{**OSS["transactions"][0], "ship_from_country": "PL"}])}),
        "validation_error", ["body", "establishment_vat_ids", "PL"]),
    "oss: period past the shipped ECB rates": (
        ("POST", "/v1/oss/summary", {"json": _with(OSS, period="2030-Q1", transactions=[
            {**OSS["transactions"][0], "date": "2030-02-01", "currency": "USD"}])}),
        "exchange_rate_not_found", ["body", "period"]),
    "oss: CSV of a period past the shipped ECB rates": (
        ("POST", "/v1/oss/summary", {"params": {"scheme": "union", "period": "2030-Q1", "member_state_of_identification": "DE"},
                                     "content": b"id,date,country_of_consumption,ship_from_country,supply,rate_percent,"
                                                b"net_amount,tax_amount,currency\n1,2030-02-01,FR,DE,goods,20,10.00,2.00,USD\n",
                                     "headers": {"content-type": "text/csv"}}),
        "exchange_rate_not_found", ["query", "period"]),
    "calculate: a currency the ECB does not publish": (
        ("POST", "/v1/calculate", {"json": _with(ORDER, currency="AED", seller={"country": "CN"}, ship_from={"country": "CN"})}),
        "exchange_rate_not_found", ["body", "currency"]),
    "price: a currency the ECB does not publish": (
        ("GET", "/v1/price", {"params": {"date": "2026-03-10", "amount": "10", "country": "FR", "currency": "AED",
                                         "seller_country": "CN", "ship_from": "CN"}}),
        "exchange_rate_not_found", ["query", "currency"]),
    "thresholds: as_of before 1990": (("POST", "/v1/thresholds", {"json": _with(SALES, as_of="1900-01-01")}),
                                      "validation_error", ["body", "as_of"]),
    "thresholds: CSV without seller_country": (
        ("POST", "/v1/thresholds", {"params": {"as_of": "2026-10-20"}, "content": b"date,ship_to.country,net_amount,currency\n",
                                    "headers": {"content-type": "text/csv"}}),
        "validation_error", ["query", "seller_country"]),
}


@pytest.mark.parametrize("request_, code, loc", CASES.values(), ids=CASES.keys())
def test_every_422_is_a_problem_naming_its_fields(client, request_, code, loc):
    method, url, kwargs = request_
    r = client.request(method, url, **kwargs)
    assert r.status_code == 422, r.text
    assert_problem_shape(r)
    body = r.json()
    assert body["code"] == code, body
    assert loc in [e["loc"] for e in body["errors"]], body["errors"]


def test_the_shape_check_refuses_what_it_must():
    """The check itself: a 422 without errors, a loc outside the request, an error without a type."""
    def faults(body, status=422):
        import json

        return problem_shape_faults(status, "application/problem+json", json.dumps(body))

    base = {"type": "https://taxapi.dev/problems/x", "title": "X", "status": 422, "detail": "d", "code": "validation_error"}
    assert faults({**base, "errors": [{"loc": ["body", "date"], "msg": "m", "type": "t"}]}) == []
    assert faults(base) == ["a 422 must list the offending fields in 'errors'"]
    assert faults({**base, "errors": [{"loc": ["date"], "msg": "m", "type": "t"}]})
    assert faults({**base, "errors": [{"loc": ["body"], "msg": "m"}]})
    assert faults({**base, "status": 400})
    assert faults({**base, "code": "Bad Request"}, status=400)
    assert problem_shape_faults(500, "text/html", "<h1>oops</h1>")
    assert problem_shape_faults(422, "text/plain", "#ERROR: amount: must be a decimal\n") == []
