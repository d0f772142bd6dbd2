"""Benchmark: OSS summary of large CSV ledgers — time and peak memory (run with `pytest tests/benchmarks -s`).

Targets: 1,000,000 rows in at most 15 s on one core with peak RSS at most 300 MB; 5,000,000 rows in
the same memory (memory must not grow with the number of rows). Each measurement runs in a fresh
process; the HTTP measurement streams the file to a real uvicorn server and reads the server's peak
RSS (VmHWM) from /proc.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEADER = "id,date,country_of_consumption,ship_from_country,supply,rate_percent,net_amount,tax_amount,currency,deemed_supplier,original_period\n"
COUNTRIES = [("FR", "20"), ("FR", "5.5"), ("AT", "20"), ("AT", "10"), ("IT", "22"), ("ES", "21"), ("NL", "9"), ("PL", "23"),
             ("SE", "25"), ("BE", "6")]
CURRENCIES = ["EUR", "EUR", "EUR", "USD", "GBP", "PLN", "SEK"]
MAX_SECONDS = 15.0
MAX_RSS_MB = 300.0


def write_ledger(path: Path, rows: int) -> None:
    """A deterministic ledger: Q3 2026 sales from DE and PL, mixed currencies, 0.5 % refunds of Q2."""
    templates = []
    for i in range(9973):  # prime: the pattern does not line up with the row count
        cc, rate = COUNTRIES[i % len(COUNTRIES)]
        cents = 100 + (i * 7919) % 99_900
        tax = cents * int(float(rate) * 10) // 1000
        ship = "PL" if i % 5 == 0 else "DE"
        day = f"2026-{7 + i % 3:02d}-{1 + i % 28:02d}"
        cur = CURRENCIES[i % len(CURRENCIES)]
        if i % 200 == 0:
            templates.append(f",{day},{cc},{ship},goods,{rate},-{cents // 100}.{cents % 100:02d},-{tax // 100}.{tax % 100:02d},{cur},false,2026-Q2\n")
        else:
            templates.append(f",{day},{cc},{ship},goods,{rate},{cents // 100}.{cents % 100:02d},{tax // 100}.{tax % 100:02d},{cur},false,\n")
    n = len(templates)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        block = []
        for i in range(rows):
            block.append(f"o{i}{templates[i % n]}")
            if len(block) == 10_000:
                f.write("".join(block))
                block = []
        f.write("".join(block))


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory):
    root = tmp_path_factory.mktemp("oss-bench")
    out = {}
    for rows in (1_000_000, 5_000_000):
        path = root / f"ledger-{rows}.csv"
        write_ledger(path, rows)
        out[rows] = path
    yield out
    for path in out.values():
        path.unlink(missing_ok=True)


_SERVICE_RUN = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from taxapi.ecb import get_ecb_rates
from taxapi.oss import service
from taxapi.rate_tables.loader import get_rate_book
book, ecb = get_rate_book(), get_ecb_rates()
t1 = time.perf_counter()
def chunks():
    with open(sys.argv[1], "rb") as f:
        while chunk := f.read(1 << 20):
            yield chunk
s = service.summarize_csv_chunks(scheme="union", period="2026-Q3", member_state_of_identification="DE",
                                 chunks=chunks(), book=book, ecb=ecb)
t2 = time.perf_counter()
print(json.dumps({"seconds": t2 - t1, "startup": t1 - t0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": s["rows_count"], "summed": s["transactions_count"], "rejected": s["rejected_count"],
                  "lines": len(s["lines"]), "corrections": len(s["corrections"]), "total": str(s["total_tax_amount"])}))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def run_service(path: Path) -> dict:
    # one core: the child is pinned to a single CPU where the platform allows it
    cmd = [sys.executable, "-c", _SERVICE_RUN, str(path)]
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        preexec = lambda: os.sched_setaffinity(0, {cpu})  # noqa: E731
    else:  # pragma: no cover
        preexec = None
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), preexec_fn=preexec, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("rows", [1_000_000, 5_000_000])
def test_service_speed_and_memory(ledgers, rows):
    result = run_service(ledgers[rows])
    print(f"\nservice {rows:,} rows: {result}")
    assert result["rows"] == result["summed"] == rows
    assert result["rss_mb"] <= MAX_RSS_MB
    if rows == 1_000_000:
        assert result["seconds"] <= MAX_SECONDS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc for the server's peak RSS")
@pytest.mark.parametrize("rows", [1_000_000, 5_000_000])
def test_http_streamed_csv_speed_and_memory(ledgers, rows):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "taxapi.app:app", "--port", str(port), "--log-level", "warning"],
        env=_env(), cwd=REPO,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        idle = _peak_rss_mb(server.pid)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        path = ledgers[rows]

        def body():
            with path.open("rb") as f:
                while chunk := f.read(1 << 16):
                    yield chunk

        t0 = time.perf_counter()
        conn.request("POST", "/v1/oss/summary?scheme=union&period=2026-Q3&member_state_of_identification=DE",
                     body=body(), headers={"Content-Type": "text/csv"}, encode_chunked=True)
        resp = conn.getresponse()
        data = json.loads(resp.read())
        seconds = time.perf_counter() - t0
        conn.close()
        peak = _peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nHTTP {rows:,} rows: {seconds:.1f} s, server peak RSS {peak:.0f} MB (idle {idle:.0f} MB), "
          f"{data.get('transactions_count')} summed, {len(data.get('lines', []))} lines")
    assert resp.status == 200, data
    assert data["rows_count"] == rows
    assert peak <= MAX_RSS_MB
    if rows == 1_000_000:
        assert seconds <= MAX_SECONDS
