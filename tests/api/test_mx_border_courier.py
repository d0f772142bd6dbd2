"""Mexico: the border-region IVA (8 % for a seller in the padrón, goods delivered in a listed
municipality) and the courier global rate on low-value imports (RGCE rule 3.7.35).

The vectors are those of ``tests/golden/markets/MX.json`` (shared spec markets-rules.md §2.1 and §3,
vectors 7 and 8; the border decrees of DOF 2018-12-31 and 2020-12-30).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "markets" / "MX.json"
VECTORS = {v["id"]: v for v in json.loads(GOLDEN.read_text(encoding="utf-8"))["vectors"]}


def _post(client, body: dict) -> dict:
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _domestic(day: str, ship_to: dict, amount: str, registrations: list[str] | None) -> dict:
    seller: dict = {"country": "MX"}
    if registrations is not None:
        seller["registrations"] = registrations
    return {"date": day, "currency": "MXN", "seller": seller, "ship_from": {"country": "MX"}, "ship_to": ship_to,
            "lines": [{"id": "1", "amount": amount}]}


@pytest.mark.parametrize("vid", ["mx-border-tijuana-2025", "mx-border-region-2026", "mx-southborder-tapachula",
                                 "mx-southborder-palenque"])
def test_border_region_vectors(client, vid):
    v = VECTORS[vid]
    f, exp = v["facts"], v["expected"]
    body = _domestic(v["date"], f["ship_to"], f["net_price"], ["MX", f["seller_in_padron"]])
    line = _post(client, body)["lines"][0]
    assert (line["jurisdiction"], line["rate_percent"], line["tax_amount"], line["collected_by"], line["rule"]) == (
        exp["jurisdiction"], exp["rate_percent"], exp["iva"], "seller", "mx.domestic.border_region")
    if "iva_without_padron" in exp:
        line = _post(client, _domestic(v["date"], f["ship_to"], f["net_price"], ["MX"]))["lines"][0]
        assert (line["jurisdiction"], line["tax_amount"], line["rule"]) == ("MX", exp["iva_without_padron"], "mx.domestic")
    if "iva_2020_12_31" in exp:
        body["date"] = "2020-12-31"
        assert _post(client, body)["lines"][0]["tax_amount"] == exp["iva_2020_12_31"]


def test_a_municipality_of_a_southern_state_outside_the_decree_bears_the_national_rate(client):
    v = VECTORS["mx-southborder-palizada-outside"]
    f, exp = v["facts"], v["expected"]
    line = _post(client, _domestic(v["date"], f["ship_to"], f["net_price"], ["MX", f["seller_in_padron"]]))["lines"][0]
    assert (line["jurisdiction"], line["rate_percent"], line["tax_amount"], line["rule"]) == (
        exp["jurisdiction"], exp["rate_percent"], exp["iva"], "mx.domestic")


def test_baja_california_is_decided_by_the_postcode_alone_elsewhere_by_the_municipality(client):
    padron = ["MX", "MX-BORDER"]
    assert _post(client, _domestic("2025-06-02", {"country": "MX", "postal_code": "21100"}, "100.00", padron))["lines"][0]["tax_amount"] == "8.00"
    # Chihuahua: Ciudad Juárez is in the region, Chihuahua city is not; without the city the national rate, with a warning.
    juarez = _post(client, _domestic("2025-06-02", {"country": "MX", "postal_code": "32000", "city": "Ciudad Juárez"}, "100.00", padron))
    assert juarez["lines"][0]["tax_amount"] == "8.00"
    other = _post(client, _domestic("2025-06-02", {"country": "MX", "postal_code": "31000", "city": "Chihuahua"}, "100.00", padron))
    assert (other["lines"][0]["jurisdiction"], other["lines"][0]["tax_amount"]) == ("MX", "16.00")
    unknown = _post(client, _domestic("2025-06-02", {"country": "MX", "postal_code": "32000"}, "100.00", padron))
    assert unknown["lines"][0]["tax_amount"] == "16.00"
    assert "territory_depends_on_city" in [w["code"] for w in unknown["warnings"]]
    # A town of the same name in another state (Juárez, Nuevo León) is outside the region.
    nl = _post(client, _domestic("2025-06-02", {"country": "MX", "postal_code": "67250", "city": "Juárez"}, "100.00", padron))
    assert nl["lines"][0]["tax_amount"] == "16.00"


def test_the_padron_unknown_is_warned_and_imports_and_digital_services_stay_national(client):
    r = _post(client, _domestic("2025-06-02", {"country": "MX", "postal_code": "22000"}, "100.00", None))
    assert r["lines"][0]["tax_amount"] == "16.00" and "border_region_rate_not_applied" in [w["code"] for w in r["warnings"]]
    body = _domestic("2025-06-02", {"country": "MX", "postal_code": "22000"}, "100.00", ["MX", "MX-BORDER"])
    body["lines"][0]["category"] = "digital_services"
    assert _post(client, body)["lines"][0]["rate_percent"] == "16"
    body = {**_domestic("2024-06-03", {"country": "MX", "postal_code": "22000"}, "100.00", None),
            "seller": {"country": "DE"}, "ship_from": {"country": "DE"}}
    line = _post(client, body)["lines"][0]
    assert (line["jurisdiction"], line["tax_due_at_import"], line["rule"]) == ("MX", "16.00", "mx.import")


def _courier(day: str, origin: str, amount: str, currency: str = "USD", shipping: str | None = None) -> dict:
    body = {"date": day, "currency": currency, "seller": {"country": origin}, "ship_from": {"country": origin},
            "ship_to": {"country": "MX"}, "lines": [{"id": "1", "amount": amount}]}
    if shipping:
        body["shipping"] = {"amount": shipping}
    return body


def test_courier_global_rate_on_goods_from_china_vector_7(client):
    v = VECTORS["mx-7-courier-china"]
    line = _post(client, _courier("2025-09-01", v["facts"]["origin"], v["facts"]["customs_value"]))["lines"][0]
    assert (line["rate_percent"], line["tax_due_at_import"], line["tax_amount"], line["collected_by"], line["rule"]) == (
        v["expected"]["global_rate_percent"], v["expected"]["amount"], "0.00", "customs", "mx.import.courier.global_rate")
    # 19 % from 2025-01-01 to 2025-08-14; the customs value includes the shipping.
    r = _post(client, _courier("2025-08-14", "CN", "40.00", shipping="10.00"))
    assert (r["lines"][0]["rate_percent"], r["lines"][0]["tax_due_at_import"], r["shipping"]["tax_due_at_import"]) == ("19", "7.60", "1.90")
    assert r["totals"]["tax_due_at_import"] == "9.50"


def test_courier_bands_for_usmca_goods_vector_8(client):
    v = VECTORS["mx-8-courier-usmca"]
    for value, due in zip(v["facts"]["customs_values"], v["expected"]["amounts"], strict=True):
        line = _post(client, _courier("2025-09-01", v["facts"]["origin"], value))["lines"][0]
        assert (line["tax_due_at_import"], line["collected_by"]) == (due, "customs"), value


def test_outside_the_courier_rule_the_iva_is_due_at_the_border(client):
    # Above USD 2,500, before 2025, and from a trade-agreement partner other than the USMCA.
    for body in (_courier("2025-09-01", "CN", "2600.00"), _courier("2024-12-31", "CN", "40.00"), _courier("2025-09-01", "DE", "40.00")):
        line = _post(client, body)["lines"][0]
        assert (line["rule"], line["rate_percent"]) == ("mx.import", "16")
        assert Decimal(line["tax_due_at_import"]) == Decimal(body["lines"][0]["amount"]) * Decimal("0.16")


@settings(max_examples=40, deadline=None)
@given(cents=st.integers(min_value=1, max_value=250_000))
def test_courier_global_rate_is_the_rate_times_the_customs_value(client, cents):
    amount = Decimal(cents) / 100
    line = _post(client, _courier("2025-09-01", "CN", f"{amount:.2f}"))["lines"][0]
    assert line["rule"] == "mx.import.courier.global_rate" and line["tax_amount"] == "0.00"
    assert Decimal(line["tax_due_at_import"]) == (amount * Decimal("0.335")).quantize(Decimal("0.01"), "ROUND_HALF_UP")
