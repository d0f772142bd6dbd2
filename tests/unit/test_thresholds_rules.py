"""The threshold files load strictly, and the parameters pinned here match their cited sources."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal

import pytest

from taxapi.errors import InvalidRateTable
from taxapi.thresholds.rules import get_threshold_rules, load_threshold_rules

from ..conftest import REPO_DIR


def test_every_required_market_has_a_rule():
    ids = {r.jurisdiction for r in get_threshold_rules().rules}
    assert {"EU", "GB", "NO", "CH", "AU", "NZ", "CA", "CA-QC", "CA-BC", "SG", "JP"} <= ids
    states = {i for i in ids if i.startswith("US-")}
    assert len(states) == 48 and not states & {"US-DE", "US-MT", "US-NH", "US-OR"}


@pytest.mark.parametrize(
    ("jurisdiction", "day", "amount", "transactions"),
    [
        ("EU", "2026-01-01", "10000", None),          # Art. 59c(1)(c)
        ("US-IL", "2025-12-31", "100000", 200),       # before P.A. 104-0006
        ("US-IL", "2026-01-01", "100000", None),      # P.A. 104-0006
        ("US-SD", "2023-06-30", "100000", 200),       # Wayfair model
        ("US-SD", "2023-07-01", "100000", None),
        ("US-CA", "2026-01-01", "500000", None),
        ("US-TX", "2026-01-01", "500000", None),
        ("US-NY", "2026-01-01", "500000", 100),
        ("NO", "2026-01-01", "50000", None),
        ("CA", "2026-01-01", "30000", None),
        ("NZ", "2026-01-01", "60000", None),
        ("AU", "2026-01-01", "75000", None),
        ("SG", "2026-01-01", "100000", None),
        ("GB", "2026-01-01", "0", None),
    ],
)
def test_pinned_parameters(jurisdiction, day, amount, transactions):
    p = get_threshold_rules().get(jurisdiction).period_on(date.fromisoformat(day))
    assert p is not None and p.amount == Decimal(amount) and p.transactions == transactions
    assert p.source


def test_singapore_global_test_is_one_million():
    assert get_threshold_rules().get("SG").period_on(date(2026, 1, 1)).worldwide_amount == Decimal("1000000")


def _copy(tmp_path):
    rates = tmp_path / "rates"
    shutil.copytree(REPO_DIR / "rates" / "thresholds", rates / "thresholds")
    shutil.copytree(REPO_DIR / "rates" / "parameters", rates / "parameters")  # the EU Member States
    return rates


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d["rules"][1]["periods"].reverse(), "newest first"),
        (lambda d: d["rules"][0]["periods"][0].update(amount=100000), "is not valid"),
        (lambda d: d["rules"][0].update(currency="XXQ"), "XXQ"),
        (lambda d: d["rules"][0].update(jurisdiction="US-ZZ"), "does not match"),
        (lambda d: d["rules"][1].update(jurisdiction=d["rules"][0]["jurisdiction"], destination=d["rules"][0]["destination"]), "also defined"),
    ],
)
def test_bad_threshold_files_are_refused(tmp_path, edit, words):
    rates = _copy(tmp_path)
    path = rates / "thresholds" / "US.json"
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(InvalidRateTable) as exc:
        load_threshold_rules(rates)
    assert words in exc.value.detail


def test_duplicate_keys_are_refused(tmp_path):
    rates = _copy(tmp_path)
    path = rates / "thresholds" / "EU.json"
    path.write_text(path.read_text().replace('"schema_version": 1,', '"schema_version": 1, "schema_version": 1,', 1))
    with pytest.raises(InvalidRateTable, match="duplicate key"):
        load_threshold_rules(rates)
