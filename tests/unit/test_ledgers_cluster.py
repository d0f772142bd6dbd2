"""The same return on a Dask cluster: a real LocalCluster of 2 worker processes over a partitioned
Parquet dataset gives exactly the single-process answer, rejected rows included."""

from __future__ import annotations

import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from taxapi import cli

pytest.importorskip("dask.distributed")

COLS = ["id", "date", "country_of_consumption", "ship_from_country", "supply", "rate_percent", "net_amount",
        "tax_amount", "currency", "deemed_supplier", "original_period"]


def dataset(root, rows_per_file=500, files=6):
    rnd = random.Random(7)
    for k in range(files):
        rows = []
        for i in range(rows_per_file):
            cents = rnd.randint(-2_000, 200_000)
            rate = rnd.choice(["20", "5.5", "10", "22", "x"])
            tax = cents * 20 // 100
            rows.append([f"{k}-{i}", f"2025-{rnd.choice(['06', '07', '08', '09'])}-{rnd.randint(1, 28):02d}",
                         rnd.choice(["FR", "AT", "IT", "DE", "ZZ"]), rnd.choice(["DE", "PL", "CN"]), "goods", rate,
                         f"{cents / 100:.2f}", f"{tax / 100:.2f}", rnd.choice(["EUR", "USD", "SEK", "XYZ"]), "",
                         rnd.choice(["", "", "2025-Q2"])])
        part = root / f"month=2025-0{7 + k % 3}" / f"part-{k}.parquet"
        part.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({c: [r[j] for r in rows] for j, c in enumerate(COLS)}), part)


def summary(tmp_path, *engine):
    out = tmp_path / f"{'-'.join(engine) or 'local'}.json"
    code = cli.main(["oss-summary", str(tmp_path / "lake"), "--scheme", "union", "--period", "2025-Q3", "--msi", "DE",
                     "-o", str(out), "--no-progress", *engine])
    assert code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_local_cluster_of_two_workers_gives_the_single_process_return(tmp_path):
    dataset(tmp_path / "lake")
    local = summary(tmp_path)
    assert local["rows_count"] == 3000 and local["rejected_count"] > 100 and len(local["lines"]) > 10
    assert {r["partition"] for r in local["rejected"]} >= {"month=2025-07/part-0.parquet", "month=2025-09/part-5.parquet"}
    assert summary(tmp_path, "--engine", "dask", "--workers", "2") == local
