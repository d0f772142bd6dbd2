"""Parquet and Arrow uploads to /v1/oss/summary and /v1/thresholds: the same answer as the CSV body,
rows numbered as in a spreadsheet, bad files refused with 4xx, no temporary file left behind."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from taxapi import ingest

OSS_URL = "/v1/oss/summary?scheme=union&period=2024-Q1&member_state_of_identification=DE"
OSS_CSV = (
    "id,date,country_of_consumption,ship_from_country,supply,rate_percent,net_amount,tax_amount,currency\n"
    "1001,2024-02-10,FR,DE,goods,20,10749.00,2149.80,USD\n"
    "1002,2024-03-28,AT,PL,goods,20,100.00,20.00,EUR\n"
    "1003,2024-04-02,FR,DE,goods,20,10.00,2.00,EUR\n"
)
PARQUET = "application/vnd.apache.parquet"


def table_of(csv_text: str) -> pa.Table:
    lines = [line.split(",") for line in csv_text.strip().split("\n")]
    return pa.table({name: pa.array([r[i] for r in lines[1:]], pa.string()) for i, name in enumerate(lines[0])})


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def arrow_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return sink.getvalue().to_pybytes()


def uploads_left() -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob("taxapi-upload-*"))


def test_oss_parquet_upload_gives_the_csv_answer(client):
    csv = client.post(OSS_URL, content=OSS_CSV, headers={"content-type": "text/csv"})
    pqt = client.post(OSS_URL, content=parquet_bytes(table_of(OSS_CSV)), headers={"content-type": PARQUET})
    arr = client.post(OSS_URL, content=arrow_bytes(table_of(OSS_CSV)),
                      headers={"content-type": "application/vnd.apache.arrow.stream"})
    assert csv.status_code == pqt.status_code == arr.status_code == 200, pqt.text
    assert pqt.json() == csv.json() == arr.json()
    # docs/oss.md: USD 10,749.00 at 1.0749 (ECB, 2 April 2024) is EUR 10,000.00; row 4 is the April sale
    assert pqt.json()["lines"][0]["net_amount"] == "10000.00"
    assert pqt.json()["rejected"] == [{"row": 4, "id": "1003", "code": "outside_period", "detail": "date 2024-04-02 is not in 2024-Q1"}]
    assert uploads_left() == []


def test_oss_upload_errors_are_problems(client):
    r = client.post(OSS_URL, content=b"not parquet at all", headers={"content-type": PARQUET})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["loc"] == ["body"]
    floats = table_of(OSS_CSV).set_column(6, "net_amount", pa.array([1.5, 2.5, 3.5]))
    r = client.post(OSS_URL, content=parquet_bytes(floats), headers={"content-type": PARQUET})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "column", "net_amount"]
    r = client.post("/v1/oss/summary", content=parquet_bytes(table_of(OSS_CSV)), headers={"content-type": PARQUET})
    assert r.status_code == 422 and {tuple(e["loc"]) for e in r.json()["errors"]} == {
        ("query", "scheme"), ("query", "period"), ("query", "member_state_of_identification")}
    previous = ingest.set_limits(ingest.get_limits(), max_body_bytes_oss_csv=100)
    try:
        r = client.post(OSS_URL, content=parquet_bytes(table_of(OSS_CSV)), headers={"content-type": PARQUET})
    finally:
        ingest.set_limits(previous)
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large" and r.json()["limit_bytes"] == 100
    assert uploads_left() == []


TH_URL = "/v1/thresholds?seller_country=DE&as_of=2026-10-20"
TH_CSV = (
    "date,ship_to.country,ship_to.region,net_amount,currency\n"
    "2026-03-01,FR,,9500.00,EUR\n"
    "2026-07-10,IT,,800,EUR\n"
    "2026-07-11,ZZ,,5,EUR\n"
)


def test_thresholds_parquet_upload_finds_the_crossing_sale_by_spreadsheet_row(client):
    csv = client.post(TH_URL, content=TH_CSV, headers={"content-type": "text/csv"}).json()
    r = client.post(TH_URL, content=parquet_bytes(table_of(TH_CSV)), headers={"content-type": PARQUET})
    assert r.status_code == 200, r.text
    got = r.json()
    eu = next(j for j in got["jurisdictions"] if j["jurisdiction"] == "EU")
    # EUR 9,500 + 800 > 10,000: the sale of 10 July (CSV body: index 1; file: row 3, the header being row 1)
    assert (eu["exceeded_on"], eu["crossing_sale"]) == ("2026-07-10", 3)
    assert got["rejected"] == [{"row": 4, "code": "unknown_country", "detail": "'ZZ' is not an ISO 3166-1 alpha-2 country code"}]
    csv_eu = next(j for j in csv["jurisdictions"] if j["jurisdiction"] == "EU")
    assert csv_eu["crossing_sale"] == 3 and csv["rows_in"] == got["rows_in"] == 3
    assert [j["total"] for j in csv["jurisdictions"]] == [j["total"] for j in got["jurisdictions"]]
    assert client.post(TH_URL, content=b"PAR1", headers={"content-type": PARQUET}).status_code == 422
    assert uploads_left() == []
