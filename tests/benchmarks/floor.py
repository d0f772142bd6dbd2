"""ASGI app for the HTTP benchmarks: taxapi behind a bare ASGI endpoint served by the same process.

``/__bare`` answers a fixed JSON with no framework at all (the floor the hot routes are measured
against); ``/__fastapi`` and ``/__starlette`` are trivial endpoints of a minimal FastAPI and a
minimal Starlette app, and ``/__starlette/v1/calculate`` is the calculate endpoint alone in that
Starlette app (with the app's exception handlers), for the framework's own cost. Everything else
goes to ``taxapi.app:app``.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from taxapi.app import app as taxapi_app
from taxapi.orders.router import calculate

BODY = b'{"status":"ok"}'
_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
}
_BODY = {"type": "http.response.body", "body": BODY}

fastapi_trivial = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@fastapi_trivial.get("/__fastapi")
async def trivial() -> dict[str, str]:
    return {"status": "ok"}


async def _starlette_trivial(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


starlette_trivial = Starlette(
    routes=[Route("/__starlette", _starlette_trivial), Route("/__starlette/v1/calculate", calculate, methods=["POST"])],
    exception_handlers=dict(taxapi_app.exception_handlers),
)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope.get("path")
    if path == "/__bare":
        await send(_START)
        await send(_BODY)
    elif path == "/__fastapi":
        await fastapi_trivial(scope, receive, send)
    elif path.startswith("/__starlette"):
        await starlette_trivial(scope, receive, send)
    else:
        await taxapi_app(scope, receive, send)
