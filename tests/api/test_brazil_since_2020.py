"""Brazil from 2020-01-01: the states' internal ICMS before the 2023 tables, parcels before Remessa Conforme, and services
sold from inside Brazil.

The expected rates are those of the cited sources (rates/parameters/BR.json names each period's): the internal (modal)
rates before the 2023 rises as fonsecamoreti.com.br and substituicaotributaria.com list them, Rio Grande do Sul's 18 %
to 2020-12-31 (Lei 15.205/2018), 17.5 % in 2021 (Lei 15.576/2020) and 17 % from 2022 (g1.globo.com 2021-12-31),
Paraná's 18 % to 19 % on 2023-03-13 (Lei 21.308/2022). Parcels before 2023-08-01: Portaria MF 156/1999 art. 1 (II 60 %
of the whole customs value; the USD 50 exemption only between individuals) and the state's ICMS on imports at its
internal rate (LC 87/1996 art. 13 V, §1 I). Services: LC 116/2003 (ISS, municipal, 2 % to 5 %). The whole orders with
their sources are the ``cases`` of tests/golden/markets/BR.json.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxapi.regimes.br_tax import STATES
from tests.api.test_brazil_remessa import _order, _post, _taxes
from tests.api.test_brazil_scenarios import _compute, _sale

CENT = Decimal("0.01")

#: Each state's internal (modal) rate on 2020-01-01 (the rate the 2023 tables give as the one before their rises).
RATES_2020 = {"AC": "17", "AL": "18", "AM": "18", "AP": "18", "BA": "18", "CE": "18", "DF": "18", "ES": "17", "GO": "17",
              "MA": "18", "MG": "18", "MS": "17", "MT": "17", "PA": "17", "PB": "18", "PE": "18", "PI": "18", "PR": "18",
              "RJ": "20", "RN": "18", "RO": "17.5", "RR": "17", "RS": "18", "SC": "17", "SE": "18", "SP": "18", "TO": "18"}

#: Every change of an internal rate between 2020-01-01 and the 2023 tables: (state, first day, rate before, rate from).
CHANGES = [
    ("RS", "2021-01-01", "18", "17.5"), ("RS", "2022-01-01", "17.5", "17"), ("PI", "2023-03-08", "18", "21"),
    ("PR", "2023-03-13", "18", "19"), ("PA", "2023-03-16", "17", "19"), ("BA", "2023-03-22", "18", "19"),
    ("RR", "2023-03-30", "17", "20"), ("AC", "2023-04-01", "17", "19"), ("AL", "2023-04-01", "18", "20"),
    ("AM", "2023-04-01", "18", "20"), ("MA", "2023-04-01", "18", "20"), ("RN", "2023-04-01", "18", "20"),
    ("SE", "2023-04-01", "18", "19"),
]


def _before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def _icms(t: str, net: str = "100") -> str:
    rate = Decimal(t) / 100
    return str((Decimal(net) / (1 - rate) * rate).quantize(CENT))


# ----- the internal rates ------------------------------------------------------------------------
def test_every_state_has_its_2020_rate():
    assert set(RATES_2020) == set(STATES)


@pytest.mark.parametrize("state", sorted(RATES_2020))
def test_a_local_sale_on_2020_01_01_bears_the_states_rate_then(client, state):
    rate = RATES_2020[state]
    line = _post(client, _sale("2020-01-01", state, state, ["100.00"]))["lines"][0]
    assert _taxes(line) == {"icms": (f"BR-{state}", rate, _icms(rate))}
    assert (line["rule"], line["collected_by"]) == ("br.domestic", "seller")


@pytest.mark.parametrize(("state", "day", "before", "after"), CHANGES)
def test_each_change_of_an_internal_rate_on_its_day_and_the_day_before(client, state, day, before, after):
    for when, rate in ((_before(day), before), (day, after)):
        line = _post(client, _sale(when, state, state, ["100.00"]))["lines"][0]
        assert _taxes(line)["icms"] == (f"BR-{state}", rate, _icms(rate)), when


def test_an_interstate_sale_before_2023_splits_the_destination_rate():
    # SP -> RS in 2021: 12 % to SP (Resolução do Senado 22/1989, SP to the South), RS 17.5 % - 12 % = 5.5 % DIFAL.
    items = _compute(_sale("2021-06-01", "SP", "RS", ["100.00"])).lines
    levels = {b.level: (b.jurisdiction, str(b.rate_percent)) for b in items[0].breakdown}
    assert levels == {"icms": ("BR-SP", "12"), "icms_difal": ("BR-RS", "5.5")}
    assert abs(items[0].tax_amount - Decimal(_icms("17.5"))) <= CENT


def test_an_ordinary_import_before_2023_bears_the_states_rate_then(client):
    body = _order("2021-06-01", "RS", "1000.00")
    body["customer"] = {"type": "business"}
    line = _post(client, body)["lines"][0]
    # PIS 21.00, Cofins 96.50, ICMS RS 17.5 % on 1,117.50 por dentro: 1,117.50 / 0.825 x 0.175 = 237.05.
    assert line["rule"] == "br.import.regular" and line["tax_due_at_import"] == "354.55"
    assert _taxes(line)["icms"] == ("BR-RS", "17.5", "237.05")


def test_before_2020_is_refused_naming_the_date(client):
    for body in (_sale("2019-12-31", "SP", "SP", ["100.00"]), _order("2019-12-31", "SP", "10.00")):
        r = client.post("/v1/calculate", json=body)
        assert r.status_code == 422 and r.json()["code"] in {"unsupported_scenario", "date_out_of_range"}, r.text
        assert r.json()["errors"][0]["loc"] == ["body", "date"]


# ----- parcels before Remessa Conforme -----------------------------------------------------------
def test_remessa_conforme_starts_on_2023_08_01(client):
    before = _post(client, _order("2023-07-31", "SP", "50.00"))
    line = before["lines"][0]
    # A seller's USD 50 parcel: II 60 % = 30.00 (no exemption), ICMS SP 18 % on 80.00 por dentro = 17.56, at import.
    assert (line["rule"], line["collected_by"], line["tax_amount"]) == ("br.import.rts", "customs", "0.00")
    assert _taxes(line) == {"import_duty": ("BR", "60", "30.00"), "icms": ("BR-SP", "18", "17.56")}
    assert "Portaria MF 156/1999" in line["source"]
    assert "remessa_conforme_not_started" in [w["code"] for w in before["warnings"]]
    after = _post(client, _order("2023-08-01", "SP", "50.00"))
    assert after["lines"][0]["rule"] == "br.import.remessa_conforme"
    assert _taxes(after["lines"][0]) == {"import_duty": ("BR", "0", "0.00"), "icms": ("BR-SP", "17", "10.24")}
    assert "remessa_conforme_not_started" not in [w["code"] for w in after["warnings"]]


def test_a_parcel_above_usd_3000_before_2023_is_an_ordinary_import(client):
    line = _post(client, _order("2022-05-02", "SP", "3000.01", certified=False))["lines"][0]
    assert line["rule"] == "br.import.regular"
    assert _post(client, _order("2022-05-02", "SP", "3000.00", certified=False))["lines"][0]["rule"] == "br.import.rts"


@settings(max_examples=60, deadline=None)
@given(state=st.sampled_from(sorted(RATES_2020)),
       day=st.dates(min_value=date(2020, 1, 1), max_value=date(2023, 7, 31)))
def test_before_the_uniform_rate_a_parcel_bears_the_states_internal_rate(state, day):
    """Before Convênio ICMS 81/2023 the remessa's ICMS is the state's internal rate of the same day: the rate tables
    and the internal-rate parameters agree on every date."""
    parcel = _compute(_order(day.isoformat(), state, "10.00")).lines[0]
    sale = _compute(_sale(day.isoformat(), state, state, ["100.00"])).lines[0]
    icms = {b.level: b for b in parcel.breakdown}["icms"]
    assert icms.rate_percent == sale.breakdown[0].rate_percent
    duty = Decimal("6.00")  # 60 % of USD 10
    t = icms.rate_percent / 100
    assert icms.tax_amount == ((Decimal(10) + duty) / (1 - t) * t).quantize(CENT)


# ----- services sold from inside Brazil -----------------------------------------------------------
@pytest.mark.parametrize("category", ["services", "digital_services"])
@pytest.mark.parametrize("buyer", ["consumer", "business"])
def test_a_service_sold_from_inside_brazil_is_the_sellers_iss_with_no_rate_known(client, category, buyer):
    body = _sale("2025-07-29", "SP", "RJ", ["100.00"])
    body["lines"][0]["category"] = category
    body["customer"] = {"type": buyer}
    r = _post(client, body)
    line = r["lines"][0]
    assert (line["rule"], line["collected_by"], line["tax_amount"], line["gross_amount"]) == (
        "br.services.domestic.iss", "seller", "0.00", "100.00")
    assert "LC 116/2003" in line["source"] and line["breakdown"] == []
    warnings = {w["code"]: w["detail"] for w in r["warnings"]}
    assert "2 %" in warnings["iss_rate_not_known"] and "5 %" in warnings["iss_rate_not_known"]
    assert ("business_tax_id_not_checked" in warnings) is (buyer == "business") and "business_without_tax_id" not in warnings


def test_a_service_sold_from_inside_brazil_in_2026_states_the_test_rates(client):
    body = _sale("2026-03-02", "SP", "SP", ["100.00"])
    body["lines"][0]["category"] = "services"
    codes = [w["code"] for w in _post(client, body)["warnings"]]
    assert "cbs_ibs_test_year" in codes and "iss_rate_not_known" in codes


def test_goods_and_a_service_in_one_order_from_inside_brazil(client):
    body = _sale("2022-05-02", "SP", "SP", ["100.00", "50.00"])
    body["lines"][1]["category"] = "services"
    r = _post(client, body)
    goods, service = r["lines"]
    assert (goods["rule"], goods["tax_amount"]) == ("br.domestic", _icms("18"))
    assert (service["rule"], service["tax_amount"]) == ("br.services.domestic.iss", "0.00")
    assert r["totals"]["tax_collected_by_seller"] == goods["tax_amount"]


def test_services_before_2023_without_a_state(client):
    # The national table starts on 2020-01-01 too: a service needs no state.
    body = {"date": "2021-03-02", "currency": "BRL", "seller": {"country": "BR"}, "ship_from": {"country": "BR"},
            "ship_to": {"country": "BR"}, "lines": [{"id": "1", "amount": "10.00", "category": "services"}]}
    assert _post(client, body)["lines"][0]["rule"] == "br.services.domestic.iss"
    body.update(seller={"country": "US"}, ship_from={"country": "US"}, currency="USD")
    body["lines"][0]["category"] = "digital_services"
    line = _post(client, body)["lines"][0]
    assert (line["rule"], line["collected_by"]) == ("br.tbe.import", "none")


# ----- a postal remessa between individuals before 2023-08-01 ---------------------------------------
def _between_individuals(day: str, amount: str, *, mode: str = "post", seller_type: str = "individual", currency: str = "USD",
                         shipping: str | None = None) -> dict:
    body = {"date": day, "currency": currency, "seller": {"country": "US", "type": seller_type}, "ship_from": {"country": "US"},
            "ship_to": {"country": "BR", "region": "SP"}, "transport_mode": mode, "lines": [{"id": "1", "amount": amount}]}
    if shipping is not None:
        body["shipping"] = {"amount": shipping}
    return body


def test_a_postal_remessa_between_individuals_up_to_usd_50_is_exempt_before_2023_08_01(client):
    # Portaria MF 156/1999 art. 1 §2: up to USD 50, sender and addressee individuals, remessa postal: no II (nor ICMS).
    r = _post(client, _between_individuals("2022-05-02", "50.00"))
    line = r["lines"][0]
    assert (line["rule"], line["rate_kind"], line["tax_due_at_import"], line["breakdown"]) == (
        "br.import.rts.individuals", "exempt", "0.00", [])
    assert "art. 1 §2" in line["source"]
    assert r["totals"]["tax_due_at_import"] == "0.00"


@pytest.mark.parametrize(("body", "duty"), [
    (_between_individuals("2022-05-02", "50.01"), "30.01"),  # above USD 50: 60 % of the whole value
    (_between_individuals("2022-05-02", "40.00", shipping="10.01"), "24.00"),  # the shipping is in the value (line share)
    (_between_individuals("2022-05-02", "50.00", mode="courier"), "30.00"),  # §2 is for remessas postais
    (_between_individuals("2022-05-02", "50.00", seller_type="business"), "30.00"),  # a seller's parcel
    (_between_individuals("2023-08-01", "50.00"), "30.00"),  # not distinguished from Remessa Conforme's start
])
def test_otherwise_a_parcel_bears_the_import_tax_from_the_first_dollar(client, body, duty):
    line = _post(client, body)["lines"][0]
    assert line["rule"] == "br.import.rts" and _taxes(line)["import_duty"][2] == duty


def test_the_individuals_limit_is_tested_in_usd_and_converts_nothing_when_not_in_force(client):
    usd_brl = Decimal(_post(client, _order("2022-05-02", "SP", "100.00", currency="BRL"))["conversions"][0]["rate"])
    assert usd_brl < 1  # BRL -> USD
    just_below = str((Decimal(50) / usd_brl * Decimal("0.999")).quantize(CENT))
    assert _post(client, _between_individuals("2022-05-02", just_below, currency="BRL"))["lines"][0]["rule"] == "br.import.rts.individuals"
    after = _post(client, _between_individuals("2023-08-01", "100.00", currency="BRL"))
    assert all("between individuals" not in c["purpose"] for c in after["conversions"])


def test_price_answers_a_2021_sale_a_2022_parcel_and_a_domestic_service(client):
    def price(**params):
        return client.get("/v1/price", params={"amount": "100.00", **params}).json()
    p = price(country="BR-RS", currency="BRL", seller_country="BR", ship_from="BR-RS", date="2021-06-01")
    assert (p["tax_amount"], p["rule"]) == (_icms("17.5"), "br.domestic")
    p = price(country="BR-SP", currency="USD", seller_country="CN", ship_from="CN", date="2022-05-02")
    assert (p["tax_due_at_import"], p["rule"], p["collected_by"]) == ("95.12", "br.import.rts", "customs")  # 60.00 + 35.12
    p = price(country="BR-SP", currency="BRL", seller_country="BR", ship_from="BR-SP", date="2025-07-29", category="services")
    assert (p["tax_amount"], p["rule"], p["collected_by"]) == ("0.00", "br.services.domestic.iss", "seller")
    assert "iss_rate_not_known" in [w["code"] for w in p["warnings"]]
