"""POST /v1/calculate against the hand-worked cases in tests/golden/cases/calculate.json, and the
``cases`` of the markets' files in tests/golden/markets/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = json.loads((GOLDEN / "cases" / "calculate.json").read_text(encoding="utf-8"))["cases"]
MARKET_CASES = [c for path in sorted((GOLDEN / "markets").glob("*.json"))
                for c in json.loads(path.read_text(encoding="utf-8")).get("cases", [])]


def _subset(actual: dict, expected: dict, where: str) -> None:
    for key, value in expected.items():
        assert key in actual, f"{where}: missing {key}"
        assert actual[key] == value, f"{where}.{key}: {actual[key]!r} != {value!r}"


@pytest.mark.parametrize("case", CASES + MARKET_CASES, ids=[c["name"] for c in CASES + MARKET_CASES])
def test_golden_case(client, case):
    r = client.post("/v1/calculate", json=case["request"])
    exp = case["expect"]
    body = r.json()
    assert r.status_code == exp.get("status", 200), body
    if r.status_code != 200:
        assert r.headers["content-type"] == "application/problem+json"
        if "error_code" in exp:
            assert body["code"] == exp["error_code"]
        if "error_loc" in exp:
            assert exp["error_loc"] in [e["loc"] for e in body.get("errors", [])], body
        return
    for i, line in enumerate(exp.get("lines", [])):
        _subset(body["lines"][i], line, f"lines[{i}]")
    if "shipping" in exp:
        _subset(body["shipping"], exp["shipping"], "shipping")
    if "totals" in exp:
        _subset(body["totals"], exp["totals"], "totals")
    codes = {w["code"] for w in body["warnings"]}
    for code in exp.get("warnings_include", []):
        assert code in codes, body["warnings"]
    for code in exp.get("warnings_exclude", []):
        assert code not in codes, body["warnings"]
    notes = {n["code"] for n in body["notes"]}
    for code in exp.get("notes_include", []):
        assert code in notes, body["notes"]
    texts = " | ".join(n["text"] for n in body["notes"])
    for text in exp.get("note_texts_include", []):
        assert text in texts
    for conv in exp.get("conversions_include", []):
        assert any(all(c.get(k) == v for k, v in conv.items()) for c in body["conversions"]), body["conversions"]


def test_golden_file_has_forty_cases_with_sources():
    assert len(CASES) >= 40
    assert all(c["source"] for c in CASES)


def test_every_market_with_cases_covers_the_four_situations():
    # Domestic, an import (low value), goods from a local warehouse through a marketplace, a digital service.
    by_market: dict[str, set[str]] = {}
    for c in MARKET_CASES:
        assert c["source"] and c["why"], c["name"]
        market, _, rest = c["name"].partition("_")
        by_market.setdefault(market, set()).add(rest)
    assert {"th", "tw", "sa", "ae", "za", "co", "il", "tr"} <= set(by_market)
    for market, names in by_market.items():
        assert "domestic" in names and "local_warehouse_via_marketplace" in names, market
        assert any("import" in n or "parcel" in n or "courier" in n or "postal" in n for n in names), market
        assert any(n.startswith("digital_service") for n in names), market
