"""Speed of POST /v1/calculate (issue targets: engine <= 50 us for a 3-line EU order;
HTTP >= 70 % of the requests/s of a trivial JSON endpoint, p99 <= 20 ms at 32 connections)."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import time
from pathlib import Path

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book

ORDER = {
    "date": "2026-03-10", "currency": "EUR",
    "seller": {"country": "DE", "oss": "union", "eu_distance_sales": {"previous_year": "20000.00", "current_year": "0"}},
    "ship_from": {"country": "DE"}, "ship_to": {"country": "FR", "postal_code": "75001"},
    "lines": [{"id": "a", "quantity": "2", "unit_price": "19.99"}, {"id": "b", "amount": "12.00", "category": "books"},
              {"id": "c", "amount": "5.50", "category": "food"}],
    "shipping": {"amount": "4.99"},
}


def test_engine_three_line_eu_order():
    book, fx = get_rate_book(), get_ecb_rates()
    order = CalculateRequest.model_validate(ORDER)
    for _ in range(2000):
        compute_order(order=order, book=book, fx=fx)
    best = float("inf")
    for _ in range(5):
        n = 20000
        t = time.perf_counter()
        for _ in range(n):
            compute_order(order=order, book=book, fx=fx)
        best = min(best, (time.perf_counter() - t) / n * 1e6)
    print(f"\nengine: {best:.1f} us per 3-line EU order with shipping over three rates (target <= 50)")
    assert best <= 50


def _wrk(wrk: str, url: str, body: str | None, seconds: int = 10) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        args = [wrk, "-t2", "-c32", f"-d{seconds}s", "--latency"]
        if body is not None:
            script = Path(tmp) / "post.lua"
            script.write_text(
                'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ' + json.dumps(body) + "\n"
            )
            args += ["-s", str(script)]
        out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99_text = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = float(p99_text.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99_text.group(2)]
    if "Non-2xx" in out:
        raise AssertionError(out)
    return rps, p99


def test_http_calculate_against_trivial_endpoint(server_url, wrk):
    _wrk(wrk, server_url + "/healthz", None, seconds=2)  # warm-up
    trivial_rps, trivial_p99 = _wrk(wrk, server_url + "/healthz", None)
    calc_rps, calc_p99 = _wrk(wrk, server_url + "/v1/calculate", json.dumps(ORDER))
    ratio = calc_rps / trivial_rps
    print(f"\nHTTP, 1 uvicorn worker, 32 connections: /healthz {trivial_rps:.0f} req/s (p99 {trivial_p99:.1f} ms); "
          f"/v1/calculate {calc_rps:.0f} req/s (p99 {calc_p99:.1f} ms) = {ratio:.0%} of the trivial endpoint "
          "(targets >= 70 %, p99 <= 20 ms)")
    assert ratio >= 0.70
    assert calc_p99 <= 20
