"""The parameter loader refuses bad files naming the file and field, and answers by date."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from taxapi.errors import InvalidRateTable
from taxapi.rate_tables.loader import default_rates_dir
from taxapi.rate_tables.parameters import load_parameters as _load_all


def load_parameters(rates_dir: Path | None = None):
    """The parameter files by regime code (the EU membership list aside)."""
    return _load_all(rates_dir or default_rates_dir())[0]

GOOD = {
    "schema_version": 1,
    "regime": "XX",
    "parameters": {
        "withholding_vat": {
            "description": "A withholding rate with two periods, not in force at first.",
            "kind": "percent",
            "tax": "vat",
            "base": "tax_collected",
            "collected_by": "marketplace",
            "conditions": {"seller_registered": True, "seller_type": ["individual", "company"]},
            "periods": [
                {"effective_from": "2026-01-01", "value": "2.5", "source": "https://example.gov/act-2"},
                {"effective_from": "2021-01-01", "value": "1", "source": "https://example.gov/act-1"},
                {"effective_from": "2020-06-01", "in_force": False, "source": "https://example.gov/act-0"},
            ],
        },
        "lvg_limit": {
            "description": "A low-value limit in a currency, repealed later.",
            "periods": [
                {"effective_from": "2025-02-18", "in_force": False, "source": "https://example.gov/repeal"},
                {"effective_from": "2020-01-01", "amount": "150", "currency": "USD", "source": "https://example.gov/customs"},
            ],
        },
        "platform_rule": {
            "description": "A rule in force from a date.",
            "periods": [{"effective_from": "2020-06-01", "source": "https://example.gov/law"}],
        },
        "icms_method": {
            "description": "A code.",
            "kind": "code",
            "periods": [{"effective_from": "2023-08-01", "value": "por_dentro", "source": "https://example.gov/convenio"}],
        },
    },
}


def _dir(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "rates"
    (root / "parameters").mkdir(parents=True)
    (root / "parameters" / "XX.json").write_text(text, encoding="utf-8")
    eu = default_rates_dir() / "parameters" / "EU.json"  # the one Member State list every release has
    (root / "parameters" / "EU.json").write_text(eu.read_text(encoding="utf-8"), encoding="utf-8")
    return root


def _mutated(fn) -> str:
    doc = copy.deepcopy(GOOD)
    fn(doc)
    return json.dumps(doc)


def _p(doc, name="withholding_vat"):
    return doc["parameters"][name]


W = "parameters/withholding_vat/periods"
L = "parameters/lvg_limit/periods"
CASES = [
    ("duplicate_key", '{"regime": "XX", "regime": "XX"}', "regime", "duplicate key"),
    ("json_number", json.dumps(GOOD).replace('"value": "2.5"', '"value": 2.5'), "2.5", "decimal strings"),
    ("missing_source", _mutated(lambda d: _p(d)["periods"][1].pop("source")), f"{W}/1", "source"),
    ("unsorted", _mutated(lambda d: _p(d)["periods"].reverse()), f"{W}/1/effective_from", "newest first"),
    ("same_date", _mutated(lambda d: _p(d)["periods"][1].update(effective_from="2026-01-01")), f"{W}/1/effective_from", "distinct"),
    ("bad_date", _mutated(lambda d: _p(d)["periods"][0].update(effective_from="2026-02-30")), f"{W}/0/effective_from", "calendar date"),
    ("percent_over_100", _mutated(lambda d: _p(d)["periods"][0].update(value="120")), f"{W}/0/value", "0 to 100"),
    ("percent_not_decimal", _mutated(lambda d: _p(d)["periods"][0].update(value="1e3")), f"{W}/0/value", "percent"),
    ("flag_for_percent", _mutated(lambda d: _p(d)["periods"][0].update(value=True)), f"{W}/0/value", "string"),
    ("percent_without_value", _mutated(lambda d: _p(d)["periods"][0].pop("value")), f"{W}/0", "needs a value"),
    ("percent_with_amount", _mutated(lambda d: _p(d)["periods"][0].update(amount="1", currency="USD")), f"{W}/0/amount", "not an amount"),
    ("value_not_in_force", _mutated(lambda d: _p(d)["periods"][2].update(value="1")), f"{W}/2", "not in force"),
    ("amount_without_currency", _mutated(lambda d: _p(d, "lvg_limit")["periods"][1].pop("currency")), f"{L}/1", "currency"),
    ("unknown_currency", _mutated(lambda d: _p(d, "lvg_limit")["periods"][1].update(currency="XYZ")), f"{L}/1/currency", "XYZ"),
    ("value_on_limit", _mutated(lambda d: _p(d, "lvg_limit")["periods"][1].update(value="1")), f"{L}/1/value", "not a value"),
    ("bad_code", _mutated(lambda d: _p(d, "icms_method")["periods"][0].update(value="Por Dentro")), "parameters/icms_method/periods/0/value", "code"),
    ("unknown_kind", _mutated(lambda d: _p(d).update(kind="ratio")), "parameters/withholding_vat/kind", "ratio"),
    ("bad_name", _mutated(lambda d: d["parameters"].update({"lvg.limit": GOOD["parameters"]["lvg_limit"]})), "parameters", "lvg.limit"),
    ("wrong_file_name", _mutated(lambda d: d.update(regime="YY")), "regime", "file name"),
    ("not_json", "{", "line 1", "invalid JSON"),
]


@pytest.mark.parametrize(("name", "text", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_parameter_file_is_refused_with_file_and_field(tmp_path, name, text, field, words):
    with pytest.raises(InvalidRateTable) as info:
        load_parameters(_dir(tmp_path, text))
    err = info.value
    assert err.file == "parameters/XX.json"
    assert err.field == field, err.detail
    assert words in err.detail, err.detail


def test_values_limits_and_rules_by_date(tmp_path):
    params = load_parameters(_dir(tmp_path, json.dumps(GOOD)))["XX"]
    wh = params["withholding_vat"]
    assert wh.value(date(2020, 5, 31)) is None and wh.on(date(2020, 5, 31)) is None  # before the first period
    assert wh.value(date(2020, 6, 1)) is None and not wh.in_force(date(2020, 12, 31))
    assert wh.value(date(2021, 1, 1)) == Decimal("1") == wh.value(date(2025, 12, 31))
    assert wh.value(date(2026, 1, 1)) == Decimal("2.5")
    assert wh.on(date(2021, 1, 1)).effective_to == date(2025, 12, 31)
    assert (wh.tax, wh.base, wh.collected_by) == ("vat", "tax_collected", "marketplace")
    assert wh.conditions == {"seller_registered": True, "seller_type": ["individual", "company"]}
    lvg = params["lvg_limit"]
    assert lvg.limit(date(2025, 2, 17)).amount == Decimal("150") and lvg.limit(date(2025, 2, 17)).currency == "USD"
    assert lvg.limit(date(2025, 2, 18)) is None and lvg.nominal.amount == Decimal("150")
    rule = params["platform_rule"]
    assert (rule.in_force(date(2020, 5, 31)), rule.in_force(date(2020, 6, 1)), rule.starts_on) == (False, True, date(2020, 6, 1))
    assert params["icms_method"].value(date(2024, 1, 1)) == "por_dentro"


def test_no_parameter_folder_is_refused_for_want_of_the_member_states(tmp_path):
    with pytest.raises(InvalidRateTable) as info:
        load_parameters(tmp_path)
    assert info.value.file == "parameters/EU.json" and "Member States" in info.value.detail


def test_shipped_parameters_load_and_every_period_cites_a_source():
    sets = load_parameters()
    markets = {"MX", "BR", "CL", "CO", "IN", "ID", "MY", "TH", "PH", "VN", "KR", "TW", "SA", "AE", "TR", "ZA", "IL"}
    assert markets <= set(sets)
    for ps in (sets[code] for code in sorted(markets)):
        for p in ps.parameters.values():
            for period in p.periods:
                assert period.source.startswith("http"), (ps.regime, p.name)


def _india_with(change):
    from taxapi.rate_tables.loader import read_json_strict

    path = default_rates_dir() / "parameters" / "IN.json"
    doc = read_json_strict(path, "parameters/IN.json")
    change(doc["subdivisions"])
    return doc


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda s: s["MH"].update(to="2016-01-01"), "subdivisions/MH/to", "ends before it starts"),
    (lambda s: s["KA"].update(codes=["27"]), "subdivisions/", "shares a code"),  # 27 is Maharashtra's GST code
    (lambda s: s["KA"].update(tax="SGST"), "subdivisions", "does not match"),
])
def test_a_bad_subdivision_is_refused(change, field, words):
    from taxapi.rate_tables.parameters import parse_parameters

    with pytest.raises(InvalidRateTable) as exc:
        parse_parameters(_india_with(change), "parameters/IN.json")
    assert field in str(exc.value) and words in str(exc.value)


def test_subdivisions_are_found_by_code_former_code_and_gst_code_on_their_dates():
    params = {p.regime: p for p in _load_all(default_rates_dir())[0].values()}["IN"]
    day = date(2026, 3, 2)
    assert params.subdivision("ts", day).name == "Telangana" and params.subdivision("TG", day).code == "TS"
    assert params.subdivision("07", day).code == "DL" and params.subdivision("DL", day).tax == "sgst"
    assert params.subdivision("DD", day).code == "DH" and params.subdivision("DD", date(2020, 1, 25)).code == "DD"
    assert params.subdivision("JK", date(2017, 7, 7)) is None and params.subdivision("JK", date(2017, 7, 8)).tax == "sgst"
    assert params.subdivision("XX", day) is None
    assert len([s for s in params.subdivisions.values() if s.exists_on(day)]) == 36  # 28 states, 8 union territories
