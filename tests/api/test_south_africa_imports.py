"""South African imports above the R500 flat-rate limit (``za.import``): VAT at import on the added tax value of the
VAT Act 89 of 1991 s.13(2)(a), the FOB customs value + 10 % of it (the duty, by tariff heading, and the VAT on it are
not computed), none of it on the shipping; goods from the other SACU members without the 10 % (s.13(2)(b)), also on
the flat-rate parcels' VAT.

The worked cases are the ``cases`` of tests/golden/markets/ZA.json; the flat-rate parcels' own tests are in
tests/api/test_brazil_scenarios.py. The uplift and its SACU condition are ``lvg_vat_uplift`` in rates/parameters/ZA.json.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book
from tests.api.test_brazil_remessa import _post, _taxes

CENT = Decimal("0.01")
SACU = ("BW", "LS", "NA", "SZ")


def _order(day: str, lines: list[tuple[str, str]], *, shipping: str | None = None, origin: str = "CN", **facts: object) -> dict:
    body = {"date": day, "currency": "ZAR", "seller": {"country": origin}, "ship_from": {"country": origin},
            "ship_to": {"country": "ZA"}, "lines": [{"id": str(i), "amount": a, "category": c} for i, (a, c) in enumerate(lines)],
            **facts}
    if shipping is not None:
        body["shipping"] = {"amount": shipping}
    return body


def _codes(r: dict) -> dict[str, str]:
    return {w["code"]: w["detail"] for w in r["warnings"]}


def test_the_vat_at_import_above_r500_is_on_the_value_and_its_10_percent_uplift(client):
    # 1,000.00 x (1 + 10 %) x 15 % = 165.00, due at import; the rate shows the share of the value, 15 % x 1.10 = 16.5 %.
    r = _post(client, _order("2026-03-02", [("1000.00", "general")], shipping="60.00"))
    line = r["lines"][0]
    assert (line["rule"], line["collected_by"], line["taxability_reason"]) == ("za.import", "customs", "import_vat_at_border")
    assert (line["tax_amount"], line["tax_due_at_import"], line["rate_percent"], line["rate_kind"]) == (
        "0.00", "165.00", "16.5", "standard")
    assert _taxes(line) == {"vat": ("ZA", "15", "165.00")}
    assert "s.13(2)" in line["source"]
    assert (r["totals"]["tax_due_at_import"], r["totals"]["tax_amount"], r["totals"]["gross_amount"]) == ("165.00", "0.00", "1060.00")
    # The duty is by tariff heading: not computed, and neither is the VAT on it.
    assert "VAT on the duty" in _codes(r)["import_duty_not_included"]


def test_above_r500_the_shipping_bears_nothing(client):
    # The customs value is FOB: every share of the shipping, whatever the rate of the lines it follows, bears nothing.
    r = _post(client, _order("2026-03-02", [("800.00", "general"), ("200.00", "food"), ("300.00", "books")], shipping="90.00"))
    shipping = r["shipping"]
    assert (shipping["tax_due_at_import"], shipping["tax_amount"], shipping["rate_percent"]) == ("0.00", "0.00", "0")
    assert "FOB" in shipping["source"]
    assert shipping["apportioned"] and all((p["rate_percent"], p["rule"]) == ("0", "za.import") for p in shipping["apportioned"])
    # 800 x 1.1 x 15 % = 132.00 and 300 x 1.1 x 15 % = 49.50; the food is zero-rated.
    assert [line["tax_due_at_import"] for line in r["lines"]] == ["132.00", "0.00", "49.50"]
    assert r["totals"]["tax_due_at_import"] == "181.50"
    # One line alone: the shipping is the line's share, shown as such.
    r = _post(client, _order("2026-03-02", [("500.01", "general")], shipping="10.00"))
    assert (r["lines"][0]["tax_due_at_import"], r["shipping"]["tax_due_at_import"], r["shipping"]["rule"]) == ("82.50", "0.00", "za.import")


def test_zero_rated_food_above_r500_bears_no_vat_at_import(client):
    r = _post(client, _order("2026-03-02", [("900.00", "food")], shipping="50.00"))
    line = r["lines"][0]
    assert (line["rule"], line["tax_due_at_import"], line["rate_percent"], line["rate_kind"], line["breakdown"]) == (
        "za.import", "0.00", "0", "zero", [])
    assert (r["totals"]["tax_due_at_import"], r["shipping"]["tax_due_at_import"]) == ("0.00", "0.00")
    assert "import_duty_not_included" in _codes(r)


@pytest.mark.parametrize("origin", SACU)
def test_goods_from_the_other_sacu_members_bear_no_uplift(client, origin):
    # VAT Act s.13(2)(b): goods from Botswana, Lesotho, Namibia, Eswatini are valued without the 10 %.
    r = _post(client, _order("2026-03-02", [("1000.00", "general")], shipping="60.00", origin=origin))
    line = r["lines"][0]
    assert (line["rule"], line["tax_due_at_import"], line["rate_percent"]) == ("za.import", "150.00", "15")
    assert _taxes(line) == {"vat": ("ZA", "15", "150.00")} and "s.13(2)(b)" in line["source"]
    assert r["shipping"]["tax_due_at_import"] == "0.00"
    # A flat-rate parcel's VAT too: 15 % x (400 + the 80.00 duty) = 72.00, the rate 20 + 15 x 1.20 = 38 %.
    r = _post(client, _order("2026-03-02", [("400.00", "general")], shipping="60.00", origin=origin))
    line = r["lines"][0]
    assert (line["rule"], line["tax_due_at_import"], line["rate_percent"]) == ("za.import.flat_rate", "152.00", "38")
    assert _taxes(line) == {"import_duty": ("ZA", "20", "80.00"), "vat": ("ZA", "15", "72.00")}


def test_a_neighbour_outside_sacu_bears_the_uplift(client):
    # Zimbabwe is not in the customs union: 1,000 x 1.1 x 15 % = 165.00 and, for a parcel, 80.00 + 78.00.
    assert _post(client, _order("2026-03-02", [("1000.00", "general")], origin="ZW"))["lines"][0]["tax_due_at_import"] == "165.00"
    assert _post(client, _order("2026-03-02", [("400.00", "general")], origin="ZW"))["lines"][0]["tax_due_at_import"] == "158.00"


@pytest.mark.parametrize("day", ["2018-04-01", "2019-12-31", "2020-01-01", "2024-08-31", "2024-09-01", "2024-10-31",
                                 "2024-11-01", "2025-04-30", "2025-05-01", "2026-03-02"])
def test_the_vat_above_r500_is_the_same_on_every_day(client, day):
    # The uplift is the general VAT base of imports: the flat-rate parcels' dates (the limit from 2020, their VAT from
    # 2024-09-01, the reconfiguration of 2024-11-01) and the withdrawn 15.5 % of 2025-05-01 change nothing above R500.
    r = _post(client, _order(day, [("1000.00", "general"), ("600.00", "food")], shipping="60.00"))
    assert [(line["rule"], line["tax_due_at_import"], line["rate_percent"]) for line in r["lines"]] == [
        ("za.import", "165.00", "16.5"), ("za.import", "0.00", "0")]
    assert (r["shipping"]["tax_due_at_import"], r["totals"]["tax_due_at_import"]) == ("0.00", "165.00")


def _compute(body: dict):
    return compute_order(order=CalculateRequest.model_validate(body), book=get_rate_book(), fx=get_ecb_rates())


above = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000"), places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(st.tuples(above, st.sampled_from(["general", "books", "food"])), min_size=1, max_size=4),
       shipping=st.one_of(st.none(), above), origin=st.sampled_from(["CN", "US", "BW", "NA"]),
       day=st.sampled_from(["2019-06-01", "2024-09-01", "2026-03-02"]))
def test_inclusive_prices_and_per_document_rounding_give_the_same_tax_at_import(lines, shipping, origin, day):
    """Above the limit, however the prices are given or rounded: nothing is on the bill, each line's VAT at import is its
    amount (the customs value: the VAT is not in the price) x (1 + uplift) x its rate, rounded per line, its breakdown
    that amount, the shipping bears nothing, and the totals add the lines. Inclusive prices and per-document rounding
    change none of it (an inclusive price is compared with the limit net of the VAT: above R575 it is above R500)."""
    if sum(a for a, _ in lines) <= 575:
        lines = [*lines, (Decimal("575.00"), "general")]
    answers = []
    for inclusive, rounding in ((False, "per_line"), (True, "per_line"), (False, "per_document"), (True, "per_document")):
        body = _order(day, [(str(a), c) for a, c in lines], shipping=None if shipping is None else str(shipping), origin=origin,
                      prices_include_tax=inclusive, rounding=rounding)
        result = _compute(body)
        factor = Decimal(1) if origin in {"BW", "NA"} else Decimal("1.1")
        for line, (amount, category) in zip(result.lines, lines, strict=True):
            assert line.rule == "za.import" and line.tax_amount == 0 and line.net_amount == line.gross_amount == amount, line
            vat = Decimal(0) if category == "food" else Decimal(15)
            assert line.tax_due_at_import == (amount * factor * vat / 100).quantize(CENT, ROUND_HALF_UP), line
            assert line.rate_percent == vat * factor
            assert sum((b.tax_amount for b in line.breakdown), Decimal(0)) == line.tax_due_at_import
        if result.shipping is not None:
            assert result.shipping.tax_due_at_import == 0 and result.shipping.tax_amount == 0
        t = result.totals
        assert t.tax_due_at_import == sum(line.tax_due_at_import for line in result.lines)
        assert t.tax_amount == 0 and t.net_amount == t.gross_amount == t.seller_proceeds
        answers.append([(line.tax_due_at_import, line.rate_percent, line.breakdown) for line in result.lines])
    assert all(a == answers[0] for a in answers)


def test_price_and_batch_answer_the_vat_at_import_above_r500(client):
    params = {"country": "ZA", "amount": "1000.00", "currency": "ZAR", "seller_country": "CN", "ship_from": "CN", "date": "2025-07-29"}
    p = client.get("/v1/price", params=params).json()
    assert (p["tax_amount"], p["tax_due_at_import"], p["rate_percent"], p["rule"]) == ("0.00", "165.00", "16.5", "za.import")
    p = client.get("/v1/price", params={**params, "seller_country": "LS", "ship_from": "LS"}).json()
    assert (p["tax_due_at_import"], p["rate_percent"]) == ("150.00", "15")
    # A batch row has no column for the tax due at import: its rate (the VAT on the value and its uplift) says it.
    r = client.post("/v1/batch", params={"date": "2025-07-29"}, content=b"id,country,amount,currency,seller_country,ship_from\n"
                    b"za,ZA,1000.00,ZAR,CN,CN\n", headers={"content-type": "text/csv"})
    row = r.content.decode("utf-8-sig").splitlines()[1].split(",")
    assert row[6:10] == ["1000.00", "0.00", "1000.00", "16.5"]
