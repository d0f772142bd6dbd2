"""Work done per request, counted in machine instructions under valgrind's callgrind.

Instruction counts do not depend on what else a shared machine runs, so they say where the time
of ``POST /v1/calculate`` goes when wall-clock and CPU figures swing by ±10 %. Run as a script
(``python -m tests.benchmarks.instructions PART N``) it does the warm-up and then ``N`` repetitions
of one part; ``test_instructions_bench.py`` runs it under callgrind with ``N = 0`` and ``N > 0`` and
divides the difference.
"""

from __future__ import annotations

import asyncio
import json
import sys

from tests.benchmarks.test_calculate_bench import ORDER

BODY = json.dumps(ORDER).encode()

#: What each part repeats: pydantic parsing the body, the engine, the response bytes, and the whole
#: app called as ASGI in-process (no HTTP server), for the calculate order and for the bare endpoint.
PARTS = ("parse", "engine", "wire", "app", "bare app")


def _asgi_loop(path: str, body: bytes, n: int) -> None:
    from tests.benchmarks import floor

    method = "POST" if body else "GET"
    headers = [(b"host", b"127.0.0.1")]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    message = {"type": "http.request", "body": body, "more_body": False}

    async def receive():
        return message

    async def send(msg):
        if msg["type"] == "http.response.start" and msg["status"] != 200:
            raise AssertionError(msg)

    def scope():
        return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
                "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": list(headers),
                "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}

    async def run():
        for _ in range(200 + n):
            await floor.app(scope(), receive, send)

    asyncio.run(run())


def run(part: str, n: int) -> None:
    from taxapi import ingest
    from taxapi.ecb import get_ecb_rates
    from taxapi.orders.schemas import CalculateRequest
    from taxapi.orders.service import compute_order
    from taxapi.orders.wire import order_json
    from taxapi.rate_tables.loader import get_rate_book

    if part == "app":
        return _asgi_loop("/v1/calculate", BODY, n)
    if part == "bare app":
        return _asgi_loop("/__bare", b"", n)
    book, fx = get_rate_book(), get_ecb_rates()
    order = ingest.validate_json(CalculateRequest, BODY)
    result = compute_order(order=order, book=book, fx=fx)
    steps = {
        "parse": lambda: ingest.validate_json(CalculateRequest, BODY),
        "engine": lambda: compute_order(order=order, book=book, fx=fx),
        "wire": lambda: order_json(result),
    }
    for step in steps.values():  # the same warm-up whichever part is counted
        for _ in range(200):
            step()
    step = steps[part]
    for _ in range(n):
        step()


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]))
