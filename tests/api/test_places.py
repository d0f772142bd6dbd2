"""Addresses and numbers as people write them.

Postcodes of the special territories, from the tables' own ``match`` rules and the sources cited there:
Åland 22xxx (usually written AX-22100), Büsingen 78266, Heligoland 27498, Canary Islands 35xxx/38xxx,
Ceuta 51xxx, Livigno 23041, Campione d'Italia 22061, Greek islands 811xx, Mount Athos 63086,
Jungholz A-6691 / D-87491, Kleinwalsertal A-6991..6993 / D-87567..87569, Corsica 20xxx,
Guadeloupe 971xx, Madeira 90xx-xxx, Azores 95xx-xxx. The old CEPT/vehicle prefixes are those of
the UN Convention on Road Traffic 1968 (D, A, E, I, F, GR, ...). 22060 and 23030 are postcodes that
several comuni share (notes in IT-CAMPIONE.json and IT-LIVIGNO.json); only Campione d'Italia and
Livigno/Trepalle among them are outside the EU VAT territory (Directive 2006/112/EC Art. 6).
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from taxapi.rate_tables.model import POSTCODE_PREFIXES, normalise_city, normalise_postcode
from taxapi.tax_ids import validate_tax_id

DAY = "2026-03-10"

# (country, bare postcode, the territory it is)
TERRITORY_POSTCODES = [
    ("FI", "22100", "FI-01"), ("DE", "78266", "DE-BUSINGEN"), ("DE", "27498", "DE-HELGOLAND"),
    ("ES", "35001", "ES-CN"), ("ES", "38001", "ES-CN"), ("ES", "51001", "ES-CE"), ("IT", "23041", "IT-LIVIGNO"),
    ("IT", "22061", "IT-CAMPIONE"), ("GR", "81100", "GR-ISLANDS"), ("GR", "63086", "GR-69"),
    ("AT", "6691", "AT-JUNGHOLZ"), ("AT", "6991", "AT-MITTELBERG"), ("FR", "20000", "FR-20R"),
    ("FR", "97100", "FR-971"), ("PT", "9000-123", "PT-30"), ("PT", "9500-123", "PT-20"),
]


def order(ship_to, **extra):
    body = {
        "date": DAY, "currency": "EUR", "seller": {"country": "DE"}, "ship_from": {"country": "DE"},
        "ship_to": ship_to, "lines": [{"id": "1", "amount": "100.00"}],
    }
    body.update(extra)
    return body


def calc(client, ship_to, **extra):
    r = client.post("/v1/calculate", json=order(ship_to, **extra))
    assert r.status_code == 200, r.text
    return r.json()


def codes(answer):
    return [w["code"] for w in answer["warnings"]]


# ----- country prefixes and spaces ------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "written", "territory"),
    [
        ("FI", "AX-22100", "FI-01"), ("FI", "AX 22100", "FI-01"), ("DE", "D-78266", "DE-BUSINGEN"),
        ("ES", "E-35001", "ES-CN"), ("IT", "I-23041", "IT-LIVIGNO"), ("GR", "GR-81100", "GR-ISLANDS"),
        ("GR", "GR 811 00", "GR-ISLANDS"), ("AT", "A-6691", "AT-JUNGHOLZ"), ("FR", "F-20000", "FR-20R"),
        ("PT", "P-9000-123", "PT-30"), ("GB", "GB-BT1 1AA", "XI"),
    ],
)
def test_postcodes_written_with_a_country_prefix_reach_the_territory(client, rate_book, country, written, territory):
    assert rate_book.resolve(country, None, written).id == territory
    bare = normalise_postcode(written, country)
    assert bare != "".join(written.split()).upper()  # the prefix was there and is gone
    assert calc(client, {"country": country, "postal_code": written}) == calc(client, {"country": country, "postal_code": bare})


@given(
    case=st.sampled_from(TERRITORY_POSTCODES),
    pick=st.integers(0, 10),
    separator=st.sampled_from(["-", " ", "", " - ", "\u2013"]),
    lower=st.booleans(),
)
@example(case=("FI", "22100", "FI-01"), pick=2, separator=" ", lower=False)  # "AX 22100"
def test_any_prefix_of_the_country_resolves_like_the_bare_postcode(rate_book, case, pick, separator, lower):
    country, bare, territory = case
    codes_ = [country, *POSTCODE_PREFIXES.get(country, ())]
    written = codes_[pick % len(codes_)] + separator + bare
    if lower:
        written = written.lower()
    assert rate_book.resolve(country, None, bare).id == territory
    assert rate_book.resolve(country, None, written).id == territory


@pytest.mark.parametrize(
    ("country", "written", "expected"),
    [
        ("DE", "A-6691", "A-6691"),  # another country's prefix is not this country's
        ("MT", "MST 1000", "MST1000"),  # letters that belong to the postcode stay
        ("GB", "SW1A 1AA", "SW1A1AA"),
        ("NL", "1012 AB", "1012AB"),
        ("PT", "9000-123", "9000-123"),
        ("DE", "d-78266", "78266"),
    ],
)
def test_only_the_countrys_own_prefixes_are_taken_off(country, written, expected):
    assert normalise_postcode(written, country) == expected


def test_an_ordinary_postcode_with_a_prefix_stays_the_country(client):
    assert calc(client, {"country": "DE", "postal_code": "D-10115"})["lines"][0]["jurisdiction"] == "DE"


# ----- IC, Jungholz and Mittelberg ------------------------------------------------------------


def test_ic_is_the_canary_islands(client):
    as_ic = calc(client, {"country": "IC"})
    as_es = calc(client, {"country": "ES", "postal_code": "35001"})
    assert as_ic == as_es
    line = as_ic["lines"][0]
    assert line["jurisdiction"] == "ES-CN" and line["tax_amount"] == "0.00"  # an export (Art. 6(1) b)
    r = client.get("/v1/price", params={"country": "IC", "amount": "10", "date": DAY})
    assert r.status_code == 200 and r.json()["jurisdiction"] == "ES-CN"


@pytest.mark.parametrize(
    ("country", "postcode", "territory"),
    [("DE", "87491", "AT-JUNGHOLZ"), ("AT", "87491", "AT-JUNGHOLZ"), ("DE", "87567", "AT-MITTELBERG"),
     ("DE", "D-87568", "AT-MITTELBERG"), ("DE", "87569", "AT-MITTELBERG"), ("AT", "87569", "AT-MITTELBERG")],
)
def test_the_german_postcodes_of_jungholz_and_the_kleinwalsertal_are_austria(client, country, postcode, territory):
    answer = calc(client, {"country": country, "postal_code": postcode})
    assert answer["lines"][0]["jurisdiction"] == territory


def test_a_neighbouring_german_postcode_stays_germany(client):
    # 87561 Oberstdorf, next to the Kleinwalsertal, is Germany.
    assert calc(client, {"country": "DE", "postal_code": "87561"})["lines"][0]["jurisdiction"] == "DE"


# ----- postcodes several towns share ----------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "town", "territory"),
    [("22060", "Campione d'Italia", "IT-CAMPIONE"), ("23030", "Livigno", "IT-LIVIGNO"), ("23030", "Trepalle", "IT-LIVIGNO")],
)
def test_a_shared_postcode_is_decided_by_the_city(client, rate_book, postcode, town, territory):
    # A German seller's distance sale: Italian VAT (22 %) in Italy, an export from the EU in the territory.
    without = calc(client, {"country": "IT", "postal_code": postcode})
    line = without["lines"][0]
    assert (line["jurisdiction"], line["rate_percent"], line["tax_amount"]) == ("IT", "22", "22.00")
    warning = next(w for w in without["warnings"] if w["code"] == "territory_depends_on_city")
    assert postcode in warning["detail"] and town in warning["detail"] and "ship_to.city" in warning["detail"]
    assert rate_book.locate("IT", None, postcode).needs_city is not None

    named = calc(client, {"country": "IT", "postal_code": postcode, "city": town.upper()})
    assert named["lines"][0]["taxability_reason"] == "export" and "territory_depends_on_city" not in codes(named)
    assert named == calc(client, {"country": "IT", "postal_code": "22061" if territory == "IT-CAMPIONE" else "23041"})
    assert rate_book.resolve("IT", None, postcode, town).id == territory

    other = calc(client, {"country": "IT", "postal_code": postcode, "city": "Sondrio"})
    assert other["lines"][0]["rate_percent"] == "22" and "territory_depends_on_city" not in codes(other)


@pytest.mark.parametrize(("postcode", "territory"), [("22061", "IT-CAMPIONE"), ("23041", "IT-LIVIGNO")])
def test_a_towns_own_postcode_needs_no_city(client, rate_book, postcode, territory):
    assert rate_book.locate("IT", None, postcode).jurisdiction.id == territory
    answer = calc(client, {"country": "IT", "postal_code": postcode})
    assert answer["lines"][0]["taxability_reason"] == "export" and "territory_depends_on_city" not in codes(answer)


def test_price_takes_the_city_too(client):
    base = {"country": "IT", "postal_code": "22060", "amount": "10", "date": DAY}
    without = client.get("/v1/price", params=base).json()
    assert without["jurisdiction"] == "IT" and "territory_depends_on_city" in codes(without)
    named = client.get("/v1/price", params={**base, "city": "Campione d’Italia"}).json()
    assert named["jurisdiction"] == "IT-CAMPIONE" and named["city"] == "Campione d’Italia"
    r = client.get("/v1/price", params={"countries": "IT,FR", "city": "Campione", "amount": "10", "date": DAY})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "city"]


def test_jurisdictions_list_says_which_postcode_rules_need_the_city(client):
    fields = ("country", "region", "postal_code", "city")  # each rule also carries its sources in `note`
    listed = {j["jurisdiction"]: [{k: m[k] for k in fields} for m in j["match"]]
              for j in client.get("/v1/jurisdictions").json()["jurisdictions"]}
    assert {"country": "IT", "region": None, "postal_code": "^22060$", "city": ["Campione d'Italia", "Campione"]} in listed["IT-CAMPIONE"]
    assert {"country": "IT", "region": None, "postal_code": "^22061$", "city": None} in listed["IT-CAMPIONE"]
    assert {"country": "DE", "region": None, "postal_code": "^87491$", "city": None} in listed["AT-JUNGHOLZ"]


@pytest.mark.parametrize(
    ("a", "b"),
    [("Campione d'Italia", "CAMPIONE D’ITALIA"), ("Campione d'Italia", "campione ditalia"), ("Zürich", "Zurich")],
)
def test_town_names_compare_without_case_accents_or_punctuation(a, b):
    assert normalise_city(a) == normalise_city(b)


# ----- Czech VAT numbers with a slash ---------------------------------------------------------


@given(st.text(alphabet="0123456789", min_size=8, max_size=10))
@example("7103192745")
def test_a_czech_number_with_a_slash_validates_like_the_same_number_without(digits):
    with_slash = validate_tax_id(f"CZ{digits[:6]}/{digits[6:]}")
    assert with_slash == validate_tax_id(f"CZ{digits}")
    assert with_slash == validate_tax_id(f"{digits[:6]}/{digits[6:]}", "CZ")


@pytest.mark.parametrize("path", ["CZ710319/2745", "CZ710319%2F2745", "CZ 710319/2745"])
def test_the_tax_id_endpoint_takes_a_czech_birth_number_with_its_slash(client, path):
    # 7103192745: a birth number (rodné číslo) used as DIČ; 7103192745 = 11 × 645744795, so it checks.
    r = client.get(f"/v1/tax-ids/{path}")
    assert r.status_code == 200, r.text
    assert r.json() == {**client.get("/v1/tax-ids/CZ7103192745").json()}
    assert r.json()["valid"] is True and r.json()["compact"] == "CZ7103192745"


def test_a_business_customer_with_a_slashed_czech_number_is_b2b(client):
    answer = calc(client, {"country": "CZ"}, customer={"type": "business", "tax_id": "CZ 710319/2745"}, currency="CZK")
    assert answer["lines"][0]["collected_by"] == "customer"  # intra-Community supply: the customer accounts


# ----- what the seller keeps ------------------------------------------------------------------


def test_a_direct_sale_pays_the_gross_and_the_seller_keeps_the_net(client):
    """README, "Calculating an order": the Austrian order sold directly by an Austrian seller. Austrian
    VAT 20 % / books 10 % (UStG 1994 § 10): tax 12.36 as in the marketplace case, but the seller collects
    it, so it is paid 82.24 and keeps 69.88 after remitting the 12.36."""
    body = {"date": "2026-03-10", "currency": "EUR", "seller": {"country": "AT"}, "ship_from": {"country": "AT"},
            "ship_to": {"country": "AT", "postal_code": "1010"},
            "lines": [{"id": "sku-1", "quantity": 2, "unit_price": "24.99"}, {"id": "sku-2", "amount": "15.00", "category": "books"}],
            "shipping": {"amount": "4.90"}}
    t = client.post("/v1/calculate", json=body).json()["totals"]
    assert (t["tax_collected_by_seller"], t["seller_proceeds"], t["seller_keeps"]) == ("12.36", "82.24", "69.88")


def test_an_order_priced_past_the_shipped_ecb_data_says_how_to_refresh(client):
    from taxapi.ecb import get_ecb_rates

    last = get_ecb_rates().last_date
    day = last.replace(year=last.year + 1)
    # A German seller's USD sale to France: its distance sales are converted to EUR for the EUR 10,000 test.
    body = {**order({"country": "FR"}), "date": day.isoformat(), "currency": "USD",
            "seller": {"country": "DE", "eu_distance_sales": {"previous_year": "0", "current_year": "0"}}}
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 200, r.text
    stale = next(w for w in r.json()["warnings"] if w["code"] == "exchange_rate_stale")
    assert last.isoformat() in stale["detail"] and "taxapi ecb refresh --source eurofxref-hist.zip" in stale["detail"]


@pytest.mark.parametrize(("territory", "postcode", "article"), [
    ("DE-BUSINGEN", "^78266$", "Art. 6(2)(b)"),
    ("DE-HELGOLAND", "^27498$", "Art. 6(2)(a)"),
    ("IT-LIVIGNO", "^23041$", "Art. 6(2)(e)"),
    ("IT-CAMPIONE", "^22061$", "Art. 6(1)(f)"),
])
def test_jurisdictions_list_cites_where_each_postcode_and_status_come_from(client, territory, postcode, article):
    entry = next(j for j in client.get("/v1/jurisdictions").json()["jurisdictions"] if j["jurisdiction"] == territory)
    rule = next(m for m in entry["match"] if m["postal_code"] == postcode)
    # The territory's status from the VAT Directive; the postcode's source named, and what could not be consulted said.
    assert article in rule["note"] and "https://eur-lex.europa.eu/eli/dir/2006/112/oj" in rule["note"]
    assert "could not be consulted offline" in rule["note"]
