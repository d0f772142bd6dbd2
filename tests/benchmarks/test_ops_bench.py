"""What the operations layer costs, and what nginx in front of two instances gives (on demand:
``pytest tests/benchmarks/test_ops_bench.py -s``; needs ``wrk`` and, for the second, ``nginx``).

* The one ASGI layer (taxapi/middleware.py: request id, headers, API-key check, access log, metrics)
  against the same app without it, on ``/healthz`` and ``POST /v1/calculate``, with API keys on and
  the access log written (to /dev/null), alternating rounds.
* Two uvicorn instances behind a real nginx (Debian package) running the shipped ``deploy/nginx.conf``
  (its upstream pointed at the two local ports) against one instance, on
  ``POST /v1/calculate``, alternating rounds. On a 2-core machine nginx, wrk and both instances share
  the cores, so the figure says what the proxy costs more than what a second machine would add.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from taxapi.middleware import key_digest

from ..deploy_files import local_nginx_conf
from ..servers import free_port, uvicorn_server, wait_until_up
from .test_calculate_bench import ORDER

KEY = "bench-key"


def app_without_layer():
    """uvicorn factory: the same app, its middleware stack built without taxapi's layer."""
    from fastapi import FastAPI

    from taxapi.app import create_app

    app = create_app()
    app.build_middleware_stack = lambda: FastAPI.build_middleware_stack(app)  # type: ignore[method-assign]
    return app


@contextmanager
def taxapi_server(target: list[str], env: dict[str, str] | None = None) -> Iterator[str]:
    """One uvicorn worker with taxapi serve's logging (the access log's lines go to /dev/null)."""
    from taxapi.cli import _log_config

    with tempfile.TemporaryDirectory() as tmp:
        log_config = Path(tmp) / "log.json"
        log_config.write_text(json.dumps(_log_config("warning")), encoding="utf-8")
        args = [*target, "--workers", "1", "--no-access-log", "--log-level", "warning", "--log-config", str(log_config)]
        with uvicorn_server(args, env) as url:
            yield url


def _rps(wrk: str, url: str, body: str | None, headers: dict[str, str], seconds: int) -> float:
    """Requests/s of one wrk run with extra request headers (every answer must be a 2xx)."""
    import re

    with tempfile.TemporaryDirectory() as tmp:
        args = [wrk, "-t2", "-c32", f"-d{seconds}s"]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        if body is not None:
            script = Path(tmp) / "post.lua"
            script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                              f"wrk.body = {json.dumps(body)}\n")
            args += ["-s", str(script)]
        out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    if "Non-2xx" in out:
        raise AssertionError(out)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _rounds(wrk: str, targets: dict[str, tuple[str, str | None]], headers: dict[str, str] | None = None,
            rounds: int = 8, seconds: int = 2) -> dict[str, list[float]]:
    """Requests/s per target and round. The order alternates (A B, then B A) so that drift on a shared
    machine hits every target alike; compare targets by the median of their per-round ratios."""
    results: dict[str, list[float]] = {name: [] for name in targets}
    for url, body in targets.values():  # warm-up
        _rps(wrk, url, body, headers or {}, seconds=1)
    names = list(targets)
    for i in range(rounds):
        for name in names if i % 2 == 0 else reversed(names):
            url, body = targets[name]
            results[name].append(_rps(wrk, url, body, headers or {}, seconds))
    return results


def _ratio(results: dict[str, list[float]], a: str, b: str) -> float:
    return statistics.median(x / y for x, y in zip(results[a], results[b]))


def test_cost_of_the_operations_layer(wrk):
    env = {"TAXAPI_API_KEYS": key_digest(KEY)}
    with taxapi_server(["taxapi.app:app"], env) as layer, \
            taxapi_server(["--factory", "tests.benchmarks.test_ops_bench:app_without_layer"]) as bare:
        body = json.dumps(ORDER)
        med = _rounds(wrk, {
            "healthz, layer": (layer + "/healthz", None), "healthz, bare": (bare + "/healthz", None),
            "calculate, layer": (layer + "/v1/calculate", body), "calculate, bare": (bare + "/v1/calculate", body),
        }, headers={"X-API-Key": KEY})
    print("\nHTTP, 1 uvicorn worker, 32 connections, 8 alternating rounds of 2 s (API keys on, access log written):")
    for what in ("healthz", "calculate"):
        with_, without = f"{what}, layer", f"{what}, bare"
        print(f"  {what}: median {statistics.median(med[with_]):.0f} req/s with the layer, "
              f"{statistics.median(med[without]):.0f} without; median ratio {_ratio(med, with_, without):.0%}")
    assert _ratio(med, "calculate, layer", "calculate, bare") >= 0.8


def test_two_instances_behind_nginx_against_one(wrk):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    with taxapi_server(["taxapi.app:app"]) as one, taxapi_server(["taxapi.app:app"]) as two, \
            tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        port = free_port()
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(local_nginx_conf(Path(tmp), port, [one.removeprefix("http://"), two.removeprefix("http://")]))
        proc = subprocess.Popen([nginx, "-c", str(conf), "-p", tmp, "-e", f"{tmp}/error.log"], stderr=subprocess.DEVNULL)
        proxy = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(proxy, proc)
            body = json.dumps(ORDER)
            med = _rounds(wrk, {"nginx + 2 instances": (proxy + "/v1/calculate", body),
                                "1 instance": (one + "/v1/calculate", body)})
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    ratio = _ratio(med, "nginx + 2 instances", "1 instance")
    print(f"\nPOST /v1/calculate, 32 connections, 8 alternating rounds of 2 s: nginx in front of 2 uvicorn instances "
          f"median {statistics.median(med['nginx + 2 instances']):.0f} req/s, 1 instance direct "
          f"{statistics.median(med['1 instance']):.0f} req/s; median ratio {ratio:.2f}x")
    assert ratio > 0.3
