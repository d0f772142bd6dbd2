"""`taxapi serve` as an operator runs it: two workers, API keys, the access log on stdout, metrics
summed over the workers, and a clean stop on SIGTERM."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

from ..servers import free_port, wait_until_up

KEY = "ops-test-key"


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_a_server_started_with_api_keys_refuses_requests_without_one(tmp_path):
    port = free_port()
    env = {**os.environ, "TAXAPI_API_KEYS": hashlib.sha256(KEY.encode()).hexdigest(), "TAXAPI_PORT": str(port),
           "TAXAPI_WORKERS": "2", "TAXAPI_SHUTDOWN_TIMEOUT": "5"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "stdout"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "taxapi.cli", "serve"], env=env, stdout=out,
                                stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc, "/readyz")
        status, headers, body = _get(base + "/v1/tax-ids/DE136695976")
        assert status == 401 and json.loads(body)["code"] == "unauthorized"
        names = {k.lower() for k in headers}
        assert {"taxapi-rates-version", "x-request-id", "x-content-type-options"} <= names
        assert "server" not in names
        assert _get(base + "/v1/tax-ids/DE136695976", **{"X-API-Key": "wrong"})[0] == 401
        for _ in range(20):  # spread over both workers
            assert _get(base + "/v1/tax-ids/DE136695976", Authorization=f"Bearer {KEY}")[0] == 200
        assert _get(base + "/metrics")[0] == 401
        status, _, metrics = _get(base + "/metrics", **{"X-API-Key": KEY})
        assert status == 200
        line = next(x for x in metrics.splitlines()
                    if x.startswith('taxapi_http_requests_total{') and '"/v1/tax-ids/{id}"' in x and 'status="200"' in x)
        assert float(line.rsplit(" ", 1)[1]) == 20  # both workers' counts, summed
        assert "DE136695976" not in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    assert sum(1 for x in lines if x["route"] == "/v1/tax-ids/{id}" and x["status"] == 200) == 20
    assert sum(1 for x in lines if x["status"] == 401) >= 3
    assert all(set(x) == {"request_id", "method", "route", "status", "duration_ms"} for x in lines)
    assert "DE136695976" not in json.dumps(lines)
