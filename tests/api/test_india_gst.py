"""India: CGST + SGST/UTGST on an intra-state supply, IGST on an inter-state supply or an import.

The worked examples are the golden vectors of ``tests/golden/markets/IN.json`` (each names its source:
the CGST, SGST, UTGST and IGST Acts and the CBIC rate notifications, whose CGST rate is half the IGST
rate of every entry). The states and union territories are those of ``rates/parameters/IN.json``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden" / "markets" / "IN.json").read_text(encoding="utf-8"))
VECTORS = {v["id"]: v for v in GOLDEN["vectors"]}


def _order(day: str, ship_from: dict, ship_to: dict, amount: str, *, category: str = "general", seller: dict | None = None,
           **more) -> dict:
    return {"date": day, "currency": "INR", "seller": seller or {"country": "IN"}, "ship_from": ship_from, "ship_to": ship_to,
            "lines": [{"id": "1", "amount": amount, "category": category}], **more}


def _post(client, body: dict) -> dict:
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _breakdown(line: dict) -> list[dict]:
    return [{k: b[k] for k in ("jurisdiction", "level", "rate_percent", "tax_amount")} for b in line["breakdown"]]


@pytest.mark.parametrize("vid", ["in-gst-intra-state", "in-gst-inter-state", "in-gst-union-territory", "in-gst-two-taxes-rounded-apart"])
def test_the_state_of_the_supplier_and_of_the_place_of_supply_decide_the_taxes(client, vid):
    v = VECTORS[vid]
    f = v["facts"]
    body = _order(v["date"], {"country": "IN", "region": f["ship_from_state"]}, {"country": "IN", "region": f["ship_to_state"]}, f["net"])
    line = _post(client, body)["lines"][0]
    assert (line["rule"], line["tax_amount"], line["collected_by"]) == (v["expected"]["rule"], v["expected"]["tax"], "seller")
    assert line["rate_percent"] == "18" and line["jurisdiction"] == "IN"
    assert _breakdown(line) == v["expected"]["breakdown"]
    if "igst_same_value_inter_state" in v["expected"]:
        body["ship_to"]["region"] = "HR"  # Delhi to Haryana: IGST on the whole value, rounded once
        assert _post(client, body)["lines"][0]["tax_amount"] == v["expected"]["igst_same_value_inter_state"]


def test_the_states_name_their_tax_and_their_name(client):
    line = _post(client, _order("2026-03-02", {"country": "IN", "region": "TS"}, {"country": "IN", "region": "TS"}, "100.00"))["lines"][0]
    assert [(b["level"], b["name"]) for b in line["breakdown"]] == [("cgst", "India"), ("sgst", "Telangana")]
    assert "IN.json" not in line["source"] and line["source"].startswith("https://")


def test_the_rate_change_of_gst_2_splits_on_its_date(client):
    v = VECTORS["in-gst-books-before-and-after-gst-2"]
    f = v["facts"]
    for day, tax in ((v["date"], v["expected"]["tax"]), (f["date_after"], v["expected"]["tax_after"])):
        body = _order(day, {"country": "IN", "region": "KA"}, {"country": "IN", "region": "KA"}, f["net"], category=f["category"])
        line = _post(client, body)["lines"][0]
        assert line["tax_amount"] == tax and [b["rate_percent"] for b in line["breakdown"]] == v["expected"]["breakdown_rates"]


def test_codes_an_address_may_carry_name_the_same_state(client):
    # The GST state code (27: Maharashtra) and a former ISO 3166-2 code (TG, now TS: Telangana) are read.
    for a, b in (("MH", "27"), ("TS", "TG"), ("UK", "UT"), ("OD", "OR"), ("CG", "CT")):
        line = _post(client, _order("2026-03-02", {"country": "IN", "region": a}, {"country": "IN", "region": b}, "100.00"))["lines"][0]
        assert line["rule"] == "in.domestic.intra_state", (a, b)


def test_territories_exist_from_their_dates(client):
    # Ladakh became a union territory (UTGST) on 2019-10-31 (J&K Reorganisation Act 2019); before, it was not one.
    body = _order("2019-10-31", {"country": "IN", "region": "LA"}, {"country": "IN", "region": "LA"}, "100.00")
    assert [b["level"] for b in _post(client, body)["lines"][0]["breakdown"]] == ["cgst", "utgst"]
    body["date"] = "2019-10-30"
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 422 and [e["loc"] for e in r.json()["errors"]] == [["body", "ship_from", "region"], ["body", "ship_to", "region"]]
    # Daman and Diu merged into DH on 2020-01-26: its old code names the merged territory from then.
    body = _order("2020-01-26", {"country": "IN", "region": "DD"}, {"country": "IN", "region": "DH"}, "100.00")
    assert _post(client, body)["lines"][0]["rule"] == "in.domestic.intra_state"
    body["date"] = "2020-01-25"  # before the merger DD and DN were two territories
    body["ship_to"]["region"] = "DN"
    assert _post(client, body)["lines"][0]["rule"] == "in.domestic.inter_state"


@pytest.mark.parametrize(("ship_from", "ship_to", "locs"), [
    ({"country": "IN"}, {"country": "IN", "region": "MH"}, [["body", "ship_from", "region"]]),
    ({"country": "IN", "region": "MH"}, {"country": "IN"}, [["body", "ship_to", "region"]]),
    ({"country": "IN"}, {"country": "IN"}, [["body", "ship_from", "region"], ["body", "ship_to", "region"]]),
    ({"country": "IN", "region": "ZZ"}, {"country": "IN", "region": "MH"}, [["body", "ship_from", "region"]]),
])
def test_a_missing_or_unknown_state_is_a_problem_naming_the_field(client, ship_from, ship_to, locs):
    r = client.post("/v1/calculate", json=_order("2026-03-02", ship_from, ship_to, "100.00"))
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert [e["loc"] for e in r.json()["errors"]] == locs
    assert "CGST + SGST or IGST" in r.json()["detail"] or "not a state" in r.json()["detail"]


def test_imports_bear_igst_at_the_border_without_a_state(client):
    line = _post(client, _order("2026-03-02", {"country": "CN"}, {"country": "IN"}, "1000.00", seller={"country": "CN"}))["lines"][0]
    assert (line["rule"], line["collected_by"], line["tax_due_at_import"]) == ("in.import", "customs", "180.00")
    assert _breakdown(line) == [{"jurisdiction": "IN", "level": "igst", "rate_percent": "18", "tax_amount": "180.00"}]


def test_services_are_intra_state_in_the_suppliers_state_when_the_customer_gives_no_address(client):
    # IGST Act s.12(2)(b): no address of the recipient on record -> the location of the supplier.
    body = _order("2026-03-02", {"country": "IN"}, {"country": "IN"}, "1000.00", category="services",
                  seller={"country": "IN", "region": "KA"})
    line = _post(client, body)["lines"][0]
    assert [(b["jurisdiction"], b["level"], b["tax_amount"]) for b in line["breakdown"]] == [("IN", "cgst", "90.00"),
                                                                                          ("IN-KA", "sgst", "90.00")]
    body["ship_to"]["region"] = "TN"  # a customer in Tamil Nadu: inter-state
    assert [b["level"] for b in _post(client, body)["lines"][0]["breakdown"]] == ["igst"]
    del body["seller"]["region"]
    r = client.post("/v1/calculate", json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "seller", "region"]
    # A foreign provider of digital services charges IGST (OIDAR, IGST Act s.14): no state needed.
    body = _order("2026-03-02", {"country": "US"}, {"country": "IN"}, "1000.00", category="digital_services", seller={"country": "US"})
    assert [b["level"] for b in _post(client, body)["lines"][0]["breakdown"]] == ["igst"]


def test_shipping_and_tcs_follow_the_split(client):
    body = _order("2026-03-02", {"country": "IN", "region": "MH"}, {"country": "IN", "region": "MH"}, "1000.00",
                  marketplace={"name": "Flipkart"}, shipping={"amount": "50.00"})
    r = _post(client, body)
    assert [b["tax_amount"] for b in r["shipping"]["breakdown"]] == ["4.50", "4.50"]
    # TCS (CGST Act s.52, 0.5 % from 2024-07-10): 0.25 % CGST + 0.25 % SGST on the net value of each.
    assert [(w["jurisdiction"], w["rate_percent"], w["amount"]) for w in r["lines"][0]["withholdings"]] == [
        ("IN", "0.25", "2.50"), ("IN-MH", "0.25", "2.50")]
    assert r["totals"]["withheld_by_marketplace"] == "5.26"  # 2.50 + 2.50 + 0.125 -> 0.13 twice on the shipping of 50.00
    assert r["totals"]["tax_amount"] == "189.00"


def test_the_shippings_tcs_is_each_shares_rounded_and_summed_per_tax(client):
    """Shipping of 6.00 over goods within Maharashtra and a service from Karnataka (IGST Act s.12(2)): three shares of
    2.00. TCS (CGST Act s.52, 0.5 % from 2024-07-10) on each share's net value, rounded by itself: 0.25 % of 2.00 is
    0.005, 0.01 CGST and 0.01 SGST on each goods share (0.02 each in all, where 0.25 % of the 4.00 together would be
    0.01), 0.5 % IGST of the service's share 0.01."""
    body = _order("2026-03-02", {"country": "IN", "region": "MH"}, {"country": "IN", "region": "MH"}, "1000.00",
                  seller={"country": "IN", "region": "KA"}, marketplace={"name": "Flipkart"}, shipping={"amount": "6.00"})
    body["lines"] += [{"id": "2", "amount": "1000.00", "category": "food"}, {"id": "3", "amount": "1000.00", "category": "services"}]
    r = _post(client, body)
    assert [(p["net_amount"], p["rule"]) for p in r["shipping"]["apportioned"]] == [
        ("2.00", "in.domestic.intra_state"), ("2.00", "in.domestic.intra_state"), ("2.00", "in.services.domestic")]
    assert [(w["jurisdiction"], w["rule"], w["rate_percent"], w["base_amount"], w["amount"]) for w in r["shipping"]["withholdings"]] == [
        ("IN", "in.withholding.tcs.cgst", "0.25", "4.00", "0.02"), ("IN-MH", "in.withholding.tcs.sgst", "0.25", "4.00", "0.02"),
        ("IN", "in.withholding.tcs.igst", "0.5", "2.00", "0.01")]
    assert [w["amount"] for w in r["lines"][2]["withholdings"]] == ["5.00"]  # IGST 0.5 % of the service
    assert r["totals"]["withheld_by_marketplace"] == "15.05"  # 2.50 x 4 + 5.00 + 0.02 x 2 + 0.01


def test_a_withholding_on_a_fact_the_order_does_not_give_is_left_to_the_markets_step(monkeypatch):
    """India's TCS depends on no fact an order may leave out; were it to (here: every condition reported unknown), the
    market's step withholds the same and warns that the fact is missing."""
    from taxapi.regimes.in_gst import InGst

    book, fx = get_rate_book(), get_ecb_rates()
    body = _order("2026-03-02", {"country": "IN", "region": "MH"}, {"country": "IN", "region": "MH"}, "1000.00",
                  marketplace={"name": "Flipkart"}, shipping={"amount": "6.00"})
    body["lines"].append({"id": "2", "amount": "1000.00", "category": "food"})
    order = CalculateRequest.model_validate(body)
    known = compute_order(order=order, book=book, fx=fx)
    candidates = InGst._candidates
    monkeypatch.setattr(InGst, "_candidates", lambda self, b, key: (lambda g, _, first: (g, True, first))(*candidates(self, b, key)))
    for name in ("in_withholdings", "withholdings"):  # the layouts kept in the book, for this test only
        monkeypatch.setitem(book.memo, name, {})
    unknown = compute_order(order=order, book=book, fx=fx)
    assert [line.withholdings for line in unknown.lines] == [line.withholdings for line in known.lines]
    assert unknown.shipping.withholdings == known.shipping.withholdings
    assert unknown.totals == known.totals
    assert "withholding_facts_unknown" in {w.code for w in unknown.warnings}
    assert "withholding_facts_unknown" not in {w.code for w in known.warnings}


def test_price_of_an_indian_state(client):
    r = client.get("/v1/price", params={"country": "IN-MH", "amount": "100.05", "date": "2026-03-02"})
    assert r.status_code == 200 and r.json()["tax_amount"] == "18.00"
    r = client.get("/v1/price", params={"country": "IN-MH", "ship_from": "IN-KA", "amount": "100.05", "date": "2026-03-02"})
    assert r.json()["tax_amount"] == "18.01" and r.json()["rule"] == "in.domestic.inter_state"
    r = client.get("/v1/price", params={"country": "IN", "amount": "100", "date": "2026-03-02"})
    assert r.status_code == 422 and ["query", "region"] in [e["loc"] for e in r.json()["errors"]]


STATES = ["MH", "KA", "DL", "CH", "TS", "LA", "PY", "AN"]
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2, allow_nan=False, allow_infinity=False)


@given(amounts=st.lists(st.tuples(amounts, st.sampled_from(["general", "food", "clothing", "ebooks", "books"])), min_size=1, max_size=4),
       states=st.tuples(st.sampled_from(STATES), st.sampled_from(STATES)), inclusive=st.booleans(),
       rounding=st.sampled_from(["per_line", "per_document"]), shipping=st.one_of(st.none(), amounts),
       day=st.sampled_from(["2024-07-10", "2025-09-21", "2025-09-22", "2026-03-02"]))
def test_the_taxes_of_a_line_add_up_and_cgst_equals_sgst(amounts, states, inclusive, rounding, shipping, day):
    """Every line's breakdown sums to its tax; an intra-state line has CGST = SGST/UTGST at half the rate each (per line:
    the same amount too), an inter-state line one IGST entry; the split changes the tax by at most one paisa a line."""
    book, fx = get_rate_book(), get_ecb_rates()
    body = _order(day, {"country": "IN", "region": states[0]}, {"country": "IN", "region": states[1]}, "1",
                  prices_include_tax=inclusive, rounding=rounding)
    body["lines"] = [{"id": str(i), "amount": str(a), "category": c} for i, (a, c) in enumerate(amounts)]
    if shipping is not None:
        body["shipping"] = {"amount": str(shipping)}
    result = compute_order(order=CalculateRequest.model_validate(body), book=book, fx=fx)
    other = {**body, "ship_to": {"country": "IN", "region": states[0] if states[1] != states[0] else ("KA" if states[0] != "KA" else "MH")}}
    if states[0] == states[1]:
        other_result = compute_order(order=CalculateRequest.model_validate(other), book=book, fx=fx)
        assert abs(result.totals.tax_amount - other_result.totals.tax_amount) <= Decimal("0.01") * (len(amounts) + 1)
    items = list(result.lines) + ([result.shipping] if result.shipping is not None else [])
    for line in items:
        assert line.net_amount + line.tax_amount == line.gross_amount
        if getattr(line, "apportioned", None):  # shipping spread over several rates: its parts carry no breakdown
            continue
        assert sum((b.tax_amount for b in line.breakdown), Decimal(0)) == line.tax_amount
        if states[0] == states[1]:
            cgst, state = line.breakdown
            assert (cgst.level, state.level, state.jurisdiction) == ("cgst", "utgst" if states[0] in ("CH", "LA", "AN") else "sgst",
                                                                    f"IN-{states[0]}")
            assert cgst.rate_percent == state.rate_percent and cgst.rate_percent * 2 == line.rate_percent
            if rounding == "per_line":
                assert cgst.tax_amount == state.tax_amount
            else:
                assert abs(cgst.tax_amount - state.tax_amount) <= Decimal("0.01")
        else:
            assert [(b.level, b.rate_percent) for b in line.breakdown] == [("igst", line.rate_percent)]
