"""Brazil beyond the remessas up to USD 3,000 (prices including the tax, sales from a Brazilian warehouse with the
internal ICMS and DIFAL, imports by businesses and above USD 3,000 under the ordinary regime, services from abroad),
and South Africa's flat-rate parcels with their duty and VAT computed.

The worked cases are the ``cases`` of tests/golden/markets/BR.json and ZA.json (each with its source); these tests
add the dates, the properties and what the cases do not show. The rates are the data of rates/parameters/BR.json
(internal and interstate ICMS, PIS/Cofins-Importação, the 2026 CBS/IBS test rates) and rates/parameters/ZA.json.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.money import fmt_percent
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book
from tests.api.test_brazil_remessa import _post, _taxes

CENT = Decimal("0.01")


def _compute(body: dict):
    return compute_order(order=CalculateRequest.model_validate(body), book=get_rate_book(), fx=get_ecb_rates())


def _levels(items) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for it in items:
        for b in it.breakdown:
            out[b.level] = out.get(b.level, Decimal(0)) + b.tax_amount
    return out


def _remessa(day: str, state: str, amounts: list[str], shipping: str | None, *, inclusive: bool = False,
             currency: str = "USD") -> dict:
    body = {"date": day, "currency": currency, "seller": {"country": "CN"}, "ship_from": {"country": "CN"},
            "ship_to": {"country": "BR", "region": state}, "marketplace": {"name": "AliExpress", "remessa_conforme": True},
            "prices_include_tax": inclusive, "lines": [{"id": str(i), "amount": a} for i, a in enumerate(amounts)]}
    if shipping is not None:
        body["shipping"] = {"amount": shipping}
    return body


def _sale(day: str, origin: str, dest: str, amounts: list[str], *, inclusive: bool = False, rounding: str = "per_line",
          seller: str = "BR") -> dict:
    return {"date": day, "currency": "BRL", "seller": {"country": seller}, "ship_from": {"country": "BR", "region": origin},
            "ship_to": {"country": "BR", "region": dest}, "prices_include_tax": inclusive, "rounding": rounding,
            "lines": [{"id": str(i), "amount": a} for i, a in enumerate(amounts)]}


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("700"), places=2, allow_nan=False, allow_infinity=False)
states = st.sampled_from(["SP", "RJ", "AC", "MG", "BA", "PI", "MA", "RS"])


# ----- prices that include the tax ---------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(lines=st.lists(amounts, min_size=1, max_size=3), shipping=st.one_of(st.none(), amounts), state=states,
       day=st.sampled_from(["2024-07-31", "2024-08-01", "2025-04-01", "2026-03-02"]), currency=st.sampled_from(["USD", "BRL"]))
def test_a_remessa_priced_with_the_tax_gives_back_the_exclusive_answer_whose_gross_it_is(lines, shipping, state, day, currency):
    """Solved backwards from its gross, a remessa has the exclusive order's II and ICMS to the cent in total (the band
    is decided on the value to the cent; in BRL the USD bands and deduction at the ECB rate), each line's net within a
    cent (the shares are spread by gross, not by net)."""
    exclusive = _compute(_remessa(day, state, [str(a) for a in lines], None if shipping is None else str(shipping), currency=currency))
    ex_items = list(exclusive.lines) + ([exclusive.shipping] if exclusive.shipping is not None else [])
    inclusive = _compute(_remessa(day, state, [str(line.gross_amount) for line in exclusive.lines],
                                  None if exclusive.shipping is None else str(exclusive.shipping.gross_amount), inclusive=True,
                                  currency=currency))
    in_items = list(inclusive.lines) + ([inclusive.shipping] if inclusive.shipping is not None else [])
    assert _levels(in_items) == _levels(ex_items)
    assert (inclusive.totals.net_amount, inclusive.totals.tax_amount, inclusive.totals.gross_amount) == (
        exclusive.totals.net_amount, exclusive.totals.tax_amount, exclusive.totals.gross_amount)
    for a, b in zip(in_items, ex_items):
        assert abs(a.net_amount - b.net_amount) <= CENT and a.net_amount + a.tax_amount == a.gross_amount
        assert sum(x.tax_amount for x in a.breakdown) == a.tax_amount


@settings(max_examples=120, deadline=None)
@given(lines=st.lists(amounts, min_size=1, max_size=3), origin=states, dest=states,
       rounding=st.sampled_from(["per_line", "per_document"]), seller=st.sampled_from(["BR", "CN"]))
def test_a_local_sale_priced_with_the_tax_bears_the_icms_of_the_exclusive_answer(lines, origin, dest, rounding, seller):
    """ICMS "por dentro" is the rate of the price it is part of: priced with the tax, each level is within a cent of the
    exclusive order's (exact within one state), and the levels add up to the destination's internal rate of the price."""
    exclusive = _compute(_sale("2025-07-29", origin, dest, [str(a) for a in lines], rounding=rounding, seller=seller))
    inclusive = _compute(_sale("2025-07-29", origin, dest, [str(line.gross_amount) for line in exclusive.lines], inclusive=True,
                               rounding=rounding, seller=seller))
    ex, inc = _levels(exclusive.lines), _levels(inclusive.lines)
    assert ex.keys() == inc.keys()
    for level in ex:
        assert abs(ex[level] - inc[level]) <= (0 if origin == dest else CENT * len(lines)), (level, ex, inc)
    internal = next(b.rate_percent for line in inclusive.lines for b in line.breakdown if b.jurisdiction == f"BR-{dest}") if origin == dest \
        else sum(b.rate_percent for b in inclusive.lines[0].breakdown)
    gross = inclusive.totals.gross_amount
    assert abs(inclusive.totals.tax_amount - gross * internal / 100) <= CENT * len(lines) * len(ex)
    assert inclusive.totals.tax_collected_by_seller == inclusive.totals.tax_amount


def test_an_inclusive_price_above_usd_3000_is_an_ordinary_import_on_its_price(client):
    # Solved, USD 5,000 with the tax is a value of (5,000 x 0.83 + 20) / 1.6 = USD 2,606.25: still the RTS. USD 9,000:
    # USD 4,681.25, so the
    # ordinary regime, whose taxes are due at import: the price is the value (PIS 189.00, Cofins 868.50, ICMS 18 %).
    line = _post(client, _remessa("2025-07-29", "SP", ["5000.00"], None, inclusive=True))["lines"][0]
    assert (line["rule"], line["net_amount"], line["gross_amount"]) == ("br.import.remessa_conforme", "2606.25", "5000.00")
    r = _post(client, _remessa("2025-07-29", "SP", ["9000.00"], None, inclusive=True))
    line = r["lines"][0]
    assert (line["rule"], line["net_amount"], line["tax_amount"], line["collected_by"]) == ("br.import.regular", "9000.00", "0.00", "customs")
    assert _taxes(line) == {"pis_importacao": ("BR", "2.10", "189.00"), "cofins_importacao": ("BR", "9.65", "868.50"),
                            "icms": ("BR-SP", "18", "2207.74")}  # 10,057.50 / 0.82 x 0.18 = 2,207.74
    assert r["totals"]["tax_due_at_import"] == "3265.24"


def test_an_inclusive_price_no_value_gives_is_a_problem_naming_the_field(client):
    # Before Law 14.902 the bands were 0 % up to USD 50 and 60 % above, so no value has a gross between
    # 50 / 0.83 = 60.24 and 50.01 x 1.6 / 0.83 = 96.41 (SP 17 %): 70.00 is answered with a 422, never a guess.
    r = client.post("/v1/calculate", json=_remessa("2024-07-31", "SP", ["70.00"], None, inclusive=True))
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert r.json()["errors"][0]["loc"] == ["body", "prices_include_tax"]
    for gross, net in (("60.24", "50.00"), ("96.41", "50.01")):  # the ends of the gap are answers
        line = _post(client, _remessa("2024-07-31", "SP", [gross], None, inclusive=True))["lines"][0]
        assert line["net_amount"] == net, line


def test_outside_remessa_conforme_an_inclusive_price_is_the_value(client):
    # The taxes are due at import, not in the price: 50.00 is the customs value (II 30.00, ICMS 16.39 as vector br-rts).
    body = _remessa("2025-07-29", "SP", ["50.00"], None, inclusive=True)
    body["marketplace"]["remessa_conforme"] = False
    line = _post(client, body)["lines"][0]
    assert (line["net_amount"], line["tax_due_at_import"]) == ("50.00", "46.39")


# ----- sales from inside Brazil ----------------------------------------------------------------
@pytest.mark.parametrize(("state", "day", "rate"), [
    # Each change since the state tables start (2023-08-01) on its first day and the day before (the state law and
    # date as the cited tables give them); the 2023 rises before it are kept as data.
    ("MA", "2023-08-01", "20"), ("MA", "2024-02-18", "20"), ("MA", "2024-02-19", "22"),
    ("MA", "2025-02-22", "22"), ("MA", "2025-02-23", "23"), ("PI", "2023-08-01", "21"),
    ("PI", "2025-03-31", "21"), ("PI", "2025-04-01", "22.5"), ("RN", "2023-08-01", "20"),
    ("RN", "2023-12-31", "20"), ("RN", "2024-01-01", "18"), ("RN", "2025-03-19", "18"), ("RN", "2025-03-20", "20"),
    ("BA", "2023-08-01", "19"), ("BA", "2024-02-06", "19"), ("BA", "2024-02-07", "20.5"),
    ("RJ", "2024-03-19", "20"), ("RJ", "2024-03-20", "22"), ("PR", "2024-03-17", "19"), ("PR", "2024-03-18", "19.5"),
    ("DF", "2024-01-20", "18"), ("DF", "2024-01-21", "20"), ("GO", "2024-03-31", "17"), ("GO", "2024-04-01", "19"),
    ("SP", "2023-08-01", "18"), ("SP", "2026-03-02", "18"), ("RS", "2025-07-29", "17"),
])
def test_the_internal_rate_of_the_state_on_its_dates(client, state, day, rate):
    line = _post(client, _sale(day, state, state, ["100.00"]))["lines"][0]
    t = Decimal(rate) / 100
    assert _taxes(line) == {"icms": (f"BR-{state}", rate, str((Decimal(100) / (1 - t) * t).quantize(CENT)))}
    assert line["rule"] == "br.domestic" and line["collected_by"] == "seller"


@pytest.mark.parametrize(("origin", "dest", "seller", "inter"), [
    ("SP", "BA", "BR", "7"), ("BA", "SP", "BR", "12"), ("SP", "RJ", "BR", "12"), ("SP", "ES", "BR", "7"), ("SP", "BA", "CN", "4"),
])
def test_an_interstate_sale_to_a_consumer_splits_the_destination_rate_into_interstate_and_difal(client, origin, dest, seller, inter):
    line = _post(client, _sale("2025-07-29", origin, dest, ["100.00"], seller=seller))["lines"][0]
    taxes = _taxes(line)
    internal = {"BA": Decimal("20.5"), "SP": Decimal(18), "RJ": Decimal(22), "ES": Decimal(17)}[dest]
    assert taxes["icms"][:2] == (f"BR-{origin}", inter)
    assert taxes["icms_difal"][:2] == (f"BR-{dest}", fmt_percent(internal - Decimal(inter)))
    gross = Decimal(100) / (1 - internal / 100)
    assert abs(Decimal(line["tax_amount"]) - gross * internal / 100) <= CENT


def test_shipping_of_a_local_sale_bears_the_icms_and_2025_has_no_test_year(client):
    body = _sale("2025-07-29", "SP", "SP", ["100.00"])
    body["shipping"] = {"amount": "18.00"}
    r = _post(client, body)
    assert r["totals"]["tax_amount"] == str((Decimal("118") / Decimal("0.82") * Decimal("0.18")).quantize(CENT))  # 25.90
    assert "cbs_ibs_test_year" not in [w["code"] for w in r["warnings"]]
    warnings = {w["code"]: w["detail"] for w in _post(client, _sale("2026-12-31", "SP", "SP", ["100.00"]))["warnings"]}
    assert "CBS 0.9 % and IBS 0.1 %" in warnings["cbs_ibs_test_year"]
    assert "cbs_ibs_test_year" not in [w["code"] for w in _post(client, _sale("2027-01-01", "SP", "SP", ["100.00"]))["warnings"]]


def test_a_local_sale_before_the_internal_rates_shipped_is_refused_naming_the_date(client):
    # The internal rates and the state tables start on 2020-01-01, for either end of an interstate sale.
    for body in (_sale("2019-12-31", "PR", "SP", ["100.00"]), _sale("2019-12-31", "SP", "PR", ["100.00"])):
        r = client.post("/v1/calculate", json=body)
        assert r.status_code == 422 and r.json()["code"] in {"unsupported_scenario", "date_out_of_range"}, r.text
        assert r.json()["errors"][0]["loc"] == ["body", "date"]
    assert _post(client, _sale("2020-01-01", "SP", "PR", ["100.00"]))["lines"][0]["rule"] == "br.domestic.interstate"


# ----- business buyers and services ------------------------------------------------------------
def test_a_business_importer_pays_at_customs_even_through_a_certified_platform(client):
    body = _remessa("2025-07-29", "MG", ["100.00"], None)
    body["customer"] = {"type": "business"}
    r = _post(client, body)
    line = r["lines"][0]
    # PIS 2.10, Cofins 9.65, ICMS MG 18 %: 111.75 / 0.82 x 0.18 = 24.53.
    assert (line["rule"], line["collected_by"], line["tax_due_at_import"]) == ("br.import.regular", "customs", "36.28")
    assert r["totals"]["tax_collected_by_marketplace"] == "0.00"
    codes = [w["code"] for w in r["warnings"]]
    assert "import_duty_by_tariff_heading" in codes and "business_tax_id_not_checked" in codes and "business_without_tax_id" not in codes


def test_a_service_from_abroad_to_a_business_is_the_buyers_to_account_for(client):
    body = {"date": "2026-03-02", "currency": "USD", "seller": {"country": "US"}, "ship_from": {"country": "US"},
            "ship_to": {"country": "BR", "region": "SP"}, "customer": {"type": "business"},
            "lines": [{"id": "1", "amount": "10.00", "category": "services"}]}
    r = _post(client, body)
    line = r["lines"][0]
    assert (line["rule"], line["collected_by"], line["tax_amount"]) == ("br.services.b2b.reverse_charge", "customer", "0.00")
    assert "imported_service_taxes_not_computed" in [w["code"] for w in r["warnings"]]
    body["customer"] = {"type": "consumer"}
    line = _post(client, body)["lines"][0]
    assert (line["rule"], line["collected_by"]) == ("br.services.import", "none") and "Lei 10.865/2004" in line["source"]


# ----- South Africa's flat-rate parcels ----------------------------------------------------------
def _za(day: str, amount: str, *, shipping: str | None = None, category: str = "general") -> dict:
    body = {"date": day, "currency": "ZAR", "seller": {"country": "CN"}, "ship_from": {"country": "CN"}, "ship_to": {"country": "ZA"},
            "lines": [{"id": "1", "amount": amount, "category": category}]}
    if shipping is not None:
        body["shipping"] = {"amount": shipping}
    return body


@pytest.mark.parametrize(("day", "amount", "duty", "vat"), [
    ("2024-08-31", "400.00", "80.00", None),  # the flat rate alone until 2024-08-31
    ("2024-09-01", "400.00", "80.00", "78.00"),  # VAT 15 % x (400 + 40 + 80)
    ("2024-11-01", "500.00", "100.00", "97.50"),  # at the limit: 15 % x (500 + 50 + 100)
    ("2026-03-02", "123.45", "24.69", "24.07"),  # 15 % x (123.45 + 12.345 + 24.69) = 24.07
])
def test_a_parcel_up_to_r500_bears_the_flat_rate_and_from_2024_09_01_the_vat_on_the_added_tax_value(client, day, amount, duty, vat):
    r = _post(client, _za(day, amount, shipping="60.00"))
    line = r["lines"][0]
    expected = {"import_duty": ("ZA", "20", duty), **({"vat": ("ZA", "15", vat)} if vat else {})}
    assert _taxes(line) == expected and line["rule"] == "za.import.flat_rate" and line["collected_by"] == "customs"
    total = Decimal(duty) + Decimal(vat or 0)
    # The shipping is not in the FOB customs value: it bears neither.
    assert (line["tax_due_at_import"], r["shipping"]["tax_due_at_import"], r["totals"]["tax_due_at_import"]) == (
        str(total), "0.00", str(total))
    assert r["totals"]["tax_amount"] == "0.00" and "import_duty_not_included" not in [w["code"] for w in r["warnings"]]


def test_a_zero_rated_parcel_bears_the_flat_rate_only_and_above_r500_the_vat_at_import(client):
    line = _post(client, _za("2025-03-03", "100.00", category="food"))["lines"][0]
    assert _taxes(line) == {"import_duty": ("ZA", "20", "20.00")}
    # Above R500 the VAT at import is on the added tax value (VAT Act s.13(2)(a)): the value + 10 % of it (the duty,
    # by tariff heading, not computed): 500.01 x 1.10 x 15 % = 82.50165 -> 82.50 (75.00 was 15 % of the value alone).
    line = _post(client, _za("2025-03-03", "500.01"))["lines"][0]
    assert (line["rule"], line["tax_due_at_import"]) == ("za.import", "82.50")


# ----- every Brazilian scenario --------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.tuples(amounts, st.sampled_from(["general", "books", "exempt", "digital_services", "services"])),
                      min_size=1, max_size=4),
       shipping=st.one_of(st.none(), amounts), origin=st.sampled_from(["CN", "SP", "BA", "PR"]), dest=states,
       seller=st.sampled_from(["CN", "BR"]), buyer=st.sampled_from(["consumer", "business"]),
       marketplace=st.sampled_from([None, False, True]), inclusive=st.booleans(),
       rounding=st.sampled_from(["per_line", "per_document"]),
       day=st.sampled_from(["2021-06-01", "2023-07-31", "2024-08-01", "2025-07-29", "2026-03-02"]),
       seller_type=st.sampled_from(["business", "individual"]))
def test_every_brazilian_answer_adds_up(lines, shipping, origin, dest, seller, buyer, marketplace, inclusive, rounding, day,
                                        seller_type):
    """Whatever the scenario (a remessa, an ordinary import, a local sale, a service from abroad or from Brazil, from
    2021): each item's breakdown is its tax on the bill and due at import, net + tax = gross, nothing is negative, and
    the seller's proceeds, what the marketplace collects and withholds add up to the gross."""
    if origin == "CN" and seller == "BR":
        seller = "CN"  # a Brazilian seller ships from Brazil here
    body = {"date": day, "currency": "USD" if origin == "CN" else "BRL", "prices_include_tax": inclusive, "rounding": rounding,
            "seller": {"country": seller, "type": seller_type}, "customer": {"type": buyer},
            "ship_from": {"country": "CN"} if origin == "CN" else {"country": "BR", "region": origin},
            "ship_to": {"country": "BR", "region": dest},
            "lines": [{"id": str(i), "amount": str(a), "category": c} for i, (a, c) in enumerate(lines)]}
    if marketplace is not None:
        body["marketplace"] = {"name": "M", "remessa_conforme": marketplace}
    if shipping is not None:
        body["shipping"] = {"amount": str(shipping)}
    result = _compute(body)
    items = list(result.lines) + ([result.shipping] if result.shipping is not None else [])
    for it in items:
        assert it.tax_amount >= 0 and it.tax_due_at_import >= 0 and it.net_amount >= 0
        assert it.net_amount + it.tax_amount == it.gross_amount
        if it.breakdown:
            assert sum(b.tax_amount for b in it.breakdown) == it.tax_amount + it.tax_due_at_import, it
            assert all(b.tax_amount >= 0 for b in it.breakdown), it
    t = result.totals
    assert t.seller_proceeds + t.withheld_by_marketplace + t.tax_collected_by_marketplace == t.gross_amount
    assert t.tax_amount == t.tax_collected_by_seller + t.tax_collected_by_marketplace


def test_price_and_batch_answer_a_local_sale_and_a_flat_rate_parcel(client):
    # The SP -> BA sale of br_domestic_interstate_difal (25.79) and the R400 parcel of za-flat-rate-parcel (158.00).
    params = {"country": "BR-BA", "amount": "100.00", "currency": "BRL", "seller_country": "BR", "ship_from": "BR-SP",
              "date": "2025-07-29"}
    p = client.get("/v1/price", params=params).json()
    assert (p["tax_amount"], p["gross_amount"], p["collected_by"], p["rule"]) == ("25.79", "125.79", "seller", "br.domestic.interstate")
    body = (b"id,country,amount,currency,seller_country,ship_from\n"
            b"br,BR-BA,100.00,BRL,BR,BR-SP\nza,ZA,400.00,ZAR,CN,CN\n")
    r = client.post("/v1/batch", params={"date": "2025-07-29"}, content=body, headers={"content-type": "text/csv"})
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    assert (rows["br"]["tax_amount"], rows["br"]["gross_amount"]) == ("25.79", "125.79")
    # A batch row has no column for the tax due at import: the parcel's rate (duty + VAT on the added tax value) says it.
    assert (rows["za"]["tax_amount"], rows["za"]["rate_percent"]) == ("0.00", "39.5")
    p = client.get("/v1/price", params={"country": "ZA", "amount": "400.00", "currency": "ZAR", "seller_country": "CN",
                                        "ship_from": "CN", "date": "2025-07-29"}).json()
    assert (p["tax_amount"], p["tax_due_at_import"], p["rule"]) == ("0.00", "158.00", "za.import.flat_rate")
