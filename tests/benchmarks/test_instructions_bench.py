"""Instructions per request of ``POST /v1/calculate`` against the bare ASGI endpoint (valgrind's callgrind).

Informative: it explains the HTTP ratio of ``test_calculate_bench.py`` with figures that do not move
with the machine's load. The server rows run one uvicorn worker under callgrind, zero its counters
after a warm-up and count ``N_SERVER`` requests sent over 8 keep-alive connections; the in-process rows
(``instructions.py``) count the same parts without a server. Skipped without valgrind
(``apt-get install valgrind``).
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.benchmarks.conftest import REPO, _free_port
from tests.benchmarks.instructions import BODY, PARTS

#: Requests counted: enough that a garbage collection of the whole heap, which a few of them trigger,
#: is spread over many (the in-process parts are cheap to count, the server is not).
N_IN_PROCESS = 2000
N_SERVER = 500


@pytest.fixture(scope="module")
def valgrind():
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install valgrind)")


def _total(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise AssertionError(f"no totals in {path}")


def _callgrind(args: list[str], out: Path) -> subprocess.Popen:
    return subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=no", *args],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _in_process(part: str, tmp: Path) -> float:
    counts = []
    for n in (0, N_IN_PROCESS):
        out = tmp / f"part.{part.replace(' ', '_')}.{n}"
        proc = _callgrind([sys.executable, "-m", "tests.benchmarks.instructions", part, str(n)], out)
        assert proc.wait(timeout=1800) == 0, part
        counts.append(_total(out))
    return (counts[1] - counts[0]) / N_IN_PROCESS


def _requests(port: int, path: str, n: int) -> None:
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for _ in range(8)]
    for i in range(n):
        conn = conns[i % len(conns)]
        if path == "/v1/calculate":
            conn.request("POST", path, body=BODY, headers={"Content-Type": "application/json"})
        else:
            conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
    for conn in conns:
        conn.close()


def _in_server(path: str, tmp: Path) -> float:
    port = _free_port()
    out = tmp / f"server{path.replace('/', '_')}"
    proc = _callgrind([sys.executable, "-m", "uvicorn", "tests.benchmarks.floor:app", "--host", "127.0.0.1",
                       "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"], out)
    try:
        deadline = time.time() + 600
        while True:
            try:
                _requests(port, "/healthz", 1)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(1)
        _requests(port, path, 200)
        subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True, capture_output=True)
        _requests(port, path, N_SERVER)
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True, capture_output=True)
        dump = Path(f"{out}.1")
        deadline = time.time() + 60
        while not (dump.exists() and "totals:" in dump.read_text()) and time.time() < deadline:
            time.sleep(0.5)
        return _total(dump) / N_SERVER
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_instructions_per_request(valgrind):
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        server = {path: _in_server(path, tmp) for path in ("/__bare", "/v1/calculate")}
        parts = {part: _in_process(part, tmp) for part in PARTS}
    bare, calc = server["/__bare"], server["/v1/calculate"]
    app = parts["app"] - parts["bare app"]
    print(f"\nInstructions per request (callgrind, {N_SERVER} requests to the server and {N_IN_PROCESS} in-process after a warm-up; {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]}):")
    print(f"  server, bare ASGI endpoint      {bare:10,.0f}   (uvicorn, httptools, uvloop and the socket calls)")
    print(f"  server, POST /v1/calculate      {calc:10,.0f}   = {bare / calc:.3f} of bare")
    print(f"  in-process, the app's request   {app:10,.0f}   (ASGI call without a server)")
    for part in ("parse", "engine", "wire"):
        print(f"    of which {part:20s} {parts[part]:10,.0f}")
    print(f"    the rest (operations layer, request, response) {app - parts['parse'] - parts['engine'] - parts['wire']:,.0f}")
    print(f"  the server's own work on the calculate request {calc - app:,.0f} (bare: {bare:,.0f})")
    print(f"  0.25 of bare would allow {bare / 0.25:,.0f} instructions for the whole request")
    assert 0 < bare < calc
    assert 0 < parts["engine"] < app < calc
