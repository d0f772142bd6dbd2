"""Corsica's 0.9 % rate and the admissions to events that select it.

Worked examples from the Code général des impôts (CGI): art. 297 I-1-1° taxes in Corsica at 0.90 %
the operations of art. 281 quater, the receipts of the first 140 performances of a newly created
dramatic, lyrical, musical or choreographic work (BOFiP BOI-TVA-GEO-10-10 § 1-2); art. 281 quater
itself taxes them at 2.10 % on the mainland; art. 296 ter at 1.05 % in Guadeloupe, Martinique and
La Réunion (from 2026-09-01 all three in CIBS art. L. 213-230). An admission is taxed where the
event takes place (Directive 2006/112/EC Art. 53 and 54(1)), the order's ``ship_to``.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from taxapi.categories import OPTIONAL_CATEGORIES, Category, RateKind
from taxapi.errors import CategoryNotMapped

PREMIERES = "performance_premieres"


def _order(postal_code: str, *, seller: str = "FR", day: str = "2026-03-10", category: str = PREMIERES,
           country: str = "FR", **extra) -> dict:
    body = {"date": day, "currency": "EUR", "seller": {"country": seller}, "ship_from": {"country": seller},
            "ship_to": {"country": country, "postal_code": postal_code},
            "lines": [{"id": "ticket", "amount": "100.00", "category": category}]}
    body.update(extra)
    return body


def _line(client, body: dict) -> dict:
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 200, r.text
    return r.json()["lines"][0]


def test_corsican_premiere_is_taxed_at_0_9_percent_with_its_source(client):
    line = _line(client, _order("20000"))  # Ajaccio
    assert line["jurisdiction"] == "FR-20R"
    assert (line["rate_kind"], line["rate_percent"]) == ("second_super_reduced", "0.9")
    assert (line["net_amount"], line["tax_amount"], line["gross_amount"]) == ("100.00", "0.90", "100.90")
    assert line["rule"] == "eu.admission.domestic" and line["collected_by"] == "seller"
    assert "art. 297 I-1-1°: 0.90 %" in line["source"] and line["source"].startswith("https://www.legifrance.gouv.fr/")


def test_corsica_as_people_write_it_and_both_departments(client):
    for postal_code in ("F-20090", "20 200", "20600"):  # Ajaccio (2A), Bastia (2B) written with a prefix or space
        assert _line(client, _order(postal_code))["rate_percent"] == "0.9"


def test_the_day_before_the_table_starts_is_refused_not_guessed(client):
    assert _line(client, _order("20000", day="2014-01-01"))["rate_percent"] == "0.9"
    r = client.post("/v1/calculate", json=_order("20000", day="2013-12-31"))
    assert r.status_code == 422
    assert r.json()["code"] == "date_out_of_range" and r.json()["jurisdiction"] == "FR-20R"


@pytest.mark.parametrize(("postal_code", "jurisdiction", "kind", "percent"), [
    ("75001", "FR", "super_reduced", "2.1"),  # CGI art. 281 quater
    ("97110", "FR-971", "super_reduced", "1.05"),  # art. 296 ter; outside the EU VAT area: no EU VAT on the ticket
])
def test_other_french_territories_keep_their_own_rate(client, postal_code, jurisdiction, kind, percent):
    r = client.get(f"/v1/rates/{jurisdiction}?date=2026-03-10&category={PREMIERES}")
    assert r.status_code == 200, r.text
    assert (r.json()["rate_kind"], r.json()["rate_percent"]) == (kind, percent)
    if jurisdiction == "FR":
        line = _line(client, _order(postal_code))
        assert (line["jurisdiction"], line["rate_percent"], line["tax_amount"]) == ("FR", "2.1", "2.10")


def test_corsica_other_categories_and_the_mainland_unchanged(client):
    assert _line(client, _order("20000", category="general"))["rate_percent"] == "20"
    assert _line(client, _order("20000", category="books"))["rate_percent"] == "2.1"
    rows = {r["jurisdiction"]: r for r in client.get("/v1/rates?date=2026-03-10&country=FR").json()["rates"]}
    assert rows["FR-20R"]["second_super_reduced"] == "0.9" and rows["FR-20R"]["parking"] == "13"
    assert rows["FR"]["second_super_reduced"] is None
    assert (rows["FR"]["standard"], rows["FR"]["super_reduced"]) == ("20", "2.1")
    csv_text = client.get("/v1/rates?date=2026-03-10&country=FR&format=csv").text
    assert "second_super_reduced" in csv_text.splitlines()[0]


def test_the_place_of_the_event_decides_not_the_seller(client):
    # A German organiser selling seats at a premiere in Bastia: French (Corsican) VAT, Art. 54(1).
    line = _line(client, _order("20200", seller="DE"))
    assert (line["jurisdiction"], line["rate_percent"], line["rule"]) == ("FR-20R", "0.9", "eu.admission.destination")
    body = _order("20200", seller="DE")
    body["seller"]["registrations"] = ["DE"]
    r = client.post("/v1/calculate", json=body).json()
    assert [w["code"] for w in r["warnings"]] == ["registration_required"]
    body["seller"]["oss"] = "union"
    line = _line(client, body)
    assert line["scheme"] == "oss_union" and line["tax_amount"] == "0.90"


def test_a_french_business_customer_accounts_for_it(client):
    # CGI art. 283-1, second paragraph: a supplier not established in France, a customer with a French VAT number.
    body = _order("20000", seller="DE", customer={"type": "business", "tax_id": "FR40303265045"})
    line = _line(client, body)
    assert (line["collected_by"], line["rule"], line["jurisdiction"]) == ("customer", "eu.admission.b2b.reverse_charge", "FR-20R")
    assert line["tax_amount"] == "0.00"
    # A business without a French number: the supplier owes the French VAT.
    body["customer"]["tax_id"] = "DE136695976"
    line = _line(client, body)
    assert (line["collected_by"], line["rule"], line["tax_amount"]) == ("seller", "eu.admission.destination", "0.90")


def test_where_no_table_maps_it_the_line_is_refused(client):
    r = client.post("/v1/calculate", json=_order("10115", country="DE"))
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "rate_not_found" and problem["jurisdiction"] == "DE"
    assert problem["errors"][0]["loc"] == ["body", "lines", 0, "category"]
    r = client.get(f"/v1/rates/DE?date=2026-03-10&category={PREMIERES}")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "category"]
    r = client.get(f"/v1/price?country=DE&amount=100&date=2026-03-10&category={PREMIERES}")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "category"]


def test_price_in_corsica(client):
    r = client.get(f"/v1/price?country=FR&postal_code=20000&amount=100&date=2026-03-10&category={PREMIERES}")
    assert r.status_code == 200, r.text
    assert (r.json()["jurisdiction"], r.json()["tax_amount"], r.json()["gross_amount"]) == ("FR-20R", "0.90", "100.90")


def test_categories_list_it_only_where_mapped(client, rate_book):
    body = client.get("/v1/categories?date=2026-03-10").json()
    entry = next(c for c in body["categories"] if c["category"] == PREMIERES)
    assert entry["jurisdictions"]["FR-20R"] == {"rate_kind": "second_super_reduced", "rate_percent": "0.9"}
    assert entry["jurisdictions"]["FR"]["rate_percent"] == "2.1"
    assert "DE" not in entry["jurisdictions"]
    mapped = {j.id for j in rate_book.jurisdictions.values() if j.maps(Category.performance_premieres)}
    assert mapped == {j for j in rate_book.jurisdictions if j == "FR" or j.startswith("FR-")}


def test_only_optional_categories_may_be_missing(rate_book):
    for j in rate_book.jurisdictions.values():
        missing = {c for c in Category if not j.maps(c)}
        assert missing <= OPTIONAL_CATEGORIES, (j.id, missing)
    de = rate_book.get("DE")
    with pytest.raises(CategoryNotMapped):
        de.lookup(Category.performance_premieres, date(2026, 3, 10))


def test_oss_return_knows_the_kind(rate_book):
    from taxapi.oss.periods import Period
    from taxapi.oss.service import rate_kind_for

    period = Period(date(2026, 1, 1), date(2026, 3, 31), quarterly=True)
    assert rate_kind_for(rate_book, "FR", Decimal("0.9"), period) is RateKind.second_super_reduced


def test_a_price_list_prices_corsican_premieres_and_marks_the_row_no_table_maps(client):
    body = ("country,postal_code,amount,category\nFR,20000,100,performance_premieres\n"
            "DE,10115,100,performance_premieres\nFR,75001,100,general\n")
    r = client.post("/v1/batch?date=2026-03-10", content=body, headers={"content-type": "text/csv"})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 3  # every row answered, none dropped
    assert (rows[0]["jurisdiction"], rows[0]["tax_amount"], rows[0]["error"]) == ("FR-20R", "0.90", "")
    assert rows[1]["tax_amount"] == "" and "performance_premieres has no rate in DE" in rows[1]["error"]
    assert rows[2]["tax_amount"] == "20.00"
