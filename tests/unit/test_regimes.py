"""The regime registry, the regime modules' doctests, and the dated parameters they read."""

from __future__ import annotations

import copy
import doctest
import importlib
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from taxapi.errors import InvalidRateTable
from taxapi.rate_tables.loader import get_rate_book, load_rate_book
from taxapi.regimes import REGIMES, regime_of

from ..conftest import REPO_DIR

MODULES = ["taxapi.regimes", *(f"taxapi.regimes.{p.stem}" for p in sorted((REPO_DIR / "taxapi" / "regimes").glob("*_*.py")))]


@pytest.mark.parametrize("name", MODULES)
def test_regime_module_doctests(name):
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module)
    assert failures == 0
    if name.endswith(("_vat", "_gst", "_ct", "_tax")):
        assert tried >= 1 and "More information:" in (module.__doc__ or "")


def test_a_table_without_a_regime_module_is_served_and_its_orders_are_outside_every_regime(tmp_path):
    """A market whose rate table comes before its regime module: /v1/rates answers, an order there is
    computed as outside every supported regime (an export from the EU), as before the module exists."""
    from taxapi.ecb import get_ecb_rates
    from taxapi.orders.schemas import CalculateRequest
    from taxapi.orders.service import compute_order
    from taxapi.regimes import ELSEWHERE

    root = tmp_path / "rates"
    shutil.copytree(REPO_DIR / "rates", root)
    doc = json.loads((root / "eu" / "DE.json").read_text(encoding="utf-8"))
    doc.update(jurisdiction="AR", name="Argentina (fixture)", country="AR", currency="ARS", regime="ar_vat", match=[{"country": "AR"}])
    doc.pop("note", None)
    (root / "world").mkdir(exist_ok=True)
    (root / "world" / "AR.json").write_text(json.dumps(doc), encoding="utf-8")
    book = load_rate_book(root)
    assert regime_of(book.get("AR")) is ELSEWHERE
    order = CalculateRequest.model_validate({"date": "2026-03-10", "currency": "EUR", "seller": {"country": "DE"},
                                             "ship_from": {"country": "DE"}, "ship_to": {"country": "AR"},
                                             "lines": [{"amount": "10.00"}]})
    assert compute_order(order=order, book=book, fx=get_ecb_rates()).lines[0].rule == "eu.export"


def test_every_rate_table_has_a_regime_and_its_parameters():
    book = get_rate_book()
    for j in book.jurisdictions.values():
        regime = regime_of(j)
        for name in regime.parameters:
            assert name in book.parameters[regime.code].parameters, (regime.code, name)
    assert {r.code for r in REGIMES.values()} >= {"EU", "GB", "NO", "CH", "IS", "AU", "NZ", "SG", "JP", "CA", "US"}


@pytest.mark.parametrize(("code", "name", "day", "amount"), [
    # Directive 2006/112/EC Art. 369l / Art. 59c, from the e-commerce package of 2021-07-01.
    ("EU", "ioss_consignment_limit", date(2021, 7, 1), Decimal("150")),
    ("EU", "ioss_consignment_limit", date(2021, 6, 30), None),
    ("EU", "distance_sales_threshold", date(2026, 3, 10), Decimal("10000")),
    ("GB", "consignment_limit", date(2021, 1, 1), Decimal("135")),
    ("NO", "voec_item_limit", date(2020, 3, 31), None),
    ("NO", "voec_item_limit", date(2020, 4, 1), Decimal("3000")),
    ("SG", "low_value_goods_limit", date(2023, 1, 1), Decimal("400")),
    # Japan's small-import exemption ends with the FY2026 reform (2028-04-01).
    ("JP", "small_import_exemption", date(2028, 3, 31), Decimal("10000")),
    ("JP", "small_import_exemption", date(2028, 4, 1), None),
])
def test_dated_limits(code, name, day, amount):
    limit = get_rate_book().parameters[code][name].limit(day)
    assert (limit.amount if limit else None) == amount


def test_platform_rules_start_on_their_dates():
    params = get_rate_book().parameters
    assert not params["CH"]["platform_deemed_supplier"].in_force(date(2024, 12, 31))
    assert params["CH"]["platform_deemed_supplier"].in_force(date(2025, 1, 1))
    assert params["JP"]["platform_digital_services"].in_force(date(2025, 4, 1))


def test_eu_membership_is_dated():
    members = get_rate_book().eu_members
    assert "GB" in members.on(date(2020, 12, 31)) and "GB" not in members.on(date(2021, 1, 1))
    assert "HR" not in members.on(date(2013, 6, 30)) and "HR" in members.on(date(2013, 7, 1))
    assert "XI" not in members.on(date(2026, 1, 1)) and "XI" in members.on(date(2026, 1, 1), goods=True)
    assert len(members.on(date(2026, 1, 1))) == 27


def _rates_with(tmp_path: Path, code: str, change) -> Path:
    root = tmp_path / "rates"
    shutil.copytree(REPO_DIR / "rates", root)
    path = root / "parameters" / f"{code}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return root


@pytest.mark.parametrize(("code", "change", "words"), [
    ("GB", lambda d: d["parameters"]["consignment_limit"]["periods"][0].pop("source"), "source"),
    ("GB", lambda d: d["parameters"]["consignment_limit"]["periods"][0].update(amount=135), "135"),
    ("NO", lambda d: d["parameters"].pop("voec_item_limit"), "voec_item_limit"),
    ("JP", lambda d: d["parameters"]["small_import_exemption"]["periods"].reverse(), "newest first"),
    ("EU", lambda d: d.pop("member_states"), "Member States"),
    ("CH", lambda d: d.update(regime="LI"), "file name"),
])
def test_bad_parameters_refuse_to_load(tmp_path, code, change, words):
    with pytest.raises(InvalidRateTable) as info:
        load_rate_book(_rates_with(tmp_path, code, change))
    assert words in info.value.detail


def test_parameters_are_part_of_the_rates_version(tmp_path):
    def later(doc):
        doc["parameters"]["consignment_limit"]["periods"][0]["amount"] = "150"

    changed = load_rate_book(_rates_with(tmp_path, "GB", later))
    assert changed.version != get_rate_book().version
    assert changed.parameters["GB"]["consignment_limit"].limit(date(2026, 1, 1)).amount == Decimal("150")


def test_a_raised_limit_changes_the_answer(tmp_path):
    """The GB rules read the limit from the data: at GBP 150, a GBP 140 consignment is sold at the point of sale."""
    from taxapi.ecb import get_ecb_rates
    from taxapi.orders.schemas import CalculateRequest
    from taxapi.orders.service import compute_order

    def later(doc):
        doc["parameters"]["consignment_limit"]["periods"][0]["amount"] = "150"

    order = CalculateRequest.model_validate({
        "date": "2026-03-10", "currency": "GBP", "seller": {"country": "CN"}, "ship_from": {"country": "CN"},
        "ship_to": {"country": "GB"}, "lines": [{"amount": "140.00"}]})
    assert compute_order(order=order, book=get_rate_book(), fx=get_ecb_rates()).lines[0].rule == "gb.import.over135"
    book = load_rate_book(_rates_with(tmp_path, "GB", later))
    result = compute_order(order=order, book=book, fx=get_ecb_rates())
    assert result.lines[0].rule == "gb.import.le135.seller" and result.lines[0].tax_amount == Decimal("28.00")
    assert result.conversions == () and copy.copy(result) == result


def test_a_market_with_flat_import_rules_but_no_parameter_for_them_fails_when_defined():
    from enum import StrEnum

    import pytest

    from taxapi.regimes.market import MarketRegime

    class Rule(StrEnum):
        flat = "xx.import.flat"

    with pytest.raises(TypeError, match="flat_rate_parameter"):
        type("Incomplete", (MarketRegime,), {"flat_rate_rules": frozenset({Rule.flat})})
