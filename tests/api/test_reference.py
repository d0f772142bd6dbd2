"""Reference endpoints: rates, categories, jurisdictions, tax ids, health."""

from __future__ import annotations

import pytest


def test_health_reports_rates_version(client, rate_book):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "rates_version": rate_book.version}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date=2020-06-30", "19"),
        ("date=2020-07-01", "16"),
        ("date=2020-12-31", "16"),
        ("date=2021-01-01", "19"),
        ("date=2020-07-01&category=books", "5"),
        ("category=books", "7"),
        ("date=2019-12-17&category=ebooks", "19"),
        ("date=2019-12-18&category=ebooks", "7"),
    ],
)
def test_rate_text_answers_bare_number(client, query, expected):
    r = client.get(f"/v1/rates/DE?{query}&format=text")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text == expected


def test_rate_json_names_source_kind_and_version(client, rate_book):
    body = client.get("/v1/rates/de?date=2020-08-01&category=food").json()
    assert body["jurisdiction"] == "DE"
    assert body["rate_kind"] == "reduced"
    assert body["rate_percent"] == "5"
    assert "bgbl120s1512" in body["source"]
    assert body["effective_from"] == "2020-07-01"
    assert body["effective_to"] == "2020-12-31"
    assert body["rates_version"] == rate_book.version


def test_rate_without_date_uses_release_as_of_date(client, rate_book):
    body = client.get("/v1/rates/DE").json()
    assert body["date"] == rate_book.as_of.isoformat()


def test_rate_csv(client):
    r = client.get("/v1/rates/DE?date=2024-01-01&category=books&format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("jurisdiction,date,category,rate_kind,rate_percent")
    assert lines[1].startswith("DE,2024-01-01,books,reduced,7,EUR,")


def test_unknown_jurisdiction_is_a_problem(client):
    r = client.get("/v1/rates/ZZ")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "unknown_jurisdiction"
    assert body["status"] == 404
    assert "ZZ" in body["detail"]


def test_date_before_table_start_is_a_problem(client):
    r = client.get("/v1/rates/DE?date=1990-01-01")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "date_out_of_range"
    assert body["table_starts"] == "2007-01-01"


@pytest.mark.parametrize("bad", ["0", "2024-02-30", "20240101", "2024-1-1", "yesterday"])
def test_bad_date_is_named(client, bad):
    r = client.get(f"/v1/rates/DE?date={bad}")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"] == ["query", "date"]


def test_text_mode_error_is_one_line(client):
    r = client.get("/v1/rates/ZZ?format=text")
    assert r.status_code == 200 and r.headers["taxapi-error-status"] == "404"
    assert r.text.startswith("#ERROR: ")
    assert r.text.count("\n") == 1


def test_unknown_category_is_named(client):
    r = client.get("/v1/rates/DE?category=cigarettes")
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["query", "category"]


def test_rates_table_csv_and_json(client):
    body = client.get("/v1/rates?date=2020-08-01&country=DE").json()
    de = next(r for r in body["rates"] if r["jurisdiction"] == "DE")
    assert (de["standard"], de["reduced"]) == ("16", "5")
    csv_text = client.get("/v1/rates?date=2020-08-01&country=DE&format=csv").text
    assert "\r\nDE,Germany,DE,EUR,eu_vat," in csv_text


def test_categories_map_every_jurisdiction(client, rate_book):
    body = client.get("/v1/categories?date=2026-01-01").json()
    assert {c["category"] for c in body["categories"]} >= {"general", "books", "ebooks", "digital_services", "exempt"}
    in_force = {j for j, v in rate_book.jurisdictions.items() if v.starts_on <= __import__("datetime").date(2026, 1, 1)}
    for entry in body["categories"]:
        if entry["category"] == "performance_premieres":  # optional: only the French tables map it
            assert set(entry["jurisdictions"]) == {j for j in in_force if j == "FR" or j.startswith("FR-")}
            continue
        assert set(entry["jurisdictions"]) == in_force


def test_jurisdictions_list(client, rate_book):
    body = client.get("/v1/jurisdictions").json()
    assert body["count"] == len(rate_book.jurisdictions)
    de = next(j for j in body["jurisdictions"] if j["jurisdiction"] == "DE")
    assert de["currency"] == "EUR" and de["tax_name"].startswith("Umsatzsteuer")


def test_tax_id_valid_and_invalid(client):
    ok = client.get("/v1/tax-ids/DE136695976").json()
    assert ok["valid"] is True and ok["country"] == "DE" and ok["kind"] == "eu_vat"
    bad = client.get("/v1/tax-ids/DE136695977").json()
    assert bad["valid"] is False and "check digit" in bad["reason"]


def test_tax_id_greek_prefix_and_other_countries(client):
    assert client.get("/v1/tax-ids/EL094259216").json()["valid"] is True
    assert client.get("/v1/tax-ids/GB980780684").json()["valid"] is True
    assert client.get("/v1/tax-ids/CHE-107.787.577%20MWST").json()["valid"] is True


def test_tax_id_without_country_is_a_problem(client):
    r = client.get("/v1/tax-ids/12345")
    assert r.status_code == 422
    assert r.json()["code"] == "unsupported_tax_id"


@pytest.mark.parametrize(("day", "expected"), [("2024-08-31", "24"), ("2024-09-01", "25.5")])
def test_finland_rate_change(client, day, expected):
    # Finnish standard rate 24 % -> 25.5 % on 2024-09-01 (Laki arvonlisäverolain muuttamisesta 2024, vero.fi).
    assert client.get(f"/v1/rates/FI?date={day}&format=text").text == expected
    assert client.get(f"/v1/rates/FI?date={day}").json()["rate_percent"] == expected


@pytest.mark.parametrize(
    ("query", "jurisdiction"),
    [
        ("ES-CN", "ES-CN"), ("el", "GR"), ("XI", "XI"), ("CA-ON", "CA-ON"), ("US-CA", "US-CA"),
    ],
)
def test_ids_and_aliases(client, query, jurisdiction):
    assert client.get(f"/v1/rates/{query}?date=2026-01-01").json()["jurisdiction"] == jurisdiction


def test_canadian_province_rate_includes_federal_gst(client):
    body = client.get("/v1/rates/CA-ON?date=2026-01-01").json()
    assert body["rate_percent"] == "13"
    assert [(b["jurisdiction"], b["rate_percent"]) for b in body["breakdown"]] == [("CA", "5"), ("CA-ON", "8")]


def test_alberta_answers_the_same_everywhere(client):
    """Alberta levies no provincial tax: its rate is the federal GST (Excise Tax Act s. 165, 5 %), a
    ``standard`` rate with the federal source, in /v1/rates, /v1/calculate and /v1/price alike."""
    rates = client.get("/v1/rates/CA-AB?date=2026-03-10").json()
    order = {"date": "2026-03-10", "currency": "CAD", "seller": {"country": "CA", "region": "AB"},
             "ship_from": {"country": "CA", "region": "AB"}, "ship_to": {"country": "CA", "region": "AB"},
             "lines": [{"id": "x", "amount": "100.00"}]}
    line = client.post("/v1/calculate", json=order).json()["lines"][0]
    priced = client.get("/v1/price?country=CA-AB&amount=100&date=2026-03-10").json()
    assert rates["rate_kind"] == line["rate_kind"] == priced["rate_kind"] == "standard"
    assert rates["rate_percent"] == line["rate_percent"] == priced["rate_percent"] == "5"
    assert rates["source"] == line["source"] == priced["source"]
    assert "Excise Tax Act" in rates["source"]
    assert line["tax_amount"] == "5.00"
