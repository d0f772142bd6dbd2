"""Helpers for the tests that start a real server process on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, path: str = "/healthz", seconds: float = 120) -> None:
    """Poll ``url + path`` until it answers 200; fail when the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url + path, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode} before answering {path}")
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not answer {path} within {seconds} s")
        time.sleep(0.2)


@contextmanager
def uvicorn_server(args: list[str], env: dict[str, str] | None = None, path: str = "/healthz") -> Iterator[str]:
    """``python -m uvicorn ARGS`` on a free port of 127.0.0.1, from the repository root; yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *args, "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(REPO_DIR), **(env or {})}, cwd=REPO_DIR,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc, path)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
