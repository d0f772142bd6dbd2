"""`taxapi oss-summary`: the same return offline, with a progress bar on request."""

from __future__ import annotations

import io
import json

from taxapi import cli

LEDGER = (
    "id,date,country_of_consumption,ship_from_country,supply,rate_percent,net_amount,tax_amount,currency\n"
    "1,2024-02-10,FR,DE,goods,20,10749.00,2149.80,USD\n"
    "2,2024-05-10,FR,DE,goods,20,1.00,0.20,EUR\n"
)


def test_cli_writes_the_same_json_as_the_api(tmp_path, client, capsys):
    path = tmp_path / "ledger.csv"
    path.write_text(LEDGER, encoding="utf-8")
    out = tmp_path / "return.json"
    code = cli.main([
        "oss-summary", str(path), "--scheme", "union", "--period", "2024-Q1", "--msi", "DE", "-o", str(out), "--progress",
    ])
    assert code == 0
    err = capsys.readouterr().err
    assert "\r[" in err and "100.0%" in err and "2 rows" in err
    api = client.post("/v1/oss/summary?scheme=union&period=2024-Q1&member_state_of_identification=DE",
                      content=LEDGER, headers={"content-type": "text/csv"}).json()
    assert json.loads(out.read_text(encoding="utf-8")) == api
    assert api["lines"][0]["net_amount"] == "10000.00" and api["rejected"][0]["code"] == "outside_period"


def test_cli_progress_bar_redraws_in_place():
    stream = io.StringIO()
    bar = cli.Progress(1000, stream=stream)
    bar.update(500, 10, force=True)
    bar.finish(1000, 20)
    assert stream.getvalue().count("\r") == 2 and "50.0%" in stream.getvalue() and stream.getvalue().endswith("\n")


def test_cli_reports_bad_parameters(tmp_path, capsys):
    path = tmp_path / "ledger.csv"
    path.write_text(LEDGER, encoding="utf-8")
    assert cli.main(["oss-summary", str(path), "--scheme", "ioss", "--period", "2024-Q1", "--msi", "DE", "--no-progress"]) == 2
    assert "IOSS returns are monthly" in capsys.readouterr().err
