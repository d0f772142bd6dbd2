"""/v1/price and /v1/batch with the seller facts marketplace withholdings depend on: what the seller keeps.

Worked examples (shared spec markets-rules.md, section 3, vectors 5 and 6; the golden file
tests/golden/markets/MX.json): a sale of MXN 1,000 net through a platform in 2026 bears IVA 160.00,
which the platform collects with the price. With an RFC and a Mexican account it withholds 50 % of
the IVA (80.00, LIVA art. 18-J) and 2.5 % ISR (25.00, Ley de Ingresos 2026 art. 25): 105.00.
Without an RFC it withholds all the IVA (160.00) and 20 % ISR (200.00, LISR art. 113-A): 360.00.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from taxapi.sheets.service import OUTPUT_COLUMNS

DAY = "2026-03-02"
SALE = {"country": "MX", "amount": "1000", "date": DAY, "marketplace": "Mercado Libre"}


def price(client, **params):
    r = client.get("/v1/price", params={**SALE, **params})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(("facts", "withheld"), [
    ({"registrations": "MX", "seller_type": "individual"}, "105.00"),
    ({"registrations": "MX", "seller_type": "business"}, "105.00"),
    ({"registrations": "MX,US-CA"}, "105.00"),
    ({"registrations": "none"}, "360.00"),
    ({"registrations": "US"}, "360.00"),  # registered, but not in Mexico: no RFC
])
def test_price_shows_what_the_platform_withholds_with_and_without_an_rfc(client, facts, withheld):
    p = price(client, **facts)
    assert (p["net_amount"], p["tax_amount"], p["gross_amount"]) == ("1000.00", "160.00", "1160.00")
    assert p["tax_collected_by_marketplace"] == "0.00" and p["tax_collected_by_seller"] == "160.00"
    assert p["withheld_by_marketplace"] == withheld
    # Paid: the gross less what is withheld; kept: less the IVA the seller still owes (the withheld IVA is credited).
    assert Decimal(p["seller_proceeds"]) == Decimal("1160.00") - Decimal(withheld)
    assert Decimal(p["seller_keeps"]) == Decimal(p["seller_proceeds"]) - Decimal("160.00")
    text = client.get("/v1/price", params={**SALE, **facts, "format": "text", "field": "withheld"})
    assert (text.status_code, text.text) == (200, withheld)
    text = client.get("/v1/price", params={**SALE, **facts, "format": "text", "field": "seller_keeps"})
    assert text.text == p["seller_keeps"]


def test_price_without_the_registration_says_the_withholding_was_not_applied(client):
    p = price(client)
    assert p["withheld_by_marketplace"] == "0.00"
    assert "withholding_facts_unknown" in [w["code"] for w in p["warnings"]]


def test_price_in_a_german_locale_writes_the_withheld_amount_with_a_decimal_comma(client):
    r = client.get("/v1/price", params={**SALE, "registrations": "MX", "locale": "de_DE", "format": "text", "field": "withheld"})
    assert r.text == "105,00"
    r = client.get("/v1/price", params={**SALE, "registrations": "MX", "locale": "de_DE", "format": "csv"})
    row = dict(zip(*csv.reader(io.StringIO(r.text))))
    assert row["withheld_by_marketplace"] == "105,00"


def test_payouts_this_year_decide_the_philippine_withholding(client):
    # RR 16-2023: 1 % of half the remittance once the seller's remittances this year pass PHP 500,000
    # (tests/golden/markets/PH.json, vector 14: PHP 10,000 -> 1 % x 5,000 = 50.00).
    base = {"country": "PH", "amount": "10000", "date": DAY, "marketplace": "Lazada", "category": "exempt"}
    above = client.get("/v1/price", params={**base, "payouts_this_year": "600000"}).json()
    below = client.get("/v1/price", params={**base, "payouts_this_year": "100000"}).json()
    assert (above["withheld_by_marketplace"], below["withheld_by_marketplace"]) == ("50.00", "0.00")


def test_a_payout_abroad_is_a_fact_of_the_price(client):
    # Vietnam, Decree 117/2025: a platform withholds VAT 1 % and PIT 0.5 % from a resident individual on goods
    # (markets-rules.md vector 16); a business seller has nothing withheld.
    base = {"country": "VN", "amount": "1000000", "date": DAY, "marketplace": "Shopee"}
    person = client.get("/v1/price", params={**base, "seller_type": "individual"}).json()
    company = client.get("/v1/price", params={**base, "seller_type": "business"}).json()
    assert (person["withheld_by_marketplace"], company["withheld_by_marketplace"]) == ("15000", "0")
    assert client.get("/v1/price", params={**base, "payout_country": "VN"}).status_code == 200


@pytest.mark.parametrize(("params", "loc"), [
    ({"registrations": "M!X"}, "registrations"), ({"seller_type": "company"}, "seller_type"),
    ({"payout_country": "MEX"}, "payout_country"), ({"payouts_this_year": "-5"}, "payouts_this_year"),
    ({"payouts_this_year": "lots"}, "payouts_this_year"),
])
def test_a_bad_seller_fact_is_a_problem_naming_the_parameter(client, params, loc):
    r = client.get("/v1/price", params={**SALE, **params})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["query", loc]


def test_batch_columns_carry_the_seller_facts_and_the_withheld_amount(client):
    body = ("id;country;amount;marketplace;registrations;seller_type;payout_country\n"
            "rfc;MX;1000;M;MX;individual;MX\n"
            "no-rfc;MX;1000;M;none;individual;\n"
            "not-said;MX;1000;M;;;\n"
            "bad;MX;1000;M;M!X;;\n").encode()
    r = client.post("/v1/batch", params={"date": DAY}, content=body, headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][7:] == list(OUTPUT_COLUMNS) and "withheld_by_marketplace" in OUTPUT_COLUMNS
    got = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert [got[k]["withheld_by_marketplace"] for k in ("rfc", "no-rfc", "not-said")] == ["105.00", "360.00", "0.00"]
    assert [got[k]["seller_keeps"] for k in ("rfc", "no-rfc", "not-said")] == ["895.00", "640.00", "1000.00"]
    assert got["not-said"]["warnings"] == "withholding_facts_unknown"
    assert got["bad"]["error"].startswith("registrations: ") and got["bad"]["withheld_by_marketplace"] == ""


def test_batch_takes_the_seller_facts_as_defaults_from_the_query(client):
    body = b"id,country,amount\n1,MX,1000\n"
    r = client.post("/v1/batch", params={"date": DAY, "marketplace": "M", "registrations": "MX", "seller_type": "individual"},
                    content=body, headers={"content-type": "text/csv"})
    row = dict(zip(*list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[:2]))
    assert (row["withheld_by_marketplace"], row["seller_proceeds"]) == ("105.00", "1055.00")
    # /v1/calculate columns flattened name the same facts.
    body = b"id,ship_to_country,amount,marketplace_name,seller_registrations,seller_payouts_this_year\n1,MX,1000,M,MX,0\n"
    r = client.post("/v1/batch", params={"date": DAY}, content=body, headers={"content-type": "text/csv"})
    row = dict(zip(*list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[:2]))
    assert row["withheld_by_marketplace"] == "105.00"
