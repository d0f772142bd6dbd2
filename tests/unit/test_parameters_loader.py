"""The parameter loader refuses bad files naming the file and field, and answers by date."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from taxapi.errors import InvalidRateTable
from taxapi.rate_tables.parameters import load_parameters

from ..conftest import REPO_DIR

GOOD = {
    "schema_version": 1,
    "country": "XX",
    "name": "Fixture",
    "parameters": {
        "withholding.vat": {
            "description": "A withholding rate with two periods.",
            "kind": "percent",
            "tax": "vat",
            "base": "tax_collected",
            "collected_by": "marketplace",
            "conditions": {"seller_registered": True, "seller_type": ["individual", "company"]},
            "periods": [
                {"effective_from": "2026-01-01", "value": "2.5", "source": "https://example.gov/act-2"},
                {"effective_from": "2021-01-01", "value": "1", "source": "https://example.gov/act-1"},
                {"effective_from": "2020-06-01", "value": None, "source": "https://example.gov/act-0"},
            ],
        },
        "lvg.limit": {
            "description": "A low-value limit in a currency.",
            "kind": "amount",
            "currency": "USD",
            "periods": [{"effective_from": "2020-01-01", "value": "150", "source": "https://example.gov/customs"}],
        },
        "digital.start": {
            "description": "A start date.",
            "kind": "date",
            "periods": [{"effective_from": "2020-06-01", "value": "2020-06-01", "source": "https://example.gov/law"}],
        },
    },
}


def _dir(tmp_path: Path, text: str, name: str = "XX.json") -> Path:
    root = tmp_path / "rates"
    (root / "parameters").mkdir(parents=True)
    shutil.copy(REPO_DIR / "schemas" / "parameters.schema.json", tmp_path / "schema.json")
    (root / "parameters" / name).write_text(text, encoding="utf-8")
    return root


def _mutated(fn) -> str:
    doc = copy.deepcopy(GOOD)
    fn(doc)
    return json.dumps(doc)


def _wh(doc):
    return doc["parameters"]["withholding.vat"]


CASES = [
    ("duplicate_key", '{"country": "XX", "country": "XX"}', "country", "duplicate key"),
    ("json_number", json.dumps(GOOD).replace('"value": "2.5"', '"value": 2.5'), "2.5", "decimal strings"),
    ("missing_source", _mutated(lambda d: _wh(d)["periods"][1].pop("source")), "parameters/withholding.vat/periods/1", "source"),
    ("unsorted", _mutated(lambda d: _wh(d)["periods"].reverse()), "parameters/withholding.vat/periods/1/effective_from", "newest first"),
    ("same_date", _mutated(lambda d: _wh(d)["periods"][1].update(effective_from="2026-01-01")), "parameters/withholding.vat/periods/1/effective_from", "distinct"),
    ("bad_date", _mutated(lambda d: _wh(d)["periods"][0].update(effective_from="2026-02-30")), "parameters/withholding.vat/periods/0/effective_from", "calendar date"),
    ("percent_over_100", _mutated(lambda d: _wh(d)["periods"][0].update(value="120")), "parameters/withholding.vat/periods/0/value", "0-100"),
    ("not_decimal", _mutated(lambda d: _wh(d)["periods"][0].update(value="1e3")), "parameters/withholding.vat/periods/0/value", "decimal string"),
    ("flag_for_percent", _mutated(lambda d: _wh(d)["periods"][0].update(value=True)), "parameters/withholding.vat/periods/0/value", "string"),
    ("amount_without_currency", _mutated(lambda d: d["parameters"]["lvg.limit"].pop("currency")), "parameters/lvg.limit/currency", "required"),
    ("currency_on_percent", _mutated(lambda d: _wh(d).update(currency="USD")), "parameters/withholding.vat/currency", "only for an amount"),
    ("unknown_currency", _mutated(lambda d: d["parameters"]["lvg.limit"].update(currency="XYZ")), "parameters/lvg.limit/currency", "XYZ"),
    ("bad_date_value", _mutated(lambda d: d["parameters"]["digital.start"]["periods"][0].update(value="2020-13-01")), "parameters/digital.start/periods/0/value", "calendar date"),
    ("unknown_kind", _mutated(lambda d: _wh(d).update(kind="ratio")), "parameters/withholding.vat/kind", "ratio"),
    ("bad_name", _mutated(lambda d: d["parameters"].update({"Bad Name": GOOD["parameters"]["lvg.limit"]})), "parameters", "Bad Name"),
    ("wrong_file_name", _mutated(lambda d: d.update(country="YY")), "country", "file name"),
    ("not_json", "{", "line 1", "invalid JSON"),
]


@pytest.mark.parametrize(("name", "text", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_parameter_file_is_refused_with_file_and_field(tmp_path, name, text, field, words):
    root = _dir(tmp_path, text)
    with pytest.raises(InvalidRateTable) as info:
        load_parameters(root, tmp_path / "schema.json")
    err = info.value
    assert err.file == "parameters/XX.json"
    assert err.field == field, err.detail
    assert words in err.detail, err.detail


def test_values_are_typed_and_dated(tmp_path):
    sets = load_parameters(_dir(tmp_path, json.dumps(GOOD)), tmp_path / "schema.json")
    wh = sets["XX"].get("withholding.vat")
    assert wh.value_on(date(2020, 5, 31)) is None  # before the first period
    assert wh.value_on(date(2020, 6, 1)) is None  # the rule does not apply yet
    assert wh.value_on(date(2020, 12, 31)) is None
    assert wh.value_on(date(2021, 1, 1)) == Decimal("1")
    assert wh.value_on(date(2025, 12, 31)) == Decimal("1")
    assert wh.value_on(date(2026, 1, 1)) == Decimal("2.5")
    assert wh.period_on(date(2021, 1, 1)).effective_to == date(2025, 12, 31)
    assert wh.period_on(date(2026, 1, 1)).source == "https://example.gov/act-2"
    assert wh.conditions == {"seller_registered": True, "seller_type": ["individual", "company"]}
    assert sets["XX"].get("digital.start").value_on(date(2024, 1, 1)) == date(2020, 6, 1)
    assert sets["XX"].get("lvg.limit").currency == "USD"


def test_no_parameter_folder_is_no_parameters(tmp_path):
    assert load_parameters(tmp_path) == {}


def test_shipped_parameters_load_and_every_period_cites_a_source():
    sets = load_parameters()
    assert len(sets) == 17
    for ps in sets.values():
        for p in ps.parameters.values():
            for period in p.periods:
                assert period.source.startswith("http"), (ps.country, p.id)
