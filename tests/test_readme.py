"""README claims are true: the supported-jurisdictions table and the two set-up commands."""

from __future__ import annotations

import re

from taxapi.cli import README_END, README_START
from taxapi.reference.service import jurisdictions_markdown

from .conftest import REPO_DIR

README = (REPO_DIR / "README.md").read_text(encoding="utf-8")


def _fenced_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README, flags=re.S)


def test_supported_jurisdictions_table_is_current(rate_book):
    block = README.split(README_START, 1)[1].split(README_END, 1)[0].strip()
    assert block == jurisdictions_markdown(rate_book), "README table is stale: run `taxapi rates readme`"
    assert f"We currently support {len(rate_book.jurisdictions)} jurisdictions." in README


def test_readme_gives_exactly_the_two_setup_commands_and_ci_runs_the_test_one():
    commands = [c for c in _fenced_commands() if c.startswith("pip install")]
    assert commands == ['pip install . && taxapi serve', 'pip install -e ".[test]" && pytest']
    ci = (REPO_DIR / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def _block(marker: str) -> str:
    return README.split(f"<!-- example:{marker} -->", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]


def test_readme_calculate_example_runs(client):
    import json

    request = json.loads(_block("calculate"))
    totals = json.loads(_block("calculate-totals"))
    r = client.post("/v1/calculate", json=request)
    assert r.status_code == 200, r.text
    assert r.json()["totals"] == totals
    assert {line["rule"] for line in r.json()["lines"]} == {"eu.deemed_supplier.distance_sale"}


def test_readme_batch_example_runs(client):
    line = next(x for x in README.splitlines() if "--data-binary @examples/price-list-de.csv" in x)
    query = line.split("/v1/batch?", 1)[1].split("'", 1)[0]
    body = (REPO_DIR / "examples" / "price-list-de.csv").read_bytes()
    r = client.post(f"/v1/batch?{query}", content=body, headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    rows_in = [x for x in body.decode("utf-8-sig").splitlines() if x.strip("; \t")]  # empty trailing rows are dropped
    assert len([x for x in r.text.splitlines() if x.strip()]) == len(rows_in)
