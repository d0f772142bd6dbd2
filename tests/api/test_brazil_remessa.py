"""Brazil: Remessa Conforme (import tax and ICMS "por dentro" collected by a certified platform at checkout),
and the same taxes due at import outside the programme.

The worked examples are the golden vectors of ``tests/golden/markets/BR.json`` (shared spec markets-rules.md,
section 3, vectors 1-3: economia.uol.com.br of 2025-07-29, and the method applied to a 20 % state). The bands
and rates are the data of ``rates/parameters/BR.json`` and the ``rates/br/BR-XX.json`` tables.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden" / "markets" / "BR.json").read_text(encoding="utf-8"))
VECTORS = {v["id"]: v for v in GOLDEN["vectors"]}


def _order(day: str, state: str | None, amount: str, *, certified: bool = True, currency: str = "USD", marketplace: bool = True,
           **more) -> dict:
    body = {"date": day, "currency": currency, "seller": {"country": "CN"}, "ship_from": {"country": "CN"},
            "ship_to": {"country": "BR", **({"region": state} if state else {})},
            "lines": [{"id": "1", "amount": amount}], **more}
    if marketplace:
        body["marketplace"] = {"name": "AliExpress", "remessa_conforme": certified}
    return body


def _post(client, body: dict) -> dict:
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _taxes(line: dict) -> dict:
    return {b["level"]: (b["jurisdiction"], b["rate_percent"], b["tax_amount"]) for b in line["breakdown"]}


@pytest.mark.parametrize("vid", ["br-1-rc-50", "br-2-rc-100", "br-3-rc-40-20pct"])
def test_remessa_conforme_worked_examples(client, vid):
    v = VECTORS[vid]
    f, e = v["facts"], v["expected"]
    r = _post(client, _order(v["date"], f["ship_to_state"], f["customs_value"], currency=f["currency"]))
    line = r["lines"][0]
    taxes = _taxes(line)
    assert taxes["import_duty"][2] == e["import_duty"] and taxes["icms"][2] == e["icms"]
    assert taxes["icms"][0] == f"BR-{f['ship_to_state']}"
    assert (line["tax_amount"], line["gross_amount"], line["collected_by"]) == (e["total_tax"], e["total"], e["collected_by"])
    assert line["rule"] == "br.import.remessa_conforme" and line["tax_due_at_import"] == "0.00"
    assert r["totals"]["tax_collected_by_marketplace"] == e["total_tax"]
    assert Decimal(line["rate_percent"]) == (Decimal(e["total_tax"]) / Decimal(f["customs_value"]) * 100).quantize(Decimal("0.0001"))


def test_the_band_and_the_deduction_of_law_14902(client):
    # USD 50.00 is the lower band (20 %); USD 50.01 the upper: 60 % x 50.01 - 20 = 10.006 -> 10.01.
    assert _taxes(_post(client, _order("2025-07-29", "SP", "50.01"))["lines"][0])["import_duty"] == ("BR", "60", "10.01")
    # Before Law 14.902 (2024-08-01): 0 % up to USD 50, ICMS 17 % on the value alone: 50 / 0.83 - 50 = 10.24.
    line = _post(client, _order("2024-07-31", "SP", "50.00"))["lines"][0]
    assert (_taxes(line)["import_duty"][2], _taxes(line)["icms"][2]) == ("0.00", "10.24")
    # ... and 60 % without a deduction above: 100 x 60 % = 60; ICMS 160 / 0.83 - 160 = 32.77.
    line = _post(client, _order("2024-07-31", "SP", "100.00"))["lines"][0]
    assert (_taxes(line)["import_duty"][2], _taxes(line)["icms"][2]) == ("60.00", "32.77")


def test_icms_of_the_destination_state_on_its_dates(client):
    # Acre: 17 % until 2025-03-31, 20 % from 2025-04-01 (rates/br/BR-AC.json); São Paulo stays at 17 %.
    before = _taxes(_post(client, _order("2025-03-31", "AC", "40.00"))["lines"][0])["icms"]
    after = _taxes(_post(client, _order("2025-04-01", "AC", "40.00"))["lines"][0])["icms"]
    assert (before, after) == (("BR-AC", "17", "9.83"), ("BR-AC", "20", "12.00"))  # 48 / 0.83 - 48 = 9.83
    assert _taxes(_post(client, _order("2025-04-01", "SP", "40.00"))["lines"][0])["icms"][1] == "17"


@pytest.mark.parametrize("vid", ["br-rts-not-certified-50", "br-rc-50-before-mover"])
def test_golden_vectors_outside_the_programme_and_before_the_2024_law(client, vid):
    v = VECTORS[vid]
    f, e = v["facts"], v["expected"]
    line = _post(client, _order(v["date"], f["ship_to_state"], f["customs_value"], certified=f["platform_certified"]))["lines"][0]
    assert (_taxes(line)["import_duty"][2], _taxes(line)["icms"][2], line["collected_by"]) == (e["import_duty"], e["icms"], e["collected_by"])
    assert Decimal(line["tax_amount"]) + Decimal(line["tax_due_at_import"]) == Decimal(e["total_tax"])


def test_outside_remessa_conforme_the_taxes_are_due_at_import(client):
    # Not certified (or no platform): II 60 % of every value, ICMS on top, paid at import.
    for body in (_order("2025-07-29", "SP", "50.00", certified=False), _order("2025-07-29", "SP", "50.00", marketplace=False)):
        r = _post(client, body)
        line = r["lines"][0]
        assert (line["collected_by"], line["rule"], line["tax_amount"]) == ("customs", "br.import.rts", "0.00")
        # II 60 % x 50 = 30.00; ICMS 80 / 0.83 - 80 = 16.39.
        assert _taxes(line) == {"import_duty": ("BR", "60", "30.00"), "icms": ("BR-SP", "17", "16.39")}
        assert line["tax_due_at_import"] == "46.39" and r["totals"]["tax_due_at_import"] == "46.39"
        assert r["totals"]["gross_amount"] == "50.00" and r["totals"]["seller_proceeds"] == "50.00"


def test_shipping_is_part_of_the_customs_value(client):
    # USD 40 goods + USD 10 shipping = USD 50 (lower band): II 10.00, ICMS 12.29 (vector br-1's figures), spread by value.
    r = _post(client, _order("2025-07-29", "SP", "40.00", shipping={"amount": "10.00"}))
    line, ship = r["lines"][0], r["shipping"]
    assert r["totals"]["tax_amount"] == "22.29"
    assert (_taxes(line)["import_duty"][2], _taxes(ship)["import_duty"][2]) == ("8.00", "2.00")
    assert Decimal(_taxes(line)["icms"][2]) + Decimal(_taxes(ship)["icms"][2]) == Decimal("12.29")


def test_the_usd_limits_are_tested_in_the_order_currency_at_the_ecb_rate(client):
    r = _post(client, _order("2025-07-29", "SP", "250.00", currency="BRL"))
    conv = {c["purpose"]: c for c in r["conversions"]}
    assert conv["USD 50 import tax band (Remessa Conforme)"]["from_currency"] == "BRL"
    usd = Decimal(conv["USD 50 import tax band (Remessa Conforme)"]["rate"])
    # BRL 250 at about 0.18 USD is about USD 45: the lower band.
    assert Decimal("250") * usd <= 50 and _taxes(r["lines"][0])["import_duty"] == ("BR", "20", "50.00")
    r = _post(client, _order("2025-07-29", "SP", "1000.00", currency="BRL"))
    conv = {c["purpose"]: c for c in r["conversions"]}
    rate = Decimal(conv["USD 20 import tax deduction"]["rate"])  # BRL -> USD
    expected = (Decimal("600") - Decimal(20) / rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert abs(Decimal(_taxes(r["lines"][0])["import_duty"][2]) - expected) <= Decimal("0.01")


@pytest.mark.parametrize(("body_change", "code", "loc"), [
    (lambda b: b["ship_to"].pop("region"), "validation_error", ["body", "ship_to", "region"]),
    (lambda b: b["ship_to"].update(region="XX"), "validation_error", ["body", "ship_to", "region"]),
    # Before the first day of the shipped tables (2020-01-01); from then on the RTS before Remessa Conforme is answered
    # (tests/api/test_brazil_since_2020.py).
    (lambda b: b.update(date="2019-12-31"), "unsupported_scenario", ["body", "date"]),
    (lambda b: b.update(seller={"country": "BR"}, ship_from={"country": "BR"}), "validation_error", ["body", "ship_from", "region"]),
])
def test_what_is_not_computed_is_refused_naming_the_field(client, body_change, code, loc):
    body = _order("2025-07-29", "SP", "50.00")
    body_change(body)
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert r.json()["errors"][0]["loc"] == loc


def test_up_to_usd_3000_is_still_the_simplified_regime(client):
    line = _post(client, _order("2025-07-29", "MG", "3000.00"))["lines"][0]
    # II 60 % x 3,000 - 20 = 1,780; ICMS (MG 20 % from 2025-04-01): 4,780 / 0.8 - 4,780 = 1,195.
    assert _taxes(line) == {"import_duty": ("BR", "60", "1780.00"), "icms": ("BR-MG", "20", "1195.00")}


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2, allow_nan=False, allow_infinity=False)


@given(lines=st.lists(amounts, min_size=1, max_size=4), shipping=st.one_of(st.none(), amounts),
       state=st.sampled_from(["SP", "RJ", "AC", "MG", "DF", "PI"]), certified=st.booleans(),
       rounding=st.sampled_from(["per_line", "per_document"]), day=st.sampled_from(["2024-07-31", "2024-08-01", "2025-04-01", "2026-03-02"]))
def test_the_remessa_taxes_are_por_dentro_and_add_up(lines, shipping, state, certified, rounding, day):
    """The lines' II and ICMS add up to the remessa's; the ICMS is the state's rate of the whole price it is part of
    (value + II + ICMS), to the cent; the taxes go to the marketplace's total or the import's, never both."""
    body = _order(day, state, "1", certified=certified, rounding=rounding)
    body["lines"] = [{"id": str(i), "amount": str(a)} for i, a in enumerate(lines)]
    if shipping is not None:
        body["shipping"] = {"amount": str(shipping)}
    result = compute_order(order=CalculateRequest.model_validate(body), book=get_rate_book(), fx=get_ecb_rates())
    items = list(result.lines) + ([result.shipping] if result.shipping is not None else [])
    value = sum((it.net_amount for it in items), Decimal(0))
    duty = sum((b.tax_amount for it in items for b in it.breakdown if b.level == "import_duty"), Decimal(0))
    icms = sum((b.tax_amount for it in items for b in it.breakdown if b.level == "icms"), Decimal(0))
    t = next(b.rate_percent for it in items for b in it.breakdown if b.level == "icms") / 100
    assert abs(icms - (value + duty + icms) * t) <= Decimal("0.01")
    assert 0 <= duty <= value * Decimal("0.6") + Decimal("0.01") * len(items)
    for it in items:
        assert sum((b.tax_amount for b in it.breakdown), Decimal(0)) == it.tax_amount + it.tax_due_at_import
    totals = result.totals
    if certified:
        assert (totals.tax_collected_by_marketplace, totals.tax_due_at_import) == (duty + icms, 0)
        assert totals.gross_amount == value + duty + icms
    else:
        assert (totals.tax_collected_by_marketplace, totals.tax_due_at_import, totals.gross_amount) == (0, duty + icms, value)


def test_price_of_a_remessa_through_a_certified_platform(client):
    # Vector br-1: USD 50.00 to São Paulo, 2025: II 10.00 + ICMS 12.29 = 22.29, collected by the platform.
    params = {"country": "BR-SP", "amount": "50.00", "currency": "USD", "seller_country": "CN", "ship_from": "CN",
              "marketplace": "AliExpress", "date": "2025-07-29"}
    p = client.get("/v1/price", params={**params, "remessa_conforme": "true"}).json()
    assert (p["tax_amount"], p["gross_amount"], p["collected_by"], p["tax_collected_by_marketplace"]) == (
        "22.29", "72.29", "marketplace", "22.29")
    assert client.get("/v1/price", params={**params, "remessa_conforme": "true", "format": "text"}).text == "72.29"
    p = client.get("/v1/price", params=params).json()  # not certified: II 60 % = 30.00 + ICMS 16.39, at import
    assert (p["tax_amount"], p["tax_due_at_import"], p["collected_by"]) == ("0.00", "46.39", "customs")
    body = (b"id,country,amount,currency,seller_country,ship_from,marketplace,remessa_conforme\n"
            b"rc,BR-SP,50.00,USD,CN,CN,AliExpress,true\nrts,BR-SP,50.00,USD,CN,CN,AliExpress,false\n")
    r = client.post("/v1/batch", params={"date": "2025-07-29"}, content=body, headers={"content-type": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(row["id"], row["tax_amount"], row["gross_amount"]) for row in rows] == [("rc", "22.29", "72.29"), ("rts", "0.00", "50.00")]


def test_an_order_in_a_currency_the_ecb_does_not_publish_uses_the_orders_exchange_rate(client):
    # CLP 47,500 at the caller's USD 1 = CLP 950 is USD 50.00: the lower band. II 20 % = 9,500;
    # ICMS (SP 17 %) = 57,000 / 0.83 - 57,000 = 11,674.70 -> 11,675 (CLP has no minor units).
    body = _order("2025-07-29", "SP", "47500", currency="CLP")
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 422 and (r.json()["from_currency"], r.json()["to_currency"]) == ("CLP", "USD")
    body["exchange_rates"] = [{"from_currency": "USD", "to_currency": "CLP", "rate": "950", "source": "fixture rate"}]
    line = _post(client, body)["lines"][0]
    assert _taxes(line) == {"import_duty": ("BR", "20", "9500"), "icms": ("BR-SP", "17", "11675")}
    body["lines"][0]["amount"] = "47501"  # above USD 50: 60 % x 47,501 - USD 20 (CLP 19,000) = 9,500.60 -> 9,501
    assert _taxes(_post(client, body)["lines"][0])["import_duty"] == ("BR", "60", "9501")
