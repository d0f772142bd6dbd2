"""Every rate change in the tables is checked on its effective date and the day before.

The expectations in ``tests/golden/rate_changes/*.json`` are restated by hand from
the official sources, independently of ``rates/``; a change date in the tables
with no expectation on both sides fails :func:`test_every_change_date_is_checked`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from taxapi.categories import Category, RateKind

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "rate_changes"
FILES = sorted(GOLDEN.glob("*.json"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _cases():
    for path in FILES:
        doc = _load(path)
        for check in doc["checks"]:
            yield pytest.param(doc["jurisdiction"], check, id=f"{doc['jurisdiction']}-{check['date']}")


@pytest.mark.parametrize(("jurisdiction", "check"), list(_cases()))
def test_rate_on_date(rate_book, jurisdiction, check):
    j = rate_book.get(jurisdiction)
    day = date.fromisoformat(check["date"])
    for kind, percent in check.get("rates", {}).items():
        assert j.rate_percent(RateKind(kind), day) == Decimal(percent), (jurisdiction, day, kind)
    for category, expected in check.get("categories", {}).items():
        found = j.lookup(Category(category), day)
        if expected in {"exempt", "none"}:
            assert found.rate_kind.value == expected, (jurisdiction, day, category)
        else:
            assert found.rate_percent == Decimal(expected), (jurisdiction, day, category, found)


def test_every_change_date_is_checked(rate_book):
    checked: dict[str, set[date]] = {}
    for path in FILES:
        doc = _load(path)
        checked.setdefault(doc["jurisdiction"], set()).update(date.fromisoformat(c["date"]) for c in doc["checks"])
    missing = []
    for j in rate_book.jurisdictions.values():
        days = checked.get(j.id, set())
        for change in j.change_dates():
            for d in (change, change - timedelta(days=1)):
                if d not in days:
                    missing.append(f"{j.id} {d.isoformat()}")
    assert not missing, "rate changes without a check in tests/golden/rate_changes: " + ", ".join(missing)
