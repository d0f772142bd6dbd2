"""The seventeen markets beyond Europe, Oceania, Japan and North America, computed by their regime
modules: domestic sales, imports above and below each market's de minimis, digital services sold
from abroad, and the markets whose rules taxapi does not compute yet (refused, never guessed).

Each case restates a rule of ``shared spec markets-rules.md`` with the legal source named in the
market's module docstring; the limits are those of ``rates/parameters/<CODE>.json``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from taxapi.regimes import REGIMES, regime_for_table

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "markets"
NEW_MARKETS = ("MX", "BR", "CL", "CO", "IN", "ID", "MY", "TH", "PH", "VN", "KR", "TW", "SA", "AE", "TR", "ZA", "IL")


def _order(day: str, ship_to: dict, amount: str, *, currency: str = "USD", seller: str = "CN", origin: str | None = None,
           category: str = "general", marketplace: bool = False) -> dict:
    body = {
        "date": day, "currency": currency,
        "seller": {"country": seller}, "ship_from": {"country": origin or seller}, "ship_to": ship_to,
        "lines": [{"id": "1", "amount": amount, "category": category}],
    }
    if marketplace:
        body["marketplace"] = {"name": "M"}
    return body


def _line(client, body: dict) -> dict:
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 200, r.text
    return r.json()["lines"][0]


def test_every_new_market_has_its_module_found_by_the_registry():
    assert set(NEW_MARKETS) <= set(REGIMES)
    for table in ("mx_vat", "br_tax", "br_icms", "cl_vat", "co_vat", "in_gst", "id_vat", "my_sst", "th_vat", "ph_vat",
                  "vn_vat", "kr_vat", "tw_bt", "sa_vat", "ae_vat", "tr_vat", "za_vat", "il_vat"):
        assert regime_for_table(table).code in NEW_MARKETS


# India's domestic sales need the states (CGST + SGST or IGST): tests/api/test_india_gst.py.
@pytest.mark.parametrize(("country", "rate"), [("MX", "16"), ("CL", "19"), ("CO", "19"), ("ID", "11"),
                                               ("TH", "7"), ("PH", "12"), ("KR", "10"), ("TW", "5"), ("SA", "15"),
                                               ("AE", "5"), ("TR", "20"), ("ZA", "15"), ("IL", "18")])
def test_a_domestic_sale_is_taxed_by_the_seller_at_the_standard_rate(client, country, rate):
    line = _line(client, _order("2026-03-02", {"country": country}, "100.00", currency="EUR", seller=country))
    assert (line["collected_by"], line["rule"], line["rate_percent"]) == ("seller", f"{country.lower()}.domestic", rate)
    assert Decimal(line["tax_amount"]) == Decimal(rate)


def test_korea_list_clearance_vector_from_the_golden_file(client):
    vector = next(v for v in json.loads((GOLDEN / "KR.json").read_text())["vectors"] if v["id"] == "kr-list-clearance")
    for value, exempt in zip(vector["facts"]["customs_values"], vector["expected"]["exempt"], strict=True):
        line = _line(client, _order(vector["date"], {"country": "KR"}, value, currency=vector["facts"]["currency"],
                                    seller=vector["facts"]["origin"]))
        assert line["collected_by"] == "customs" and line["tax_amount"] == "0.00"
        due = Decimal(line["tax_due_at_import"])
        assert (due == 0) is exempt, (value, line)
        if not exempt:
            assert due == Decimal(value) * Decimal("0.10")


def test_korea_list_clearance_is_usd_200_for_goods_from_the_united_states(client):
    # Korea-US FTA: USD 200 for US-origin goods (rates/parameters/KR.json lvg_de_minimis_us_origin).
    assert _line(client, _order("2025-03-01", {"country": "KR"}, "180.00", seller="US"))["rule"] == "kr.import.de_minimis"
    assert _line(client, _order("2025-03-01", {"country": "KR"}, "180.00", seller="CN"))["rule"] == "kr.import"


@pytest.mark.parametrize(("country", "day", "currency", "amount", "exempt"), [
    # Israel: USD 75 until 2026-02-24, USD 130 from 2026-02-25 (goods value only).
    ("IL", "2026-02-24", "USD", "100.00", False), ("IL", "2026-02-25", "USD", "100.00", True),
    ("IL", "2026-02-25", "USD", "130.00", True), ("IL", "2026-02-25", "USD", "130.01", False),
    # Philippines: PHP 10,000 de minimis (CMTA s.423).
    ("PH", "2026-03-02", "PHP", "10000.00", True), ("PH", "2026-03-02", "PHP", "10000.01", False),
    # Thailand: THB 1,500 VAT exemption removed on 2024-07-05.
    ("TH", "2024-07-04", "THB", "1000.00", True), ("TH", "2024-07-05", "THB", "1000.00", False),
    # Vietnam: VND 1,000,000 express de minimis repealed on 2025-02-18.
    ("VN", "2025-02-17", "VND", "900000", True), ("VN", "2025-02-18", "VND", "900000", False),
    # Taiwan: TWD 2,000 customs value.
    ("TW", "2026-03-02", "TWD", "2000", True), ("TW", "2026-03-02", "TWD", "2001", False),
    # South Africa: above ZAR 500 the VAT at import (the flat-rate parcels: tests/api/test_brazil_scenarios.py).
    ("ZA", "2024-09-01", "ZAR", "500.01", False),
    # Saudi Arabia, UAE, India: VAT on every import.
    ("SA", "2026-03-02", "EUR", "10.00", False), ("AE", "2026-03-02", "EUR", "10.00", False),
    ("IN", "2026-03-02", "INR", "100.00", False),
])
def test_imports_bear_the_tax_at_the_border_unless_within_the_de_minimis(client, country, day, currency, amount, exempt):
    line = _line(client, _order(day, {"country": country}, amount, currency=currency))
    assert line["collected_by"] == "customs" and Decimal(line["tax_amount"]) == 0
    assert line["rule"] == f"{country.lower()}.import" + (".de_minimis" if exempt else "")
    due = Decimal(line["tax_due_at_import"])
    assert (due == 0) is exempt
    if not exempt:
        assert due == (Decimal(amount) * Decimal(line["rate_percent"]) / 100).quantize(Decimal(due))


def test_colombia_exempts_small_courier_imports_from_the_united_states_only(client):
    # ET art. 428 lit. j: USD 50 from 2026-01-01, for origins whose trade agreement provides it.
    assert _line(client, _order("2026-03-02", {"country": "CO"}, "40.00", seller="US"))["rule"] == "co.import.de_minimis"
    assert _line(client, _order("2026-03-02", {"country": "CO"}, "40.00", seller="CN"))["rule"] == "co.import"


def test_a_limit_in_a_currency_the_ecb_does_not_publish_is_a_problem_naming_it(client):
    r = client.post("/v1/calculate", json=_order("2026-03-02", {"country": "TW"}, "50.00", currency="USD"))
    assert r.status_code == 422 and r.json()["code"] == "exchange_rate_not_found" and r.json()["currency"] == "TWD"


def test_turkish_postal_imports_within_the_limit_bear_the_single_tax_at_import(client):
    # Customs Law Implementing Decree art. 126: from 2024-08-21 EUR 30 with shipping, 30 % from the EU, 60 % otherwise.
    body = _order("2025-03-03", {"country": "TR"}, "20.00", currency="EUR")
    body["shipping"] = {"amount": "5.00"}
    r = client.post("/v1/calculate", json=body).json()
    line = r["lines"][0]
    assert (line["rule"], line["rate_percent"], line["tax_due_at_import"], line["collected_by"]) == (
        "tr.import.postal_single_tax", "60", "12.00", "customs")
    assert r["totals"]["tax_due_at_import"] == "15.00" and "single_tax_surcharge_not_included" in [w["code"] for w in r["warnings"]]
    eu = _line(client, _order("2025-03-03", {"country": "TR"}, "20.00", currency="EUR", seller="DE"))
    assert (eu["rate_percent"], eu["tax_due_at_import"]) == ("30", "6.00")
    # Before 2024-08-21: EUR 150, 30 % from outside the EU.
    assert _line(client, _order("2024-08-20", {"country": "TR"}, "100.00", currency="EUR"))["tax_due_at_import"] == "30.00"
    # Above the EUR 30 limit, and after the limit's repeal (2026-02-06), VAT is due at import.
    assert _line(client, _order("2025-03-03", {"country": "TR"}, "40.00", currency="EUR"))["rule"] == "tr.import"
    assert _line(client, _order("2026-03-02", {"country": "TR"}, "20.00", currency="EUR"))["rule"] == "tr.import"


@pytest.mark.parametrize("ship_to", [{"country": "BR"}, {"country": "BR", "region": "SP"}])
def test_brazil_answers_a_local_sale_only_with_both_states_and_a_digital_service_without_collecting(client, ship_to):
    # The sale from inside Brazil needs the origin and destination states (the ICMS rates); a digital service from abroad
    # is answered with nothing collected by the seller (tests/api/test_brazil_scenarios.py has the computed cases).
    r = client.post("/v1/calculate", json=_order("2026-03-02", ship_to, "20.00", seller="BR"))
    assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
    line = _line(client, _order("2026-03-02", ship_to, "20.00", category="digital_services"))
    assert (line["rule"], line["collected_by"], line["tax_amount"]) == ("br.tbe.import", "none", "0.00")


@pytest.mark.parametrize(("country", "before", "start"), [("TH", "2021-08-31", "2021-09-01"), ("MX", "2020-05-31", "2020-06-01"),
                                                          ("CL", "2020-05-31", "2020-06-01"), ("KR", "2015-06-30", "2015-07-01")])
def test_digital_services_from_abroad_are_taxed_from_the_markets_start_date(client, country, before, start):
    line = _line(client, _order(before, {"country": country}, "10.00", currency="EUR", category="digital_services"))
    assert (line["rule"], line["tax_amount"]) == (f"{country.lower()}.tbe.not_taxed", "0.00")
    line = _line(client, _order(start, {"country": country}, "10.00", currency="EUR", category="digital_services"))
    assert (line["rule"], line["collected_by"]) == (f"{country.lower()}.tbe.seller", "seller")
    assert Decimal(line["tax_amount"]) > 0


def test_a_korean_marketplace_collects_the_vat_on_digital_services_it_sells(client):
    line = _line(client, _order("2026-03-02", {"country": "KR"}, "10.00", currency="EUR", category="digital_services", marketplace=True))
    assert (line["rule"], line["collected_by"], line["tax_amount"]) == ("kr.tbe.marketplace", "marketplace", "1.00")


def test_israel_has_no_regime_for_foreign_digital_services_to_consumers(client):
    line = _line(client, _order("2026-03-02", {"country": "IL"}, "10.00", currency="EUR", category="digital_services"))
    assert (line["rule"], line["tax_amount"], line["collected_by"]) == ("il.tbe.not_taxed", "0.00", "none")


# ----- withholdings from the seller's payout -------------------------------------------------------

def _withholding_vectors():
    for market in ("MX",):
        for vector in json.loads((GOLDEN / f"{market}.json").read_text())["vectors"]:
            if "withholdings" in vector["expected"]:
                yield pytest.param(market, vector, id=vector["id"])


@pytest.mark.parametrize(("market", "vector"), list(_withholding_vectors()))
def test_marketplace_withholdings_match_the_golden_vectors(client, market, vector):
    facts = vector["facts"]
    seller = {
        "country": market, "type": "individual" if facts["seller_type"] == "individual" else "business",
        "registrations": [market] if facts["seller_registered"] else [],
        "payout_country": market if facts["payout_account"] == "domestic" else "US",
    }
    body = {"date": vector["date"], "currency": facts["currency"], "seller": seller, "marketplace": {"name": "M"},
            "ship_from": {"country": market}, "ship_to": {"country": market},
            "lines": [{"id": "1", "amount": facts["net_price"]}]}
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 200, r.text
    line, totals = r.json()["lines"][0], r.json()["totals"]
    assert line["tax_amount"] == facts["iva_collected"]
    got = [{k: w[k] for k in ("tax", "rate_percent", "base_amount", "amount")} for w in line.get("withholdings", [])]
    assert got == vector["expected"]["withholdings"]
    assert all(w["jurisdiction"] == market and w["rule"].startswith(f"{market.lower()}.withholding.") and w["source"].startswith("http")
               for w in line.get("withholdings", []))
    assert totals["withheld_by_marketplace"] == vector["expected"]["payout_reduced_by"]
    assert Decimal(totals["seller_proceeds"]) == Decimal(totals["gross_amount"]) - Decimal(totals["tax_collected_by_marketplace"]) \
        - Decimal(vector["expected"]["payout_reduced_by"])


def test_no_withholding_without_a_marketplace_and_a_warning_when_the_registration_is_not_said(client):
    body = _order("2026-03-02", {"country": "MX"}, "1000.00", currency="MXN", seller="MX")
    r = client.post("/v1/calculate", json=body).json()
    assert r["lines"][0].get("withholdings", []) == [] and r["totals"]["withheld_by_marketplace"] == "0.00"
    body["marketplace"] = {"name": "M"}
    r = client.post("/v1/calculate", json=body).json()
    # Not told whether the seller has an RFC: every Mexican withholding depends on it, so none is guessed.
    assert r["lines"][0].get("withholdings", []) == []
    assert "withholding_facts_unknown" in [w["code"] for w in r["warnings"]]


def test_mexico_withholds_all_the_iva_of_a_foreign_digital_service_provider(client):
    # LIVA art. 18-J as amended for 2021: 100 % of the IVA of foreign providers selling through a platform.
    body = _order("2026-03-02", {"country": "MX"}, "100.00", currency="MXN", seller="US", category="digital_services", marketplace=True)
    body["seller"]["registrations"] = ["MX"]
    line = _line(client, body)
    assert line["tax_amount"] == "16.00"
    vat = [w for w in line.get("withholdings", []) if w["tax"] == "vat"]
    assert [(w["rate_percent"], w["amount"]) for w in vat] == [("100", "16.00")]


def test_india_tcs_is_half_a_percent_of_the_net_value_through_an_ecommerce_operator(client):
    # CGST Act s.52: 1 % until 2024-07-09, 0.5 % from 2024-07-10 (Notification 15/2024-Central Tax).
    for day, rate, amount in (("2024-07-09", "1", "10.00"), ("2024-07-10", "0.5", "5.00")):
        body = _order(day, {"country": "IN", "region": "KA"}, "1000.00", currency="INR", seller="IN", marketplace=True)
        body["ship_from"]["region"] = "MH"  # inter-state: IGST, and the TCS is IGST too
        line = _line(client, body)
        assert [(w["tax"], w["rate_percent"], w["base_amount"], w["amount"]) for w in line.get("withholdings", [])] == [("tcs", rate, "1000.00", amount)]


def _vector(market: str, vid: str) -> dict:
    return next(v for v in json.loads((GOLDEN / f"{market}.json").read_text())["vectors"] if v["id"] == vid)


def _held(line: dict, *fields: str) -> list[dict]:
    return [{k: Decimal(w[k]) if k in ("rate_percent", "base_amount", "amount") else w[k] for k in fields} for w in line.get("withholdings", [])]


def _expected(ws: list[dict]) -> list[dict]:
    return [{k: Decimal(x) if k in ("rate_percent", "base_amount", "amount") else x for k, x in w.items()} for w in ws]


def test_philippines_withholds_one_percent_of_half_the_remittance_above_the_threshold(client):
    v = _vector("PH", "ph-14-withholding")
    body = _order(v["date"], {"country": "PH"}, v["facts"]["gross_remittance"], currency="PHP", seller="PH", category="exempt",
                  marketplace=True)
    body["seller"]["payouts_this_year"] = "600000.00"  # above PHP 500,000
    line = _line(client, body)
    assert _held(line, "tax", "rate_percent", "base_amount", "amount") == _expected(v["expected"]["withholdings"])
    body["seller"]["payouts_this_year"] = "100000.00"  # below: nothing withheld
    assert _line(client, body).get("withholdings", []) == []
    del body["seller"]["payouts_this_year"]  # not said: withheld, with a warning
    r = client.post("/v1/calculate", json=body).json()
    assert r["lines"][0].get("withholdings", []) and "withholding_threshold_not_tested" in [w["code"] for w in r["warnings"]]


def test_vietnam_platform_withholds_vat_and_income_tax_from_an_individual_instead_of_vat_on_the_bill(client):
    v = _vector("VN", "vn-16-household-goods")
    body = _order(v["date"], {"country": "VN"}, v["facts"]["gross_sale"], currency="VND", seller="VN", marketplace=True)
    body["seller"]["type"] = "individual"
    line = _line(client, body)
    assert (line["tax_amount"], line["rule"]) == ("0", "vn.domestic.individual.platform")
    assert _held(line, "tax", "rate_percent", "amount") == _expected(v["expected"]["withholdings"])
    body["seller"] = {"country": "KR", "type": "individual"}  # a non-resident individual: PIT 1 %
    body["ship_from"] = {"country": "KR"}
    income = [w for w in _line(client, body).get("withholdings", []) if w["tax"] == "income_tax"]
    assert [Decimal(w["amount"]) for w in income] == [Decimal(v["expected"]["income_tax_nonresident"])]


def test_indonesia_pph22_is_half_a_percent_of_the_turnover_excluding_vat(client):
    v = _vector("ID", "id-18-pph22")
    body = _order(v["date"], {"country": "ID"}, v["facts"]["invoice_excluding_vat"], currency="IDR", seller="ID", marketplace=True)
    line = _line(client, body)
    assert _held(line, "tax", "rate_percent", "base_amount", "amount") == _expected(v["expected"]["withholdings"])
    body["seller"].update(type="individual", payouts_this_year="100000000")  # IDR 100 million: exempt individual
    assert _line(client, body).get("withholdings", []) == []


def test_india_tcs_vector_total(client):
    v = _vector("IN", "in-11-tcs-intra-state")
    body = _order(v["date"], {"country": "IN", "region": "MH"}, v["facts"]["net_taxable_value"], currency="INR", seller="IN",
                  marketplace=True)
    body["ship_from"]["region"] = "MH"
    line = _line(client, body)
    assert sum(Decimal(w["amount"]) for w in line.get("withholdings", [])) == Decimal(v["expected"]["total"])
    # Intra-state: half CGST (India) and half SGST (the state).
    got = [{"component": "CGST" if w["jurisdiction"] == "IN" else "SGST", "rate_percent": w["rate_percent"], "amount": w["amount"],
            "tax": w["tax"]} for w in line["withholdings"]]
    assert got == [{k: e[k] for k in ("component", "rate_percent", "amount", "tax")} for e in v["expected"]["withholdings"]]
    assert [w["rule"] for w in line["withholdings"]] == ["in.withholding.tcs.cgst", "in.withholding.tcs.sgst"]


# ----- currencies the ECB does not publish ---------------------------------------------------------

def test_a_rate_the_ecb_cannot_give_comes_from_the_orders_exchange_rates(client):
    # Taiwan's TWD 2,000 customs-value limit, an order in USD, USD 1 = TWD 32 given by the caller.
    rates = [{"from_currency": "USD", "to_currency": "TWD", "rate": "32", "source": "https://www.cbc.gov.tw/ (fixture rate)"}]
    body = _order("2026-03-02", {"country": "TW"}, "62.50", currency="USD")  # TWD 2,000.00: within
    body["exchange_rates"] = rates
    r = client.post("/v1/calculate", json=body).json()
    assert r["lines"][0]["rule"] == "tw.import.de_minimis"
    assert r["conversions"] == [{"from_currency": "USD", "to_currency": "TWD", "rate": "32.000000", "date": "2026-03-02",
                                 "purpose": "TWD 2,000 import de minimis", "source": "https://www.cbc.gov.tw/ (fixture rate)"}]
    body["lines"][0]["amount"] = "62.51"  # TWD 2,000.32: above
    assert _line(client, body)["rule"] == "tw.import"
    # The same rate given the other way round (TWD 1 = USD 0.03125).
    body["exchange_rates"] = [{"from_currency": "TWD", "to_currency": "USD", "rate": "0.03125"}]
    body["lines"][0]["amount"] = "62.50"
    assert _line(client, body)["rule"] == "tw.import.de_minimis"


def test_a_missing_or_bad_rate_is_a_problem_naming_the_pair(client):
    body = _order("2026-03-02", {"country": "TW"}, "50.00", currency="USD")
    body["exchange_rates"] = [{"from_currency": "USD", "to_currency": "SAR", "rate": "3.75"}]  # not the pair needed
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 422
    p = r.json()
    assert (p["code"], p["from_currency"], p["to_currency"]) == ("exchange_rate_not_found", "USD", "TWD")
    assert "USD to TWD" in p["detail"] and p["errors"][0]["loc"] == ["body", "exchange_rates"]
    body["exchange_rates"] = [{"from_currency": "USD", "to_currency": "TWD", "rate": "0"}]
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "exchange_rates", 0, "rate"]


def test_the_orders_rates_are_not_used_where_the_ecb_publishes_one(client):
    # KRW is an ECB currency: a caller's rate for it is ignored and the ECB's is recorded.
    body = _order("2025-03-01", {"country": "KR"}, "200000", currency="KRW")
    body["exchange_rates"] = [{"from_currency": "KRW", "to_currency": "USD", "rate": "1"}]
    r = client.post("/v1/calculate", json=body).json()
    # KRW 200,000 is about USD 140 at the ECB rate (within USD 150); at the caller's rate of 1 it would not be.
    assert r["conversions"][0]["source"].startswith("ECB") and r["lines"][0]["rule"] == "kr.import.de_minimis"


# ----- Chile: goods from abroad up to USD 500 taxed at the sale (Law 21.713, from 2025-10-25) -------

def test_chile_platform_collects_vat_on_goods_up_to_usd_500_and_customs_above(client):
    v = _vector("CL", "cl-9-platform-100")
    line = _line(client, _order(v["date"], {"country": "CL"}, v["facts"]["customs_value"], marketplace=True))
    assert (line["tax_amount"], line["collected_by"], line["tax_due_at_import"]) == (v["expected"]["vat_at_sale"], "marketplace", "0.00")
    assert line["rule"] == "cl.import.low_value.marketplace"
    v = _vector("CL", "cl-10-above-500")
    line = _line(client, _order(v["date"], {"country": "CL"}, v["facts"]["customs_value"], marketplace=True))
    # Customs collects: VAT on the value (the 6 % duty in the VAT base is not computed: a warning says so).
    assert (line["collected_by"], line["tax_amount"], line["rule"]) == (v["expected"]["collected_by"], "0.00", "cl.import")
    assert line["tax_due_at_import"] == "114.00"


def test_chile_before_the_platform_rule_exempted_imports_up_to_usd_41(client):
    assert _line(client, _order("2025-10-24", {"country": "CL"}, "40.00", marketplace=True))["rule"] == "cl.import.de_minimis"
    assert _line(client, _order("2025-10-24", {"country": "CL"}, "100.00", marketplace=True))["rule"] == "cl.import"
    # A remote seller without a platform collects itself, and is told to register.
    body = _order("2025-11-01", {"country": "CL"}, "100.00")
    body["seller"]["registrations"] = []
    r = client.post("/v1/calculate", json=body).json()
    assert (r["lines"][0]["collected_by"], r["lines"][0]["tax_amount"]) == ("seller", "19.00")
    assert "registration_required" in [w["code"] for w in r["warnings"]]


def test_chile_in_pesos_needs_the_callers_rate_to_usd(client):
    body = _order("2025-11-01", {"country": "CL"}, "95000", currency="CLP", marketplace=True)
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 422 and (r.json()["from_currency"], r.json()["to_currency"]) == ("CLP", "USD")
    body["exchange_rates"] = [{"from_currency": "USD", "to_currency": "CLP", "rate": "950"}]  # CLP 95,000 = USD 100
    assert _line(client, body)["rule"] == "cl.import.low_value.marketplace"


# ----- Malaysia: 10 % sales tax on low-value goods at the sale, shipping excluded (from 2024-01-01) --

def test_malaysia_marketplace_collects_ten_percent_on_low_value_goods_but_not_on_shipping(client):
    v = _vector("MY", "my-12-lvg")
    body = _order(v["date"], {"country": "MY"}, v["facts"]["sale_price"], currency="MYR", marketplace=True)
    body["shipping"] = {"amount": v["facts"]["shipping"]}
    r = client.post("/v1/calculate", json=body).json()
    line, shipping = r["lines"][0], r["shipping"]
    assert (line["tax_amount"], line["collected_by"], line["rule"]) == (v["expected"]["sales_tax"], "marketplace",
                                                                        "my.import.low_value.marketplace")
    assert (shipping["tax_amount"], shipping["rule"]) == ("0.00", "my.shipping.low_value.excluded")
    assert r["totals"]["tax_collected_by_marketplace"] == "20.00" and r["totals"]["gross_amount"] == "240.00"


def test_malaysia_items_above_myr_500_and_orders_before_2024_bear_the_tax_at_the_border(client):
    assert _line(client, _order("2024-06-01", {"country": "MY"}, "500.01", currency="MYR", marketplace=True))["rule"] == "my.import"
    assert _line(client, _order("2023-12-31", {"country": "MY"}, "200.00", currency="MYR", marketplace=True))["rule"] == "my.import"
    line = _line(client, _order("2024-06-01", {"country": "MY"}, "200.00", currency="MYR"))
    assert (line["collected_by"], line["tax_amount"]) == ("seller", "20.00")


def test_malaysia_service_tax_on_digital_services_from_abroad_vector(client):
    v = _vector("MY", "my-13-digital")
    for day, tax in (("2024-02-29", v["expected"]["service_tax_before_2024_03_01"]), (v["date"], v["expected"]["service_tax"])):
        line = _line(client, _order(day, {"country": "MY"}, v["facts"]["net_price"], currency="MYR", category="digital_services"))
        assert (line["tax_amount"], line["collected_by"]) == (tax, "seller")


def test_every_shipped_withholding_names_facts_and_a_base_the_regimes_know(rate_book):
    from taxapi.regimes.market import BASES, FACTS

    seen = 0
    for params in rate_book.parameters.values():
        for name, p in params.parameters.items():
            if name.startswith("withholding_") and p.kind == "percent":
                seen += 1
                assert set(p.conditions) <= FACTS, (params.regime, name)
                assert (p.base or "net_price") in BASES, (params.regime, name)
    assert seen >= 15
