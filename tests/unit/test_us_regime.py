"""The US regime on top of the local tables: state + local rates by ZIP code, sourcing, shipping,
clothing, grocery, marketplace withholding, address checks and the per-level breakdown.

The local table is built from the fixtures in ``tests/fixtures/us_local/``. The ZIP5 rows of
10001 (NYC), 90001 (Huntington Park), 77001 (Houston), 37201 (Nashville) are the March 2026 ZIP5
table's as the US research notes quote them (section 3.1, sample rows); the other fixture ZIPs are
plausible but made up (tests/fixtures/us_local/README.md). Each expected amount is worked out by
hand in the test from those rates and the rule's source.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from taxapi.ecb import get_ecb_rates
from taxapi.errors import ValidationFailed
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.orders.wire import order_wire

D = Decimal


@pytest.fixture(scope="module")
def book(us_local_book):
    return us_local_book


def order(ship_to: dict, *, lines=None, seller=None, ship_from=None, day="2026-03-10", **extra) -> dict:
    return {
        "date": day, "currency": "USD",
        "seller": seller or {"country": "CN", "us_nexus": [ship_to.get("region") or "NY", "CA", "TX", "MA", "RI", "TN", "CO",
                                                             "DC", "MN", "HI", "PR"]},
        "ship_from": ship_from or {"country": "CN"},
        "ship_to": {"country": "US", **ship_to},
        "lines": lines or [{"id": "1", "amount": "100.00"}],
        **extra,
    }


def calc(book, body: dict) -> dict:
    return order_wire(compute_order(order=CalculateRequest.model_validate(body), book=book, fx=get_ecb_rates()))


def line(book, body: dict, i: int = 0) -> dict:
    return calc(book, body)["lines"][i]


def warnings(out: dict) -> dict[str, str]:
    return {w["code"]: w["detail"] for w in out["warnings"]}


# ----- state + local sums ------------------------------------------------------------------------


def test_nyc_state_city_and_mctd(book):
    # 4 % state + 4.5 % city + 0.375 % MCTD = 8.875 %; 100 x 8.875 % = 8.875 -> 8.88 (rounded once, SSUTA 324)
    out = calc(book, order({"region": "NY", "postal_code": "10001"}))
    ln = out["lines"][0]
    assert ln["tax_amount"] == "8.88" and ln["rate_percent"] == "8.875" and ln["jurisdiction"] == "US-NY"
    assert [(b["level"], b["rate_percent"], b["tax_amount"]) for b in ln["breakdown"]] == [
        ("state", "4", "4.00"), ("city", "4.5", "4.50"), ("special", "0.375", "0.38")]
    assert ln["breakdown"][0]["jurisdiction"] == "US-NY" and ln["breakdown"][1]["name"] == "NEW YORK CITY"
    assert ln["address"]["resolved_by"] == "zip5" and ln["address"]["effective_from"] == "2026-03-01"
    assert ln["address"]["local_table"] == "zip5-2026-03"
    assert "local_rate_unknown" not in warnings(out)


def test_marketplace_withholds_the_full_combined_rate(book):
    # The issue: a facilitator order to NYC 10001 withholds 8.88, not the 4.00 state part.
    out = calc(book, order({"region": "NY", "postal_code": "10001"}, seller={"country": "CN"},
                           marketplace={"name": "M", "facilitates": True}))
    assert out["lines"][0]["collected_by"] == "marketplace" and out["lines"][0]["tax_amount"] == "8.88"
    assert out["totals"]["tax_collected_by_marketplace"] == "8.88"
    assert out["totals"]["seller_proceeds"] == "100.00"  # 108.88 paid, 8.88 withheld


def test_no_nexus_collects_nothing(book):
    ln = line(book, order({"region": "NY", "postal_code": "10001"}, seller={"country": "CN"}))
    assert ln["tax_amount"] == "0.00" and ln["taxability_reason"] == "not_collecting" and ln["collected_by"] == "none"


def test_customer_exemption(book):
    ln = line(book, order({"region": "NY", "postal_code": "10001"}, customer={"type": "consumer", "exemption": "resale"}))
    assert ln["tax_amount"] == "0.00" and ln["taxability_reason"] == "customer_exempt"


def test_zip_plus_4_and_region_from_the_zip(book):
    with_region = line(book, order({"region": "NY", "postal_code": "10001-2062"}))
    without = line(book, order({"postal_code": "10001-2062"}))
    assert with_region["tax_amount"] == without["tax_amount"] == "8.88"
    assert without["jurisdiction"] == "US-NY" and without["address"]["resolved_by"] == "zip5"  # no ZIP+4 records here


@pytest.mark.parametrize("postal_code, msg", [("90001", "not in NY"), ("1000", "not a US ZIP code"), ("10001-20", "not a US ZIP code")])
def test_bad_zip_is_a_422_naming_the_postal_code(book, postal_code, msg):
    with pytest.raises(ValidationFailed) as exc:
        calc(book, order({"region": "NY", "postal_code": postal_code}))
    assert exc.value.errors[0]["loc"] == ["ship_to", "postal_code"] and msg in exc.value.errors[0]["msg"]


def test_local_rate_unknown_only_where_there_are_local_taxes(book):
    # GA has local taxes and no table here; MA has none (its state rate is the whole rate).
    ga = calc(book, order({"region": "GA", "postal_code": "30301"}, seller={"country": "CN", "us_nexus": ["GA"]}))
    assert "local_rate_unknown" in warnings(ga) and ga["lines"][0]["address"]["resolved_by"] == "state"
    ma = calc(book, order({"region": "MA"}, seller={"country": "CN", "us_nexus": ["MA"]}))
    assert "local_rate_unknown" not in warnings(ma) and ma["lines"][0]["tax_amount"] == "6.25"


def test_spanning_zip5_takes_the_lowest_rate_and_warns(book):
    # MN fixture: 55416 holds 7.025 % and 9.025 %; SSUTA 305: the lowest; a ZIP+4 decides.
    out = calc(book, order({"region": "MN", "postal_code": "55416"}))
    assert out["lines"][0]["tax_amount"] == "7.03"  # 100 x 7.025 % = 7.025 -> 7.03
    assert "7.025 %, 9.025 %" in warnings(out)["zip_spans_jurisdictions"]
    exact = calc(book, order({"region": "MN", "postal_code": "55416-0050"}))
    assert exact["lines"][0]["tax_amount"] == "9.03" and exact["lines"][0]["address"]["resolved_by"] == "zip4"
    assert "zip_spans_jurisdictions" not in warnings(exact)


# ----- Puerto Rico, Hawaii, DC --------------------------------------------------------------------


def test_puerto_rico_ivu(book):
    # 10.5 % state IVU + 1 % municipal IVU (Ley 72-2015; Seccion 6080.14) = 11.5 %
    for ship_to in ({"country": "PR", "postal_code": "00901"}, {"region": "PR", "postal_code": "00901"}):
        ln = line(book, order(ship_to))
        assert ln["tax_amount"] == "11.50" and ln["jurisdiction"] == "US-PR"
        assert [(b["level"], b["tax_amount"]) for b in ln["breakdown"]] == [("state", "10.50"), ("county", "1.00")]


def test_hawaii_county_surcharge(book):
    # GET 4 % + 0.5 % county surcharge (tax.hawaii.gov/geninfo/countysurcharge/): 100 -> 4.50
    ln = line(book, order({"region": "HI", "postal_code": "96813"}))
    assert ln["tax_amount"] == "4.50" and ln["rate_percent"] == "4.5"


@pytest.mark.parametrize("day, tax", [("2026-09-30", "6.00"), ("2026-10-01", "7.00")])
def test_dc_rate_history_wins_over_an_older_zip_table(book, day, tax):
    # DC has no local tax: its dated state table decides (7 % from 2026-10-01; the March table still has 6 %).
    assert line(book, order({"region": "DC", "postal_code": "20001"}, day=day))["tax_amount"] == tax


# ----- clothing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("state, zip5, price, tax, reason", [
    ("MA", "02108", "100.00", "0.00", "product_exempt"),  # first $175 exempt (M.G.L. c. 64H 6(k))
    ("MA", "02108", "300.00", "7.81", "standard_rated"),  # 6.25 % x 125 = 7.8125
    ("RI", "02903", "300.00", "3.50", "standard_rated"),  # first $250 exempt: 7 % x 50
    ("RI", "02903", "200.00", "0.00", "product_exempt"),
    ("NY", "10001", "100.00", "0.00", "product_exempt"),  # < $110, and NYC exempts it too (Pub. 718-C)
    ("NY", "10001", "120.00", "10.65", "standard_rated"),  # 8.875 % x 120 = 10.65
    ("NY", "11501", "100.00", "4.63", "reduced_rated"),  # state part exempt; 4.25 % county + 0.375 % MCTD
])
def test_clothing_limits(book, state, zip5, price, tax, reason):
    ln = line(book, order({"region": state, "postal_code": zip5}, lines=[{"id": "1", "amount": price, "category": "clothing"}]))
    assert (ln["tax_amount"], ln["taxability_reason"]) == (tax, reason)


def test_clothing_limit_is_per_item(book):
    # Two $100 shirts in one MA line: each under $175, so nothing is taxed.
    ln = line(book, order({"region": "MA", "postal_code": "02108"},
                          lines=[{"id": "1", "unit_price": "100.00", "quantity": "2", "category": "clothing"}]))
    assert ln["tax_amount"] == "0.00"


# ----- shipping -----------------------------------------------------------------------------------


@pytest.mark.parametrize("state, zip5, ship_tax", [
    ("CA", "90001", "0.00"),  # exempt if separately stated [S16]
    ("MA", "02108", "0.00"),
    ("CO", "80202", "0.00"),
    ("NY", "10001", "0.89"),  # part of the sales price: 10 x 8.875 % = 0.8875 -> 0.89
    ("TX", "77001", "0.83"),  # 10 x 8.25 % = 0.825 -> 0.83
])
def test_separately_stated_shipping(book, state, zip5, ship_tax):
    out = calc(book, order({"region": state, "postal_code": zip5}, shipping={"amount": "10.00"}))
    assert out["shipping"]["tax_amount"] == ship_tax


# ----- sourcing -----------------------------------------------------------------------------------


def test_origin_sourcing_for_an_in_state_texas_seller(book):
    # Houston seller ships to Fort Worth: Houston's 8.25 % (origin) applies, not Fort Worth's 8 %.
    seller = {"country": "US", "region": "TX"}
    body = order({"region": "TX", "postal_code": "76101"}, seller=seller,
                 ship_from={"country": "US", "region": "TX", "postal_code": "77001"})
    assert line(book, body)["tax_amount"] == "8.25"
    # A remote seller shipping from the same warehouse uses the destination.
    remote = order({"region": "TX", "postal_code": "76101"}, seller={"country": "CN", "us_nexus": ["TX"]},
                   ship_from={"country": "US", "region": "TX", "postal_code": "77001"})
    assert line(book, remote)["tax_amount"] == "8.00"


def test_california_hybrid_sourcing(book):
    # Huntington Park seller to San Francisco: state 6 + county 0.25 + city 0.75 at origin, districts 1.375 at
    # the destination = 8.375 %; 100 -> 8.38 (state, county, city origin; districts destination)
    body = order({"region": "CA", "postal_code": "94105"}, seller={"country": "US", "region": "CA"},
                 ship_from={"country": "US", "region": "CA", "postal_code": "90001"})
    ln = line(book, body)
    assert ln["rate_percent"] == "8.375" and ln["tax_amount"] == "8.38"
    # destination-only: San Francisco's 8.625 %
    assert line(book, order({"region": "CA", "postal_code": "94105"}))["tax_amount"] == "8.63"


# ----- grocery ------------------------------------------------------------------------------------


def test_tennessee_grocery_state_food_rate_plus_local(book):
    # TN food 4 % state [S30] + Davidson County 2.25 % = 6.25 %; general 9.25 %
    food = line(book, order({"region": "TN", "postal_code": "37201"}, lines=[{"id": "1", "amount": "100.00", "category": "food"}]))
    general = line(book, order({"region": "TN", "postal_code": "37201"}))
    assert (food["tax_amount"], general["tax_amount"]) == ("6.25", "9.25")
    assert [b["rate_percent"] for b in food["breakdown"]] == ["4", "2.25"]


def test_exempt_food_is_exempt_locally_too(book):
    ln = line(book, order({"region": "NY", "postal_code": "10001"}, lines=[{"id": "1", "amount": "100.00", "category": "food"}]))
    assert ln["tax_amount"] == "0.00" and ln["taxability_reason"] == "product_exempt"


# ----- without any imported table: the USPS ZIP lists still place a ZIP ---------------------------


def test_a_california_zip_under_new_york_is_refused_without_local_tables(rate_book):
    # The issue: "a CA ZIP under region NY is accepted silently". 90001 is Los Angeles (USPS).
    with pytest.raises(ValidationFailed) as exc:
        calc(rate_book, order({"region": "NY", "postal_code": "90001"}))
    assert exc.value.errors[0]["loc"] == ["ship_to", "postal_code"] and "not in NY" in exc.value.errors[0]["msg"]
    # a territory's ZIP under Hawaii: 96799 is American Samoa's
    with pytest.raises(ValidationFailed):
        calc(rate_book, order({"region": "HI", "postal_code": "96799"}))


def test_region_from_the_zip_without_local_tables(rate_book):
    out = calc(rate_book, order({"postal_code": "94105"}, seller={"country": "CN", "us_nexus": ["CA"]}))
    ln = out["lines"][0]
    assert ln["jurisdiction"] == "US-CA" and ln["tax_amount"] == "7.25"  # the state table's 7.25 %
    assert ln["address"]["resolved_by"] == "state" and "local_rate_unknown" in warnings(out)


def test_the_zip_prefix_lists_are_part_of_the_rates_version(tmp_path, rate_book):
    # rates/us-local/zip-prefixes.json decides which state a ZIP is in where no local table covers it: the
    # book loaded from a copy whose prefix 900 (Los Angeles) says NY has another rates_version and answers by it.
    import json
    import shutil

    from taxapi.rate_tables.loader import default_rates_dir, load_rate_book

    rates = tmp_path / "rates"
    shutil.copytree(default_rates_dir(), rates)
    path = rates / "us-local" / "zip-prefixes.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["prefixes"]["900"] == "CA"
    doc["prefixes"]["900"] = "NY"
    path.write_text(json.dumps(doc), encoding="utf-8")
    changed = load_rate_book(rates)
    assert changed.version != rate_book.version
    ln = line(changed, order({"region": "NY", "postal_code": "90001"}, seller={"country": "CN", "us_nexus": ["NY"]}))
    assert ln["tax_amount"] == "4.00"  # the NY state rate table's 4 %: accepted as a NY ZIP by the changed lists
    with pytest.raises(ValidationFailed):
        calc(changed, order({"region": "CA", "postal_code": "90001"}))


def _bad_prefix(doc):
    doc["prefixes"]["90"] = "CA"


def _bad_locality_zip(doc):
    doc["localities"][0]["zip5"].append("1000")


def _bad_member_date(doc):
    doc["members"][0]["collect_from"] = "2020-13-01"


@pytest.mark.parametrize("file, change, where", [
    ("zip-prefixes.json", _bad_prefix, "prefixes/90"),
    ("clothing-localities.json", _bad_locality_zip, "localities/0/zip5"),
    ("arsstc-members.json", _bad_member_date, "members/0/collect_from"),
])
def test_a_bad_shipped_us_list_refuses_to_load(tmp_path, file, change, where):
    import json
    import shutil

    from taxapi.errors import InvalidRateTable
    from taxapi.rate_tables.loader import default_rates_dir, load_rate_book

    rates = tmp_path / "rates"
    shutil.copytree(default_rates_dir(), rates)
    path = rates / "us-local" / file
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InvalidRateTable) as exc:
        load_rate_book(rates)
    assert file in str(exc.value) and where in str(exc.value)


# ----- New York clothing localities (Publication 718-C) --------------------------------------------


@pytest.mark.parametrize("zip5, price, tax, reason", [
    # Putnam County exempts clothing under $110 from its 4 % and so from the MCTD 0.375 % from 2024-03-01
    # (Sovos, 2024-02-06; Publication 718-C): a $100 shirt bears no tax at all.
    ("10512", "100.00", "0.00", "product_exempt"),
    ("10512", "120.00", "10.05", "standard_rated"),  # $110 or more: 8.375 % x 120 = 10.05
    # Nassau County does not: the state 4 % is exempt, its 4.25 % and the MCTD 0.375 % apply: 4.625 -> 4.63
    ("11501", "100.00", "4.63", "reduced_rated"),
])
def test_ny_clothing_localities(book, zip5, price, tax, reason):
    ln = line(book, order({"region": "NY", "postal_code": zip5}, lines=[{"id": "1", "amount": price, "category": "clothing"}]))
    assert (ln["tax_amount"], ln["taxability_reason"]) == (tax, reason)
    if tax == "0.00":
        assert "Putnam" in ln["source"]


def test_ny_clothing_localities_are_dated_data(book):
    from datetime import date

    from taxapi.regimes.us_sales_tax import local_table

    table = local_table(book)
    assert table.clothing_exempt_locality("NY", "10512", date(2024, 2, 29)) is None
    assert table.clothing_exempt_locality("NY", "10512", date(2024, 3, 1)).name == "Putnam County"
    assert table.clothing_exempt_locality("NY", "10001", date(2012, 4, 1)).name == "New York City"
    assert table.clothing_exempt_locality("NY", "14701", date(2026, 3, 10)).name == "Chautauqua County"  # Jamestown
    assert table.clothing_exempt_locality("NY", "13421", date(2026, 3, 10)) is None  # the City of Oneida: not exempt
    assert table.clothing_exempt_locality("NY", "11501", date(2026, 3, 10)) is None  # Nassau County


# ----- local grocery taxes ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def grocery_book(tmp_path_factory):
    """Made-up but plausible ZIP5 rows of April 2026 for GA, NC and OK (tests/fixtures/us_local/README.md)."""
    from taxapi.us_local.importers import import_zip5
    from tests.conftest import TESTS_DIR

    root = tmp_path_factory.mktemp("us-grocery")
    import_zip5(sorted((TESTS_DIR / "fixtures" / "us_local").glob("TAXRATES_ZIP5_*202604.csv")), root / "zip5-2026-04")
    return _book_with_local_dir(root)


def _book_with_local_dir(root):
    """A rate book loaded with ``TAXAPI_US_LOCAL_DIR`` set to ``root``."""
    from taxapi.rate_tables.loader import load_rate_book
    from taxapi.settings import get_settings

    mp = pytest.MonkeyPatch()
    mp.setenv("TAXAPI_US_LOCAL_DIR", str(root))
    get_settings.cache_clear()
    try:
        return load_rate_book()
    finally:
        mp.undo()
        get_settings.cache_clear()


@pytest.mark.parametrize("state, zip5, food, general, levels", [
    # GA: food exempt from the 4 % state tax, the 4 % local taxes apply (GA DOR; research notes table A)
    ("GA", "30601", "4.00", "8.00", [("state", "0"), ("county", "4")]),
    # NC: food exempt from the 4.75 % state tax; only the 2 % local rate applies, not Durham County's 2.25 %
    # nor the 0.5 % transit tax (N.C.G.S. 105-164.13B); general 4.75 + 2.25 + 0.5 = 7.5 %
    ("NC", "27701", "2.00", "7.50", [("state", "0"), ("county", "2")]),
    # OK: 0 % state food rate from 2024-08-29 (H.B. 1955), Oklahoma City's 4.125 % applies: 4.125 -> 4.13
    ("OK", "73102", "4.13", "8.63", [("state", "0"), ("city", "4.125")]),
])
def test_local_grocery_taxes(grocery_book, state, zip5, food, general, levels):
    body = order({"region": state, "postal_code": zip5}, day="2026-04-10", lines=[{"id": "1", "amount": "100.00", "category": "food"}])
    ln = line(grocery_book, body)
    assert ln["tax_amount"] == food and ln["taxability_reason"] == "reduced_rated"
    assert [(b["level"], b["rate_percent"]) for b in ln["breakdown"]] == levels
    assert line(grocery_book, order({"region": state, "postal_code": zip5}, day="2026-04-10"))["tax_amount"] == general


def test_grocery_without_a_local_table_is_the_state_part(rate_book):
    # No local table covers GA here: the state exemption alone decides (with local_rate_unknown).
    out = calc(rate_book, order({"region": "GA", "postal_code": "30601"}, seller={"country": "CN", "us_nexus": ["GA"]},
                                lines=[{"id": "1", "amount": "100.00", "category": "food"}]))
    assert out["lines"][0]["tax_amount"] == "0.00" and "local_rate_unknown" in warnings(out)


# ----- Alaska: ARSSTC members ---------------------------------------------------------------------


def _ak(book, zip5, seller=None, **extra):
    return calc(book, order({"region": "AK", "postal_code": zip5}, seller=seller or {"country": "CN", "us_nexus": ["AK"]}, **extra))


def test_alaska_remote_seller_collects_for_arsstc_members(book):
    # Juneau (City and Borough, ARSSTC member, collection from 2020-05-01): 5 % on 100 = 5.00
    ln = _ak(book, "99801")["lines"][0]
    assert (ln["tax_amount"], ln["rule"], ln["collected_by"]) == ("5.00", "us.ak.arsstc_member", "seller")
    # Kenai: the Kenai Peninsula Borough's 3 % and the City of Kenai's 3 %, both members from 2020-04-01
    assert _ak(book, "99611")["lines"][0]["tax_amount"] == "6.00"
    # a marketplace facilitator is a remote seller under the Uniform Code too
    mp = _ak(book, "99801", seller={"country": "CN"}, marketplace={"name": "M", "facilitates": True})
    assert mp["lines"][0]["tax_amount"] == "5.00" and mp["lines"][0]["collected_by"] == "marketplace"


def test_alaska_ketchikan_zips_are_members_under_the_names_the_tables_give_them(book):
    # The ZIP5 tables name Ketchikan's 99901 "SAXMAN": the City of Saxman, the City of Ketchikan and the Ketchikan
    # Gateway Borough are all ARSSTC members (arsstc.org), so a remote seller collects its 6.5 %: 6.50
    ln = _ak(book, "99901")["lines"][0]
    assert (ln["tax_amount"], ln["rule"]) == ("6.50", "us.ak.arsstc_member")


def test_alaska_remote_seller_collects_nothing_for_a_non_member(book):
    # Skagway's 3 % is not on the ARSSTC member list: a remote seller has nothing to collect there
    for out in (_ak(book, "99840"), _ak(book, "99840", seller={"country": "CN"}, marketplace={"name": "M", "facilitates": True})):
        ln = out["lines"][0]
        assert (ln["tax_amount"], ln["rule"], ln["taxability_reason"]) == ("0.00", "us.ak.arsstc_not_member", "not_collecting")


def test_alaska_seller_in_the_state_collects_the_local_tax_everywhere(book):
    # The Uniform Code is for remote sellers; a seller established in Alaska collects Skagway's own 3 %.
    ln = _ak(book, "99840", seller={"country": "US", "region": "AK"})["lines"][0]
    assert (ln["tax_amount"], ln["rule"]) == ("3.00", "us.seller_nexus")
    # Anchorage levies no general sales tax: nothing to collect, for anyone
    assert _ak(book, "99501")["lines"][0]["tax_amount"] == "0.00"


def test_arsstc_membership_is_dated(book):
    from datetime import date

    from taxapi.regimes.us_sales_tax import local_table

    table = local_table(book)
    assert table.arsstc_member("JUNEAU", date(2020, 4, 30)) is None
    assert table.arsstc_member("Juneau", date(2020, 5, 1)).name == "City and Borough of Juneau"
    assert table.arsstc_member("KOTZEBUE", date(2021, 12, 31)) is None and table.arsstc_member("KOTZEBUE", date(2022, 1, 1))
    assert table.arsstc_member("SKAGWAY", date(2026, 3, 10)) is None


def test_alaska_caps_are_dated_data(book):
    from datetime import date

    from taxapi.regimes.us_sales_tax import local_table

    table = local_table(book)
    juneau = table.tax_cap("JUNEAU", date(2025, 6, 10))
    assert (juneau.cap.per, juneau.cap.amount) == ("item", D("14300"))
    assert table.tax_cap("Juneau", date(2023, 12, 31)).cap is None  # $12,800 then, from a date not verified
    assert "2026-01-01" in table.tax_cap("JUNEAU", date(2026, 3, 10)).unknown
    assert table.tax_cap("KODIAK", date(2026, 3, 10)).cap.amount == D("3000")
    assert table.tax_cap("SKAGWAY", date(2026, 3, 10)) is None  # not known to cap


@pytest.fixture(scope="module")
def ak2025_book(tmp_path_factory):
    """The Alaska fixture rows as a table effective 2025-01-01 (the verified caps of Juneau and the Kenai Peninsula
    Borough end 2025-12-31)."""
    from datetime import date

    from taxapi.us_local.importers import import_zip5
    from tests.conftest import TESTS_DIR

    root = tmp_path_factory.mktemp("us-ak")
    import_zip5([TESTS_DIR / "fixtures" / "us_local" / "TAXRATES_ZIP5_AK202603.csv"], root / "ak-2025", effective=date(2025, 1, 1))
    return _book_with_local_dir(root)


def test_juneau_taxes_only_the_first_14300_of_each_item(ak2025_book):
    # CBJ: "only the first $14,300 of the selling price of a single item ... the amount of sales tax to be collected on
    # a 'capped' single item ... is now $715" (juneau.org, from 2024-01-01): 5 % x 14,300 = 715.00
    out = _ak(ak2025_book, "99801", day="2025-06-10", lines=[{"id": "1", "amount": "20000.00"}])
    ln = out["lines"][0]
    assert ln["tax_amount"] == "715.00" and "14,300" in ln["source"] and "local_tax_cap_unknown" not in warnings(out)
    assert sum(D(b["tax_amount"]) for b in ln["breakdown"]) == D("715.00")
    # per item, not per sale: two items of 10,000 are each under the cap: 5 % x 20,000 = 1,000.00
    two = _ak(ak2025_book, "99801", day="2025-06-10", lines=[{"id": "1", "quantity": 2, "unit_price": "10000.00"}])
    assert two["lines"][0]["tax_amount"] == "1000.00"


def test_kenai_peninsula_borough_taxes_only_the_first_500_of_a_sale(ak2025_book):
    # KPB: "someone buying a $600 couch would pay the 3% borough sales tax on the first $500" (KBBI, 2025-08-15): 15.00
    assert _ak(ak2025_book, "99568", day="2025-06-10", lines=[{"id": "1", "amount": "600.00"}])["lines"][0]["tax_amount"] == "15.00"
    # per sale: 400 + 200 = 600 over the order, 500 of it taxed by value: 3 % x 333.33.. = 10.00, 3 % x 166.66.. = 5.00
    out = _ak(ak2025_book, "99568", day="2025-06-10", lines=[{"id": "1", "amount": "400.00"}, {"id": "2", "amount": "200.00"}])
    assert [ln["tax_amount"] for ln in out["lines"]] == ["10.00", "5.00"] and out["totals"]["tax_amount"] == "15.00"
    # under the cap: all of it (3 % x 450 = 13.50)
    assert _ak(ak2025_book, "99568", day="2025-06-10", lines=[{"id": "1", "amount": "450.00"}])["lines"][0]["tax_amount"] == "13.50"


def test_kenai_cities_tax_only_the_first_500_of_a_sale_like_the_borough(book):
    # KPB Code 5.18.100(B): a city's tax is collected under the borough's chapter, on the first $500 of a sale ("In Kenai
    # and Soldotna, that means the maximum tax is $25, or 5 percent of $500", Peninsula Clarion, 2000); the city of Kenai
    # and the borough together levy 6 %: 6 % x 500 = 30.00 on a $600 sale (before: 36.00 and local_tax_cap_unknown)
    out = _ak(book, "99611", lines=[{"id": "1", "amount": "600.00"}])
    assert out["lines"][0]["tax_amount"] == "30.00" and "local_tax_cap_unknown" not in warnings(out)
    assert "5.18.100" in out["lines"][0]["source"]


def test_north_pole_taxes_only_the_first_200_of_a_sale(book):
    # City of North Pole: 5.5 % "capped at $11 per transaction, or $200 worth of sales" (News-Miner, 2021; the city's
    # return: "$11 cap per transaction"): 5.5 % x 200 = 11.00 on a $300 order of two lines, shared by value
    out = _ak(book, "99705", lines=[{"id": "1", "amount": "200.00"}, {"id": "2", "amount": "100.00"}])
    assert [ln["tax_amount"] for ln in out["lines"]] == ["7.33", "3.67"] and out["totals"]["tax_amount"] == "11.00"
    assert _ak(book, "99705", lines=[{"id": "1", "amount": "150.00"}])["lines"][0]["tax_amount"] == "8.25"  # under the cap


def test_wrangell_taxes_only_the_first_3000_of_each_item(book):
    # City and Borough of Wrangell: single purchases "capped at seven percent of $3,000, or $210 ... not multiple
    # purchases that total to $3,000" (Wrangell Sentinel, 2019-05-02): one $4,000 item 210.00; two $2,000 items 280.00
    assert _ak(book, "99929", lines=[{"id": "1", "amount": "4000.00"}])["lines"][0]["tax_amount"] == "210.00"
    two = _ak(book, "99929", lines=[{"id": "1", "quantity": 2, "unit_price": "2000.00"}])
    assert two["lines"][0]["tax_amount"] == "280.00"


def test_ketchikan_gateway_borough_taxes_only_the_first_2000_of_each_item(book):
    # Ketchikan Gateway Borough: "Effective January 1, 2020 ... increased the single unit sale exemption (commonly called
    # 'sales tax cap') from $1,000 to $2,000 on all goods and services" (kgbak.us): 2.5 % x 2,000 = 50.00 on a $3,000 item
    out = _ak(book, "99928", lines=[{"id": "1", "amount": "3000.00"}])
    assert out["lines"][0]["tax_amount"] == "50.00" and "local_tax_cap_unknown" not in warnings(out)
    # the City of Saxman's own cap is not verified: 99901 (named SAXMAN by the tables) taxes it all, and says so
    saxman = _ak(book, "99901", lines=[{"id": "1", "amount": "3000.00"}])
    assert saxman["lines"][0]["tax_amount"] == "195.00" and "Saxman" in warnings(saxman)["local_tax_cap_unknown"]


def test_kodiak_taxes_only_the_first_3000_of_a_transaction(book):
    # City of Kodiak: "sales tax will be collected on the first $3,000 of a transaction ... maximum amount of sales tax on
    # a transaction ... $210" (KINY / Associated Press, 2017-11): 7 % x 3,000 = 210.00
    out = _ak(book, "99615", lines=[{"id": "1", "amount": "4000.00"}])
    assert out["lines"][0]["tax_amount"] == "210.00" and out["lines"][0]["rule"] == "us.ak.arsstc_member"
    # prices with the tax included: the tax is still 7 % of the first 3,000 of the price before tax
    incl = _ak(book, "99615", lines=[{"id": "1", "amount": "4280.00"}], prices_include_tax=True)
    assert incl["lines"][0]["tax_amount"] == "210.00"


def test_a_cap_not_known_on_the_day_taxes_all_of_it_and_says_so(book):
    # Juneau's cap from 2026-01-01 (the biennial CPI adjustment) is not verified: 5 % x 20,000 = 1,000.00, with a warning
    out = _ak(book, "99801", lines=[{"id": "1", "amount": "20000.00"}])
    assert out["lines"][0]["tax_amount"] == "1000.00" and "Juneau" in warnings(out)["local_tax_cap_unknown"]
    # Kenai from 2026-04-01: the borough's $500 cap, which the city's tax follows, may be indexed (Ordinance 2025-14,
    # result not verified): 6 % x 600 = 36.00, with a warning
    kenai = _ak(book, "99611", day="2026-04-10", lines=[{"id": "1", "amount": "600.00"}])
    assert kenai["lines"][0]["tax_amount"] == "36.00" and "local_tax_cap_unknown" in warnings(kenai)
    assert "local_tax_cap_unknown" not in warnings(_ak(book, "99840", seller={"country": "US", "region": "AK"}))


# ----- Illinois: local grocery taxes from 2026-01-01 ----------------------------------------------


def _il_food(book, zip5, day="2026-03-10", amount="100.00"):
    return calc(book, order({"region": "IL", "postal_code": zip5}, day=day,
                            lines=[{"id": "1", "amount": amount, "category": "food"}]))


def test_illinois_listed_municipality_taxes_groceries_at_1_percent(book):
    # Peoria adopted the 1 % municipal grocery tax from 2026-01-01 (WCBU, 2025-04-22; Public Act 103-0781); the
    # state's 1 % food rate ended that day: 0 % state + 1 % Peoria on 100.00 = 1.00
    out = _il_food(book, "61602")
    ln = out["lines"][0]
    assert (ln["tax_amount"], ln["rate_percent"], ln["taxability_reason"]) == ("1.00", "1", "reduced_rated")
    assert [(b["level"], b["name"], b["rate_percent"]) for b in ln["breakdown"]] == [("state", "Illinois", "0"), ("city", "Peoria", "1")]
    assert "WCBU" in ln["source"] and "local_grocery_tax_unknown" not in warnings(out)
    # general merchandise keeps the full combined rate: 9 % x 100 = 9.00
    assert line(book, order({"region": "IL", "postal_code": "61602"}))["tax_amount"] == "9.00"


def test_illinois_place_not_known_to_be_listed_is_the_state_part_with_a_warning(book):
    out = _il_food(book, "61764")  # unincorporated Livingston County: on neither list
    assert out["lines"][0]["tax_amount"] == "0.00"
    assert "not known" in warnings(out)["local_grocery_tax_unknown"] and "61764" in warnings(out)["local_grocery_tax_unknown"]


def test_illinois_place_known_not_to_impose_is_the_state_part_without_a_warning(book):
    # Springfield's 2026 budget does without a local grocery tax (Capitol City Now, 2026-01): 0 % state, nothing
    # local, and no warning (before it was listed: the same 0.00, with local_grocery_tax_unknown)
    out = _il_food(book, "62701")
    assert out["lines"][0]["tax_amount"] == "0.00" and "local_grocery_tax_unknown" not in warnings(out)


def test_illinois_grocery_list_is_dated(book):
    from datetime import date

    from taxapi.regimes.us_sales_tax import local_table

    table = local_table(book)
    assert table.grocery_locality("IL", ("PEORIA",), True, date(2025, 12, 31)) is None  # the list starts 2026-01-01
    assert table.grocery_locality("IL", ("Arlington Heights",), True, date(2026, 1, 1)).name == "Arlington Heights"
    assert table.grocery_locality("GA", ("PEORIA",), True, date(2026, 1, 1)) is None


@pytest.mark.parametrize("zip5, food, levels", [
    # Chicago (60601): the 2026 budget has no city grocery tax (WTTW, 2025-12-31); the RTA's 1.25 % on qualifying food
    # in Cook County still applies (IDOR, Mass Transit District Sales Tax): 0 % state + 1.25 % = 1.25 (before: 0.00 and
    # local_grocery_tax_unknown)
    ("60601", "1.25", [("state", "0"), ("special", "1.25")]),
    # Naperville (DuPage): its 1 % municipal grocery tax (NCTV17, 2025) and the RTA's 0.75 % in the collar counties: 1.75
    ("60540", "1.75", [("state", "0"), ("city", "1"), ("special", "0.75")]),
    # Bloomington (McLean, outside the RTA): its 1 % (WGLT, 2025-09-22) alone: 1.00 (before: 0.00 and a warning)
    ("61701", "1.00", [("state", "0"), ("city", "1")]),
])
def test_illinois_groceries_in_2026_with_the_places_listed_later_and_the_rta(book, zip5, food, levels):
    out = _il_food(book, zip5)
    ln = out["lines"][0]
    assert ln["tax_amount"] == food and [(b["level"], b["rate_percent"]) for b in ln["breakdown"]] == levels
    assert sum(D(b["tax_amount"]) for b in ln["breakdown"]) == D(food) and "local_grocery_tax_unknown" not in warnings(out)
    if zip5 != "61701":
        assert "masstransit" in ln["source"]


@pytest.fixture(scope="module")
def il2025_book(tmp_path_factory):
    """The Illinois fixture rows as a table effective 2025-01-01 (the state's 1 % on groceries still in force)."""
    from datetime import date

    from taxapi.us_local.importers import import_zip5
    from tests.conftest import TESTS_DIR

    root = tmp_path_factory.mktemp("us-il")
    import_zip5([TESTS_DIR / "fixtures" / "us_local" / "TAXRATES_ZIP5_IL202603.csv"], root / "il-2025", effective=date(2025, 1, 1))
    return _book_with_local_dir(root)


def test_the_rta_taxed_groceries_before_2026_too(il2025_book):
    # 2025: the state's 1 % on qualifying food plus the RTA's 1.25 % in Cook County: Chicago's 2.25 % (was 1.00)
    ln = _il_food(il2025_book, "60601", day="2025-06-10")["lines"][0]
    assert ln["tax_amount"] == "2.25" and [(b["level"], b["rate_percent"]) for b in ln["breakdown"]] == [
        ("state", "1"), ("special", "1.25")]
    # and 0.75 % in DuPage County: 1.75 in Naperville; outside the RTA (Bloomington) the state's 1 % alone
    assert _il_food(il2025_book, "60540", day="2025-06-10")["lines"][0]["tax_amount"] == "1.75"
    assert _il_food(il2025_book, "61701", day="2025-06-10")["lines"][0]["tax_amount"] == "1.00"
    # general merchandise keeps the table's combined rate (10.25 % in 60601)
    assert line(il2025_book, order({"region": "IL", "postal_code": "60601"}, day="2025-06-10"))["tax_amount"] == "10.25"


def test_grocery_districts_are_strict_data(tmp_path):
    import json

    from taxapi.errors import InvalidRateTable
    from taxapi.us_local.store import GROCERY_FILE, load_grocery_districts

    doc = {"state": "IL", "localities": [], "districts": [{"id": "rta-cook", "name": "RTA", "rate_percent": "1.25",
                                                             "effective_from": "2008-04-01", "source": "s", "zip5": ["6060"]}]}
    (tmp_path / GROCERY_FILE).write_text(json.dumps(doc))
    with pytest.raises(InvalidRateTable, match="'6060' is not a five-digit ZIP code"):
        load_grocery_districts(tmp_path)
    doc["districts"][0]["zip5"] = ["60601"]
    (tmp_path / GROCERY_FILE).write_text(json.dumps(doc))
    assert [d.rate_percent for d in load_grocery_districts(tmp_path)["IL"]["60601"]] == [D("1.25")]
    # one ZIP code in the RTA's Cook and collar-county lists at once would tax groceries twice: refused
    doc["districts"].append({**doc["districts"][0], "id": "rta-collar", "rate_percent": "0.75"})
    (tmp_path / GROCERY_FILE).write_text(json.dumps(doc))
    with pytest.raises(InvalidRateTable, match="'60601' is in two districts of RTA on one day"):
        load_grocery_districts(tmp_path)


# ----- New York: clothing in a ZIP code across a county line -------------------------------------


def test_ny_clothing_in_a_zip_spanning_localities_takes_the_lowest_rate(book):
    # 11001 (Floral Park) lies in Nassau County (taxes clothing under $110 locally: 4.25 % + MCTD 0.375 %) and in Queens
    # (New York City exempts it, and so the MCTD tax): the lowest rate, 0, applies, and the warning names both.
    out = calc(book, order({"region": "NY", "postal_code": "11001"}, lines=[{"id": "1", "amount": "100.00", "category": "clothing"}]))
    ln = out["lines"][0]
    assert (ln["tax_amount"], ln["taxability_reason"]) == ("0.00", "product_exempt")
    assert "Nassau County and New York City" in warnings(out)["zip_spans_jurisdictions"] and "Floral Park" in ln["source"]
    # $110 or more: no exemption anywhere, the ZIP's general rate (8.625 % x 120 = 10.35), no clothing warning
    over = calc(book, order({"region": "NY", "postal_code": "11001"}, lines=[{"id": "1", "amount": "120.00", "category": "clothing"}]))
    assert over["lines"][0]["tax_amount"] == "10.35" and "zip_spans_jurisdictions" not in warnings(over)
    # a ZIP wholly in Nassau County is unchanged (4.625 -> 4.63)
    assert line(book, order({"region": "NY", "postal_code": "11501"}, lines=[{"id": "1", "amount": "100.00", "category": "clothing"}]))["tax_amount"] == "4.63"


@pytest.mark.parametrize("zip5, names, general", [
    # 13760 (Endicott): the Census Bureau's 2010 ZCTA-to-county relationship file places 92 % of its people in Broome
    # County (taxes clothing under $110 locally, 4 %) and 8 % in Tioga County (Publication 718-C: exempts it); general
    # 8 % x 120 = 9.60
    ("13760", "Broome County and Tioga County", "9.60"),
    # 10588 (Shrub Oak): 96 % Westchester County (taxes it, with the MCTD tax), 4 % Putnam County (exempts it from
    # 2024-03-01); general 8.375 % x 120 = 10.05
    ("10588", "Putnam County and Westchester County", "10.05"),
])
def test_ny_zips_across_county_lines_from_the_census_relationship_file(book, zip5, names, general):
    def clothing(amount):
        return calc(book, order({"region": "NY", "postal_code": zip5}, lines=[{"id": "1", "amount": amount, "category": "clothing"}]))

    out = clothing("100.00")
    ln = out["lines"][0]
    # before the relationship file was read the main county alone decided: 4.00 in Endicott, 4.38 in Shrub Oak
    assert (ln["tax_amount"], ln["taxability_reason"]) == ("0.00", "product_exempt")
    assert names in warnings(out)["zip_spans_jurisdictions"] and "2010 ZCTA to County Relationship File" in ln["source"]
    over = clothing("120.00")
    assert over["lines"][0]["tax_amount"] == general and "zip_spans_jurisdictions" not in warnings(over)


def test_a_zip_whose_other_county_holds_under_1_percent_of_its_people_counts_for_its_main_county(book):
    # 11003 (Elmont): 99.6 % of its 2010 population in Nassau County, 156 people (0.4 %) in Queens: not spanning
    from datetime import date

    from taxapi.regimes.us_sales_tax import local_table

    table = local_table(book)
    assert table.clothing_span("NY", "11003") is None and table.clothing_span("NY", "13760") is not None
    assert table.clothing_exempt_locality("NY", "11003", date(2026, 3, 10)) is None


def test_the_zip5_records_answer_as_the_full_path_on_every_day_they_hold(book):
    """The record an order to a five-digit ZIP reads (its answer, general rate and spanning flag, built at load) is
    what the ZIP look-up and the rate cache answer on the first and last day of each span, and on the days around."""
    from datetime import timedelta

    from taxapi.categories import Category
    from taxapi.regimes.us_sales_tax import _rate, _resolve, _zip_area, local_table

    one = timedelta(days=1)
    checked = 0
    for state, zips in local_table(book).answers_by_zip5().items():
        j = book.jurisdictions.get(f"US-{state}")
        for zip5, answers in zips.items():
            for res in answers:
                days = [res.valid_from, res.valid_from + one, res.valid_from - one]
                if res.valid_to is not None:
                    days += [res.valid_to, res.valid_to + one]
                for day in days:
                    area = _zip_area(book, state, zip5, day)
                    if area is None:
                        continue
                    dest = _resolve(book, state, zip5, day, "ship_to")
                    assert area[3] is dest and area[5] is dest.spans_several_rates
                    assert area[4] == _rate(book, j, state, Category.general, day, dest, None)
                    checked += 1
            assert any(_zip_area(book, state, zip5, res.valid_from) is not None for res in answers), (state, zip5)
    assert checked > 100


def test_a_zip_plus_4_reads_its_zip5_record_unless_zip_plus_4_records_decide(book):
    """Where the ZIP5 has no ZIP+4 records, a ZIP+4 answers as its ZIP5 (the same record); where it has (the Minnesota
    SST fixture), the full path answers, and the record is not read."""
    from datetime import date

    from taxapi.categories import Category
    from taxapi.regimes.us_sales_tax import _rate, _resolve, _zip_area, local_table

    day = date(2026, 3, 10)
    table = local_table(book)
    fast = full = 0
    for state, zips in table.answers_by_zip5().items():
        j = book.jurisdictions.get(f"US-{state}")
        for zip5 in zips:
            for spelled in (f"{zip5}-0101", f"{zip5}0101"):
                area = _zip_area(book, state, spelled, day)
                if table.zip5_answers(state, zip5, "0101") is None:
                    assert area is None
                    full += 1
                elif area is not None:
                    assert area is _zip_area(book, state, zip5, day)
                    dest = _resolve(book, state, spelled, day, "ship_to")
                    assert area[3] is dest and area[4] == _rate(book, j, state, Category.general, day, dest, None)
                    fast += 1
    assert fast > 100 and full > 0


@pytest.mark.parametrize("postal_code", ["10001 2062", "10001-206", "10001-２０６２", " 10001", "1000", "１０００１", "+1000",
                                         "90210", "90210-1234"])
def test_other_spellings_and_other_states_zips_take_the_full_path(book, postal_code):
    from datetime import date

    from taxapi.regimes.us_sales_tax import _zip_area

    assert _zip_area(book, "NY", postal_code, date(2026, 3, 10)) is None
