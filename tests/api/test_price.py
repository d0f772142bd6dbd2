"""GET /v1/price: one price, a price table, text answers for a spreadsheet cell, and agreement with /v1/calculate.

Hand-worked values (rates: DE 19 % standard / 7 % books, UStG § 12(1)/(2) Nr. 1 with Anlage 2;
FR 20 %, CGI art. 278; IT 22 %, DPR 633/1972 art. 16; tax-exclusive: tax = round_half_up(net × rate);
tax-inclusive: tax = round_half_up(gross × rate / (1 + rate)), net = gross − tax).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

DAY = "2026-03-10"
CASES = json.loads((Path(__file__).resolve().parents[1] / "golden" / "cases" / "calculate.json").read_text(encoding="utf-8"))["cases"]


def price(client, **params):
    params.setdefault("date", DAY)
    return client.get("/v1/price", params=params)


# ----- text answers ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        # 100.00 net at 19 %: tax 19.00, gross 119.00; a direct sale: the seller keeps the gross.
        ({"amount": "100"}, None, "119.00"),
        ({"amount": "100"}, "gross", "119.00"),
        ({"amount": "100"}, "net", "100.00"),
        ({"amount": "100"}, "tax", "19.00"),
        ({"amount": "100"}, "seller_proceeds", "119.00"),
        # ... of which it owes the 19.00 VAT (UStG § 13a(1) Nr. 1): it keeps the 100.00 net.
        ({"amount": "100"}, "seller_keeps", "100.00"),
        # Shelf price 1.47 at 19 %: tax 1.47 × 19/119 = 0.2347 -> 0.23, net 1.24.
        ({"amount": "1.47", "prices_include_tax": "true"}, None, "1.24"),
        ({"amount": "1.47", "prices_include_tax": "true"}, "net", "1.24"),
        ({"amount": "1.47", "prices_include_tax": "true"}, "tax", "0.23"),
        ({"amount": "1.47", "prices_include_tax": "true"}, "gross", "1.47"),
        # A Chinese seller through a marketplace from a German warehouse: the marketplace is the deemed
        # supplier (Art. 14a(2) VAT Directive) and withholds the 1.90, the seller keeps the 10.00 net.
        ({"amount": "10", "seller_country": "CN", "marketplace": "Amazon"}, "seller_proceeds", "10.00"),
        ({"amount": "10", "seller_country": "CN", "marketplace": "Amazon"}, "seller_keeps", "10.00"),
        ({"amount": "10", "seller_country": "CN", "marketplace": "Amazon"}, "gross", "11.90"),
        # German locale in and out: 1.234,50 net books at 7 % -> tax 86.415 -> 86.42, gross 1320.92.
        ({"amount": "1.234,50", "locale": "de_DE", "category": "books"}, None, "1320,92"),
        ({"amount": "1.234,50", "locale": "de_DE", "category": "books"}, "tax", "86,42"),
        ({"amount": "12,30", "locale": "de_DE", "category": "books", "prices_include_tax": "true"}, "gross", "12,30"),
    ],
)
def test_text_answer_is_one_bare_number(client, params, field, text):
    if field:
        params = {**params, "field": field}
    r = price(client, country="DE", format="text", **params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text == text
    assert r.headers["x-rates-version"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"country": "DE", "amount": "10", "date": ""}, "date"),
        ({"country": "DE", "amount": "zehn", "locale": "de_DE"}, "amount"),
        ({"country": "DE", "amount": "1.23", "locale": "de_DE"}, "amount"),
        ({"country": "DE", "amount": "10.001"}, "amount: has more than 2 decimal places"),
        ({"country": "US", "amount": "10"}, "region"),
        ({"country": "BR", "amount": "10"}, "currency"),
        ({"country": "DE", "amount": "10", "category": "guns"}, "category"),
        ({"country": "DE", "amount": "10", "locale": "xx_YY"}, "locale"),
        ({"country": "DE", "amount": "-5"}, "amount"),
        ({"amount": "10"}, "country"),
    ],
)
def test_text_errors_are_one_line_for_the_cell(client, params, fragment):
    r = price(client, format="text", **params)
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("#ERROR: ") and r.text.count("\n") == 1
    assert fragment in r.text


def test_json_errors_name_the_query_parameter(client):
    r = price(client, country="US", amount="10")
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert ["query", "region"] in [e["loc"] for e in r.json()["errors"]]
    r = price(client, country="DE", amount="1.23", locale="de_DE")
    assert r.json()["errors"] == [{"loc": ["query", "amount"], "msg": r.json()["errors"][0]["msg"], "type": "value_error"}]


# ----- json and csv ---------------------------------------------------------------------------

def test_json_answer(client):
    r = price(client, country="US-CA", amount="100.00")
    body = r.json()
    assert r.status_code == 200 and body["rates_version"]
    # California state rate 7.25 % (CDTFA); a US seller in the state has nexus by default.
    assert (body["jurisdiction"], body["tax_amount"], body["gross_amount"], body["currency"]) == ("US-CA", "7.25", "107.25", "USD")
    assert "local_rate_unknown" in {w["code"] for w in body["warnings"]}


def test_price_table_csv_for_importdata(client):
    """'I want to keep EUR 10 net on Amazon: what is my shelf price in DE, FR, IT, and what is withheld?'"""
    r = price(client, countries="DE, FR,IT", amount="10", seller_country="CN", marketplace="Amazon", format="csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["country"] for row in rows] == ["DE", "FR", "IT"]
    assert [row["gross_amount"] for row in rows] == ["11.90", "12.00", "12.20"]
    assert [row["tax_collected_by_marketplace"] for row in rows] == ["1.90", "2.00", "2.20"]
    assert {row["seller_proceeds"] for row in rows} == {"10.00"}
    assert {row["taxability_reason"] for row in rows} == {"marketplace_collects"}


def test_price_table_csv_in_german_locale_quotes_decimal_commas(client):
    r = price(client, countries="DE,FR", amount="10", locale="de_DE", format="csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["gross_amount"] for row in rows] == ["11,90", "12,00"]


def test_price_table_json_and_its_limits(client):
    r = price(client, countries="DE,US-CA", amount="10", currency="EUR")
    assert r.status_code == 200
    assert [p["jurisdiction"] for p in r.json()["prices"]] == ["DE", "US-CA"]
    r = price(client, countries="DE,GB", amount="10")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "currency"]
    r = price(client, countries="DE,US", amount="10", currency="EUR")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "countries", 1]
    assert price(client, countries="DE,FR", amount="10", format="text").status_code == 422
    assert price(client, country="DE", countries="FR", amount="10").status_code == 422
    assert price(client, countries="DE,FR", region="CA", amount="10").status_code == 422


# ----- the same answer as /v1/calculate -------------------------------------------------------

def _as_price_query(req: dict) -> dict | None:
    """The /v1/price query for a golden /v1/calculate order, when a price check can state its facts."""
    lines = req.get("lines", [])
    if len(lines) != 1 or req.get("shipping") or req.get("transport_mode") not in (None, "post"):
        return None
    line = lines[0]
    if set(line) - {"id", "amount", "category", "description"} or "amount" not in line:
        return None
    if req.get("customer", {}).get("type", "consumer") != "consumer" or req.get("customer", {}).get("exemption"):
        return None
    seller, origin, dest = req["seller"], req["ship_from"], req["ship_to"]
    if set(seller) - {"country", "region"} or set(origin) - {"country", "region"}:
        return None
    market = req.get("marketplace")
    if market is not None and not market.get("facilitates", True):
        return None

    def where(place: dict) -> str:
        return place["country"] + (f"-{place['region']}" if place.get("region") else "")

    q = {
        "country": where(dest), "amount": line["amount"], "date": req["date"], "currency": req["currency"],
        "prices_include_tax": str(req.get("prices_include_tax", False)).lower(), "category": line.get("category", "general"),
        "seller_country": where(seller), "ship_from": where(origin),
    }
    if dest.get("postal_code"):
        q["postal_code"] = dest["postal_code"]
    if market is not None:
        q["marketplace"] = market["name"]
    if seller["country"] == dest["country"] and not seller.get("region") and dest.get("region"):
        return None  # the price default would put the seller in the destination state
    return q


SAME_FACTS = [c for c in CASES if _as_price_query(c["request"]) is not None]
LINE_FIELDS = ["net_amount", "tax_amount", "gross_amount", "rate_percent", "rate_kind", "jurisdiction", "taxability_reason",
               "collected_by", "scheme", "rule", "source"]
TOTAL_FIELDS = ["tax_collected_by_seller", "tax_collected_by_marketplace", "tax_due_at_import", "tax_reverse_charged", "seller_proceeds",
                "seller_keeps"]


def test_many_golden_orders_are_price_checks():
    assert len(SAME_FACTS) >= 25


@pytest.mark.parametrize("case", SAME_FACTS, ids=[c["name"] for c in SAME_FACTS])
def test_price_equals_calculate_for_the_same_facts(client, case):
    calc = client.post("/v1/calculate", json=case["request"])
    got = client.get("/v1/price", params=_as_price_query(case["request"]))
    assert got.status_code == calc.status_code, (got.text, calc.text)
    if calc.status_code != 200:
        assert got.json()["code"] == calc.json()["code"]
        return
    line, totals, p = calc.json()["lines"][0], calc.json()["totals"], got.json()
    assert {k: p[k] for k in LINE_FIELDS} == {k: line[k] for k in LINE_FIELDS}
    assert {k: p[k] for k in TOTAL_FIELDS} == {k: totals[k] for k in TOTAL_FIELDS}
    assert p["warnings"] == calc.json()["warnings"]
    assert p["rates_version"] == calc.json()["rates_version"]


def test_price_defaults_are_the_documented_calculate_order(client):
    """No seller facts: a domestic seller shipping from the destination, a direct sale, the destination's currency."""
    p = price(client, country="AT", amount="50.00", category="books").json()
    calc = client.post("/v1/calculate", json={
        "date": DAY, "currency": "EUR", "seller": {"country": "AT"}, "ship_from": {"country": "AT"},
        "ship_to": {"country": "AT"}, "lines": [{"amount": "50.00", "category": "books"}],
    }).json()
    assert {k: p[k] for k in LINE_FIELDS} == {k: calc["lines"][0][k] for k in LINE_FIELDS}
    assert p["tax_amount"] == "5.00"  # AT books 10 % (UStG 1994 § 10(2))


def test_a_country_code_that_is_not_iso_is_a_problem_naming_the_parameter(client):
    r = price(client, country="ZZ", amount="10")
    assert r.status_code == 422 and r.json()["errors"] == [{"loc": ["query", "country"], "msg": "'ZZ' is not an ISO 3166-1 alpha-2 country code", "type": "value_error"}]
    r = price(client, countries="DE,UK", amount="10", currency="EUR")
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["query", "countries", 1]
    assert "the United Kingdom is GB" in r.json()["errors"][0]["msg"]
