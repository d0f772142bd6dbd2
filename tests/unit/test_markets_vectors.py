"""The worked examples kept for the new markets' regimes agree with the shipped data.

``tests/golden/markets/*.json`` restates worked examples from their sources. No regime computes them
yet; what can be checked now is that every rate and parameter value an example relies on is the one
the tables and parameter files hold on the example's date, so the data and the examples cannot drift
apart before the regime modules exist.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from taxapi.categories import Category

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "markets"
FILES = sorted(GOLDEN.glob("*.json"))


def _cases():
    for path in FILES:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for vector in doc["vectors"]:
            for i, fact in enumerate(vector["relies_on"]):
                yield pytest.param(vector, fact, id=f"{vector['id']}-{i}")


def test_every_market_file_names_its_sources():
    assert len(FILES) >= 10
    for path in FILES:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["market"] == path.stem
        for vector in doc["vectors"]:
            assert vector["source"] and vector["why"] and vector["relies_on"], vector["id"]


def _as_value(found):
    return format(found, "f") if isinstance(found, Decimal) else str(found)


@pytest.mark.parametrize(("vector", "fact"), list(_cases()))
def test_the_data_holds_what_the_example_relies_on(rate_book, vector, fact):
    day = date.fromisoformat(fact.get("date", vector["date"]))
    if "parameter" in fact:
        regime, name = fact["parameter"].split("/", 1)
        parameter = rate_book.parameters[regime][name]
        if parameter.kind == "limit":
            limit = parameter.limit(day)
            found = None if limit is None else limit.amount
        else:
            found = parameter.value(day)
        assert found is not None and _as_value(found) == fact["value"], (vector["id"], name, day, found)
    else:
        found = rate_book.get(fact["jurisdiction"]).lookup(Category(fact["category"]), day).rate_percent
        assert found == Decimal(fact["rate_percent"]), (vector["id"], fact, found)
