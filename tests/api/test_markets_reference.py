"""The new markets' tables are served by the reference endpoints like every other table."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/rates/IN?date=2025-09-21&category=medicines", "12"),
        ("/v1/rates/IN?date=2025-09-22&category=medicines", "5"),
        ("/v1/rates/MX-BORDER?date=2025-12-31", "8"),
        ("/v1/rates/MX-BORDER?date=2026-01-01", "16"),
        ("/v1/rates/BR-MG?date=2025-03-31", "17"),
        ("/v1/rates/BR-MG?date=2025-04-01", "20"),
        ("/v1/rates/BR-SP?date=2025-04-01", "17"),
        ("/v1/rates/VN?date=2026-12-31", "8"),
        ("/v1/rates/VN?date=2027-01-01", "10"),
        ("/v1/rates/IL?date=2025-01-01", "18"),
    ],
)
def test_new_tables_answer_by_date(client, path, expected):
    r = client.get(f"{path}&format=text")
    assert r.status_code == 200, r.text
    assert r.text == expected


def test_a_rate_names_its_official_source(client):
    body = client.get("/v1/rates/SA?date=2020-07-01").json()
    assert (body["rate_percent"], body["effective_from"]) == ("15", "2020-07-01")
    assert "mof.gov.sa" in body["source"]


def test_brazil_lists_its_states_and_the_border_table_has_no_address(client):
    rates = client.get("/v1/rates?date=2025-04-01&country=BR").json()
    ids = {r["jurisdiction"] for r in rates["rates"]}
    assert "BR" in ids and len({i for i in ids if i.startswith("BR-")}) == 27
    jurisdictions = {j["jurisdiction"]: j for j in client.get("/v1/jurisdictions").json()["jurisdictions"]}
    assert jurisdictions["MX-BORDER"]["match"] == [] and jurisdictions["MX-BORDER"]["parent"] == "MX"
    assert jurisdictions["BR-SP"]["match"] == [{"country": "BR", "region": "SP", "postal_code": None, "city": None, "note": None}]
