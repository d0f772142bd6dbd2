"""On-demand benchmarks (``pytest tests/benchmarks -s``); not part of the default test run.

HTTP benchmarks start a real uvicorn server on 127.0.0.1 and load it with ``wrk``
(Debian package ``wrk``); they are skipped when wrk is not installed. The server runs
``tests/benchmarks/floor.py``: the app behind the bare ASGI endpoint the hot routes are measured
against, in the same process.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(NamedTuple):
    url: str
    pid: int


@pytest.fixture(scope="session")
def server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.benchmarks.floor:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--no-access-log", "--log-level", "warning"],
        env={**os.environ},
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).read()
            break
        except OSError:
            time.sleep(0.2)
    else:  # pragma: no cover
        proc.terminate()
        raise RuntimeError("server did not start")
    yield Server(url, proc.pid)
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="session")
def server_url(server):
    return server.url


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="session")
def wrk():
    path = shutil.which("wrk")
    if path is None:
        pytest.skip("wrk is not installed (apt-get install wrk)")
    return path
