"""Invariants of POST /v1/calculate's engine, checked with hypothesis."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.orders.wire import order_dict
from taxapi.rate_tables.loader import get_rate_book

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2, allow_nan=False, allow_infinity=False)
categories = st.sampled_from(["general", "books", "food", "children_clothing", "medicines", "exempt"])
# Destinations with different rate structures: DE domestic, FR distance sale, Madeira, NI, CA-QC (two levels).
scenarios = st.sampled_from([
    {"currency": "EUR", "seller": {"country": "DE"}, "ship_from": {"country": "DE"}, "ship_to": {"country": "DE"}},
    {"currency": "EUR", "seller": {"country": "DE", "oss": "union"}, "ship_from": {"country": "DE"}, "ship_to": {"country": "FR"}},
    {"currency": "EUR", "seller": {"country": "CN"}, "marketplace": {"name": "M"}, "ship_from": {"country": "PL"}, "ship_to": {"country": "PT", "postal_code": "9000-001"}},
    {"currency": "GBP", "seller": {"country": "GB"}, "ship_from": {"country": "GB"}, "ship_to": {"country": "GB", "postal_code": "BT1 1AA"}},
    {"currency": "CAD", "seller": {"country": "CA"}, "ship_from": {"country": "CA", "region": "QC"}, "ship_to": {"country": "CA", "region": "QC"}},
])


def _order(scenario, lines, *, inclusive=False, rounding="per_line", shipping=None):
    body = dict(scenario, date="2026-03-10", prices_include_tax=inclusive, rounding=rounding,
                lines=[{"id": str(i), "amount": str(a), "category": c} for i, (a, c) in enumerate(lines)])
    if shipping is not None:
        body["shipping"] = {"amount": str(shipping)}
    return order_dict(compute_order(order=CalculateRequest.model_validate(body), book=get_rate_book(), fx=get_ecb_rates()))


def D(s: str) -> Decimal:
    return Decimal(s)


line_lists = st.lists(st.tuples(amounts, categories), min_size=1, max_size=6)


@given(scenarios, line_lists, st.booleans(), st.sampled_from(["per_line", "per_document"]), st.none() | amounts)
@example({"currency": "EUR", "seller": {"country": "DE"}, "ship_from": {"country": "DE"}, "ship_to": {"country": "DE"}},
         [(D("1.47"), "general")], True, "per_line", None)
def test_net_plus_tax_is_gross_everywhere(scenario, lines, inclusive, rounding, shipping):
    out = _order(scenario, lines, inclusive=inclusive, rounding=rounding, shipping=shipping)
    parts = out["lines"] + ([out["shipping"]] if out["shipping"] else [])
    for p in parts:
        assert D(p["net_amount"]) + D(p["tax_amount"]) == D(p["gross_amount"])
        for b in p["breakdown"]:
            assert D(b["tax_amount"]) >= 0
        if p["breakdown"]:
            assert sum(D(b["tax_amount"]) for b in p["breakdown"]) == D(p["tax_amount"]) or p["collected_by"] in {"customs", "customer"}
    t = out["totals"]
    assert D(t["net_amount"]) + D(t["tax_amount"]) == D(t["gross_amount"])
    for key in ("net_amount", "tax_amount", "gross_amount"):
        assert sum(D(p[key]) for p in parts) == D(t[key])
    assert D(t["tax_collected_by_seller"]) + D(t["tax_collected_by_marketplace"]) == D(t["tax_amount"])
    assert D(t["seller_proceeds"]) == D(t["gross_amount"]) - D(t["tax_collected_by_marketplace"])
    assert D(t["seller_keeps"]) == D(t["seller_proceeds"]) - D(t["tax_collected_by_seller"])
    if not inclusive and D(t["tax_reverse_charged"]) == 0 and D(t["tax_due_at_import"]) == 0:
        assert D(t["seller_keeps"]) == D(t["net_amount"])  # every tax on the bill is passed on to someone
    if inclusive:
        assert [D(p["gross_amount"]) for p in out["lines"]] == [a for a, _ in lines]
    else:
        assert [D(p["net_amount"]) for p in out["lines"]] == [a for a, _ in lines]


@given(scenarios, line_lists, st.booleans())
@example({"currency": "EUR", "seller": {"country": "AT"}, "ship_from": {"country": "AT"}, "ship_to": {"country": "AT"}},
         [(D("10.05"), "books")] * 3, False)
def test_per_document_and_per_line_differ_by_at_most_half_a_unit_per_line(scenario, lines, inclusive):
    a = _order(scenario, lines, inclusive=inclusive, rounding="per_line")
    b = _order(scenario, lines, inclusive=inclusive, rounding="per_document")
    unit = Decimal("0.01")
    diff = abs(D(a["totals"]["tax_amount"]) - D(b["totals"]["tax_amount"]))
    assert diff <= len(lines) * unit / 2


@given(scenarios, line_lists, st.randoms(use_true_random=False), st.sampled_from(["per_line", "per_document"]), st.none() | amounts)
def test_reordering_lines_changes_nothing(scenario, lines, rnd, rounding, shipping):
    a = _order(scenario, lines, rounding=rounding, shipping=shipping)
    indexed = list(enumerate(lines))
    rnd.shuffle(indexed)
    body = dict(scenario, date="2026-03-10", rounding=rounding,
                lines=[{"id": str(i), "amount": str(x), "category": c} for i, (x, c) in indexed])
    if shipping is not None:
        body["shipping"] = {"amount": str(shipping)}
    b = order_dict(compute_order(order=CalculateRequest.model_validate(body), book=get_rate_book(), fx=get_ecb_rates()))
    by_id = {line["id"]: line for line in b["lines"]}
    for line in a["lines"]:
        assert by_id[line["id"]] == line
    assert a["totals"] == b["totals"]
    if shipping is not None:
        assert D(a["shipping"]["tax_amount"]) == D(b["shipping"]["tax_amount"])


@given(scenarios, amounts, categories)
def test_inclusive_and_exclusive_agree_on_the_same_net(scenario, net, category):
    exclusive = _order(scenario, [(net, category)])
    gross = D(exclusive["lines"][0]["gross_amount"])
    inclusive = _order(scenario, [(gross, category)], inclusive=True)
    assert D(inclusive["lines"][0]["net_amount"]) == net
    assert inclusive["lines"][0]["tax_amount"] == exclusive["lines"][0]["tax_amount"]
