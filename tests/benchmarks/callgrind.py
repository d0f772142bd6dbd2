"""Instructions per call of the loops a script runs inside ``functools.reduce``, counted by valgrind's callgrind.

Instruction counts do not move with the load of a shared machine, unlike time. A script wraps each loop it
wants counted in its own ``functools.reduce(lambda a, _: f(), range(n), None)``; callgrind collects only
inside those calls and writes one dump per call, so each dump counts one loop and nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def reduce_counts(script: list[str], out: Path, n: int, calls: int) -> list[float]:
    """Run ``script`` (an argv) under callgrind and give the instructions of each of its first ``calls``
    ``functools.reduce`` calls divided by ``n`` (the iterations of each). Skips the test without valgrind."""
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed (apt-get install valgrind)")
    # One string hash seed removes one source of the variation between processes; the counts still move by
    # about 1 % from one process to the next (objects' addresses, and so the dictionaries' probing, differ).
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(["valgrind", "--tool=callgrind", "--dump-instr=no", "--collect-atstart=no",
                    "--toggle-collect=functools_reduce", "--dump-after=functools_reduce", f"--callgrind-out-file={out}",
                    *script], cwd=REPO, check=True, capture_output=True, timeout=3600, env=env)
    counts = []
    for i in range(1, calls + 1):
        text = Path(f"{out}.{i}").read_text()
        counts.append(next(int(line.split()[1]) for line in text.splitlines()
                           if line.startswith(("totals:", "summary:"))) / n)
    return counts
