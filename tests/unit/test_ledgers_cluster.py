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

# Dask closes some of its sockets from the garbage collector under load; that is its own housekeeping,
# not a result of ours.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")

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
    out = tmp_path / f"{len(engine)}.json"
    code = cli.main(["oss-summary", str(tmp_path / "lake"), "--scheme", "union", "--period", "2025-Q3", "--msi", "DE",
                     "-o", str(out), "--no-progress", *engine])
    assert code == 0
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scheduler():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40) as cluster:
        assert len(cluster.workers) == 2
        yield cluster.scheduler_address


def test_local_cluster_of_two_workers_gives_the_single_process_return(tmp_path):
    dataset(tmp_path / "lake")
    local = summary(tmp_path)
    assert local["rows_count"] == 3000 and local["rejected_count"] > 100 and len(local["lines"]) > 10
    assert {r["partition"] for r in local["rejected"]} >= {"month=2025-07/part-0.parquet", "month=2025-09/part-5.parquet"}
    assert summary(tmp_path, "--engine", "dask", "--workers", "2") == local


def test_an_error_in_one_partition_is_reported_from_the_worker(tmp_path, scheduler, capsys):
    dataset(tmp_path / "lake", rows_per_file=20, files=2)
    bad = pa.table({c: pa.array([1.5] if c == "net_amount" else ["x"]) for c in COLS})
    pq.write_table(bad, tmp_path / "lake" / "month=2025-08" / "part-9.parquet")
    code = cli.main(["oss-summary", str(tmp_path / "lake"), "--scheme", "union", "--period", "2025-Q3", "--msi", "DE",
                     "--no-progress", "--scheduler", scheduler])
    assert code == 2
    err = capsys.readouterr().err
    assert "validation_error" in err and "column net_amount is a floating-point column" in err


def test_thresholds_on_the_cluster_find_the_same_crossing_sale(tmp_path, scheduler):
    rnd = random.Random(3)
    for k in range(4):
        rows = [[f"2026-0{1 + k}-{rnd.randint(1, 28):02d}", rnd.choice(["FR", "IT", "US", "ZZ"]), "GA",
                 f"{rnd.randint(1, 90_000) / 100:.2f}", "EUR"] for _ in range(300)]
        pq.write_table(pa.table({c: [r[j] for r in rows] for j, c in enumerate(
            ["date", "ship_to_country", "ship_to_region", "net_amount", "currency"])}), tmp_path / f"part-{k}.parquet")
    outs = []
    for engine in ([], ["--scheduler", scheduler]):
        out = tmp_path / f"t{len(outs)}.json"
        assert cli.main(["thresholds", str(tmp_path / "*.parquet"), "--seller-country", "DE", "--as-of", "2026-06-30",
                         "-o", str(out), *engine]) == 0
        outs.append(json.loads(out.read_text(encoding="utf-8")))
    assert outs[0] == outs[1]
    eu = next(j for j in outs[0]["jurisdictions"] if j["jurisdiction"] == "EU")
    assert eu["exceeded"] and eu["crossing_sale_partition"] == "part-0.parquet"
    assert any(r["partition"] == "part-3.parquet" and r["code"] == "unknown_country" for r in outs[0]["rejected"])
