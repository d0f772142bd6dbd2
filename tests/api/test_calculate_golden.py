"""POST /v1/calculate against the hand-worked cases in tests/golden/cases/calculate.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CASES = json.loads((Path(__file__).resolve().parents[1] / "golden" / "cases" / "calculate.json").read_text(encoding="utf-8"))["cases"]


def _subset(actual: dict, expected: dict, where: str) -> None:
    for key, value in expected.items():
        assert key in actual, f"{where}: missing {key}"
        assert actual[key] == value, f"{where}.{key}: {actual[key]!r} != {value!r}"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
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
