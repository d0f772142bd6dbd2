"""Benchmark: OSS summary of columnar and CSV ledgers beside DuckDB, and on a Dask cluster
(run with ``pytest tests/benchmarks/test_ledgers_bench.py -s``; needs ``duckdb``).

Each measurement runs in a fresh process (wall time of the summary, the process's peak RSS from
``getrusage``); taxapi and DuckDB alternate round by round on the same file and the medians are
compared. DuckDB runs ``GROUP BY`` over the same columns with the period filter and exact decimal
sums: the reference for "one machine, fast". Targets: CSV at most 3x DuckDB, Parquet at most 1.5x,
10,000,000 rows in at most 300 MB.

The ledgers are generated once and kept in ``$TAXAPI_BENCH_CACHE`` (default
``/tmp/taxapi-bench-ledgers``): CSV as ``tests/benchmarks/test_oss_bench.py`` writes it, Parquet the
way Spark writes a data lake table (``date`` a date column, amounts ``decimal(18,2)`` stored as
64-bit integers, one row group per 16 MB block of the CSV, about 290,000 rows), and the 10,000,000-row Parquet ledger split into 10
partition files for the cluster runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from tests.benchmarks.test_oss_bench import REPO, write_ledger

pytest.importorskip("duckdb")

CACHE = Path(os.environ.get("TAXAPI_BENCH_CACHE", "/tmp/taxapi-bench-ledgers"))
ROUNDS = {1_000_000: 3, 10_000_000: 1}
MAX_RSS_MB = 300.0
TARGET = {"csv": 3.0, "parquet": 1.5}
RESULTS: list[dict] = []


def _parquet_from_csv(csv_path: Path, out: Path, *, parts: int = 1) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    with csv_path.open(encoding="utf-8") as f:
        names = f.readline().strip().split(",")
    reader = pa_csv.open_csv(csv_path, convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names}),
                             read_options=pa_csv.ReadOptions(block_size=1 << 24))
    schema = None
    writer, written, part = None, 0, 0
    rows_per_part = None
    for rb in reader:
        t = pa.Table.from_batches([rb])
        t = t.set_column(t.schema.get_field_index("date"), "date",
                         pc.strptime(t["date"], "%Y-%m-%d", "s").cast(pa.date32()))
        for c in ("net_amount", "tax_amount"):
            t = t.set_column(t.schema.get_field_index(c), c, t[c].cast(pa.decimal128(18, 2)))
        if schema is None:
            schema = t.schema
        if writer is None:
            target = out if parts == 1 else out / f"part-{part:05d}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(target, schema, store_decimal_as_integer=True)
        writer.write_table(t)  # one row group per CSV block
        written += t.num_rows
        if parts > 1:
            rows_per_part = rows_per_part or 1_000_000
            if written >= (part + 1) * rows_per_part:
                writer.close()
                writer, part = None, part + 1
    if writer is not None:
        writer.close()


@pytest.fixture(scope="module")
def ledgers():
    CACHE.mkdir(parents=True, exist_ok=True)
    out = {}
    for rows in ROUNDS:
        csv_path = CACHE / f"oss-{rows}.csv"
        if not csv_path.exists():
            write_ledger(csv_path.with_suffix(".tmp"), rows)
            csv_path.with_suffix(".tmp").rename(csv_path)
        pq_path = CACHE / f"oss-{rows}.parquet"
        if not pq_path.exists():
            _parquet_from_csv(csv_path, pq_path.with_suffix(".tmp"))
            pq_path.with_suffix(".tmp").rename(pq_path)
        out[("csv", rows)] = csv_path
        out[("parquet", rows)] = pq_path
    lake = CACHE / "oss-10000000-lake"
    if not lake.exists():
        _parquet_from_csv(CACHE / "oss-10000000.csv", lake.with_suffix(".tmp"), parts=10)
        lake.with_suffix(".tmp").rename(lake)
    out[("lake", 10_000_000)] = lake
    return out


_TAXAPI = r"""
import json, resource, sys, time
from taxapi.ecb import get_ecb_rates
from taxapi.ledgers.oss import file_partial
from taxapi.ledgers.sources import discover
from taxapi.oss import service
from taxapi.rate_tables.loader import get_rate_book
book, ecb = get_rate_book(), get_ecb_rates()
spec = service.return_spec(scheme="union", period="2026-Q3", member_state_of_identification="DE")
t0 = time.perf_counter()
parts = [file_partial(f, spec=spec, currencies=ecb.currencies()) for f in discover(sys.argv[1])]
import functools
s = service.finish(functools.reduce(service.merge, parts), book=book, ecb=ecb)
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": s["rows_count"], "summed": s["transactions_count"], "lines": len(s["lines"]),
                  "total": str(s["total_tax_amount"])}))
"""

_DUCKDB = r"""
import json, resource, sys, time
import duckdb
path = sys.argv[1]
src = f"read_csv('{path}', all_varchar=true)" if path.endswith(".csv") else f"read_parquet('{path}')"
amount = "::DECIMAL(18,2)" if path.endswith(".csv") else ""
t0 = time.perf_counter()
rows = duckdb.connect().execute(
    "SELECT country_of_consumption, ship_from_country, supply, rate_percent, currency, deemed_supplier, "
    f"original_period, sum(net_amount{amount}), sum(tax_amount{amount}), count(*) FROM {src} "
    "WHERE CAST(date AS DATE) BETWEEN DATE '2026-07-01' AND DATE '2026-09-30' GROUP BY ALL").fetchall()
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": sum(r[-1] for r in rows), "groups": len(rows)}))
"""


def _run(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _report(what: str, rows: int, ours: list[dict], ref: list[dict] | None) -> dict:
    sec = statistics.median(r["seconds"] for r in ours)
    entry = {"what": what, "rows": rows, "seconds": sec, "rows_per_s": rows / sec,
             "rss_mb": max(r["rss_mb"] for r in ours)}
    if ref:
        dsec = statistics.median(r["seconds"] for r in ref)
        entry |= {"duckdb_seconds": dsec, "duckdb_rows_per_s": rows / dsec, "duckdb_rss_mb": max(r["rss_mb"] for r in ref),
                  "ratio": sec / dsec, "round_ratios": [round(a["seconds"] / b["seconds"], 2) for a, b in zip(ours, ref)]}
    RESULTS.append(entry)
    print(f"\n{json.dumps(entry)}")
    return entry


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("rows", list(ROUNDS))
def test_one_machine_beside_duckdb(ledgers, fmt, rows):
    path = ledgers[(fmt, rows)]
    ours, ref = [], []
    for _ in range(ROUNDS[rows]):  # alternating rounds on the same file
        ours.append(_run(_TAXAPI, str(path)))
        ref.append(_run(_DUCKDB, str(path)))
    entry = _report(f"taxapi oss {fmt}", rows, ours, ref)
    assert all(r["rows"] == r["summed"] == rows for r in ours) and all(r["rows"] == rows for r in ref)
    assert entry["rss_mb"] <= MAX_RSS_MB
    if rows == 1_000_000:
        assert entry["ratio"] <= TARGET[fmt]


_CLUSTER = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
subprocess.run([sys.executable, "-m", "taxapi.cli", "oss-summary", sys.argv[1], "--scheme", "union", "--period", "2026-Q3",
                "--msi", "DE", "--no-progress", "-o", sys.argv[2], *sys.argv[3:]], check=True)
t1 = time.perf_counter()
out = json.load(open(sys.argv[2]))
print(json.dumps({"seconds": t1 - t0, "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "rows": out["rows_count"], "total": out["total_tax_amount"]}))
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_cluster_run(ledgers, tmp_path, workers):
    """The partitioned 10,000,000-row ledger on a LocalCluster next to the same command in one
    process (alternating), and the same cluster command on a one-row ledger: the cost of starting
    the cluster and its workers, included in the figure. The answers are identical."""
    lake = ledgers[("lake", 10_000_000)]
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(next(lake.glob("*.parquet"))).slice(0, 1), tiny / "part-0.parquet")
    engine = ["--engine", "dask", "--workers", str(workers)]
    local, dask, start = [], [], []
    for _ in range(2):
        local.append(_run(_CLUSTER, str(lake), str(tmp_path / "local.json")))
        dask.append(_run(_CLUSTER, str(lake), str(tmp_path / "dask.json"), *engine))
        start.append(_run(_CLUSTER, str(tiny), str(tmp_path / "tiny.json"), *engine))
        assert (tmp_path / "local.json").read_bytes() == (tmp_path / "dask.json").read_bytes()
    entry = _report(f"dask, {workers} worker(s), 10 Parquet partitions", 10_000_000, dask, None)
    entry["local_seconds"] = statistics.median(r["seconds"] for r in local)
    entry["startup_seconds"] = statistics.median(r["seconds"] for r in start)
    entry["ratio_to_local"] = entry["seconds"] / entry["local_seconds"]
    print(f"\n{json.dumps(entry)}")
    assert all(r["rows"] == 10_000_000 for r in dask)


def _threshold_ledger(rows: int) -> tuple[Path, Path]:
    """A year and three quarters of sales to eight destinations, as Parquet and as CSV."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq
    from datetime import date, timedelta

    pq_path, csv_path = CACHE / f"thresholds-{rows}.parquet", CACHE / f"thresholds-{rows}.csv"
    if not pq_path.exists():
        dests = [("FR", "", "EUR"), ("IT", "", "EUR"), ("US", "GA", "USD"), ("US", "NY", "USD"), ("GB", "", "GBP"),
                 ("NO", "", "NOK"), ("CA", "QC", "CAD"), ("AU", "", "AUD")]
        days = [(date(2025, 1, 1) + timedelta(days=i)).isoformat() for i in range(640)]
        table = pa.table({
            "date": [days[(i * 7919) % 640] for i in range(rows)],
            "ship_to_country": [dests[i % 8][0] for i in range(rows)],
            "ship_to_region": [dests[i % 8][1] for i in range(rows)],
            "net_amount": [f"{(i * 31) % 500}.{i % 100:02d}" for i in range(rows)],
            "currency": [dests[i % 8][2] for i in range(rows)],
            "channel": ["marketplace" if i % 3 == 0 else "direct" for i in range(rows)],
        })
        CACHE.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, pq_path)
        pa_csv.write_csv(table, csv_path)
    return pq_path, csv_path


_THRESHOLDS = r"""
import json, resource, sys, time
from datetime import date
from taxapi.ledgers.thresholds import evaluate_ledger
from taxapi.rate_tables.loader import get_rate_book
from taxapi.thresholds.rules import get_threshold_rules
from taxapi.thresholds.service import Seller
get_rate_book(), get_threshold_rules()
t0 = time.perf_counter()
if sys.argv[2] == "rows":  # the reference: the CSV body reader of POST /v1/thresholds, row by row
    from taxapi.ecb import get_ecb_rates
    from taxapi.thresholds.router import _CsvLedger
    from taxapi.thresholds.service import evaluate
    with open(sys.argv[1], "rb") as f:
        ledger = _CsvLedger(f)
        r = evaluate(seller=Seller("DE"), as_of=date(2026, 10, 20), eu_destination_option=False, rows=ledger.rows,
                     rules=get_threshold_rules(), ecb=get_ecb_rates(), book=get_rate_book(), rates_version="bench")
else:
    r = evaluate_ledger(sys.argv[1], seller=Seller("DE"), as_of=date(2026, 10, 20))
print(json.dumps({"seconds": time.perf_counter() - t0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": r["rows_counted"], "exceeded": sorted(j["jurisdiction"] for j in r["jurisdictions"] if j["exceeded"])}))
"""


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_thresholds_beside_the_row_reader(fmt):
    """`taxapi thresholds` on 1,000,000 rows (vectorised) against the row-by-row CSV body reader on
    the same ledger as CSV (the reference), alternating; the answers agree."""
    pq_path, csv_path = _threshold_ledger(1_000_000)
    ours, ref = [], []
    for _ in range(2):
        ours.append(_run(_THRESHOLDS, str(pq_path if fmt == "parquet" else csv_path), "files"))
        ref.append(_run(_THRESHOLDS, str(csv_path), "rows"))
    entry = _report(f"taxapi thresholds {fmt} (reference: the CSV row by row)", 1_000_000, ours, None)
    entry["reference_seconds"] = statistics.median(r["seconds"] for r in ref)
    entry["ratio_to_reference"] = entry["seconds"] / entry["reference_seconds"]
    print(f"\n{json.dumps(entry)}")
    assert ours[0]["exceeded"] == ref[0]["exceeded"] and ours[0]["rows"] == ref[0]["rows"] == 1_000_000
    assert entry["rss_mb"] <= MAX_RSS_MB
