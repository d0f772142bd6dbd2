"""The one ASGI layer around the app: request id, API keys, response headers, access log, metrics.

Pure ASGI (no ``BaseHTTPMiddleware``, which costs a task and a stream per request), and one layer
rather than six, because every layer is paid on every request of the hot endpoints. Per request it:

* takes ``X-Request-ID`` from the request when it is a short token (else makes one, :class:`RequestIds`) and echoes it;
* when API keys are configured, refuses a request without an accepted key (401 problem), except
  ``/healthz``, ``/readyz``, the documentation pages and CORS preflights. Keys are compared by their
  SHA-256 digest, so the server never holds a key in clear;
* adds ``TaxAPI-Rates-Version`` and the security headers to every response, errors included;
* logs one JSON line (request id, method, route template, status, duration) on ``taxapi.access``,
  with no path parameters or query values unless ``TAXAPI_ACCESS_LOG_VALUES`` is set;
* counts the request and its latency per route template in Prometheus metrics.

It wraps the whole app, outside Starlette's error middleware, so an unexpected 500 gets the same
headers and log line as any other answer.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import os
import time
from collections.abc import Callable
from typing import Any

import orjson
from prometheus_client import Counter, Histogram
from starlette.requests import Request
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taxapi.errors import Unauthorized
from taxapi.problems import render_problem, wants_text
from taxapi.settings import Settings

access_log = logging.getLogger("taxapi.access")

RATES_VERSION_HEADER = b"taxapi-rates-version"
REQUEST_ID_HEADER = b"x-request-id"
#: Paths that answer without an API key: health checks for load balancers and orchestrators.
OPEN_PATHS = frozenset({"/healthz", "/readyz"})
#: The documentation pages and their assets (public like openapi.yaml; "Authorize" in /docs takes a key).
DOCS_PATHS = frozenset({"/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"})
DOCS_PREFIX = "/docs-assets/"
_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:@/+=-]{1,128}$")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
#: JSON, CSV and text answers load nothing.
API_SECURITY_HEADERS = [*_COMMON, (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")]
#: Swagger UI and ReDoc run their bundles (served by this app) and an inline start-up script; ReDoc uses a worker.
DOCS_SECURITY_HEADERS = [*_COMMON, (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'",
)]
HSTS = (b"strict-transport-security", b"max-age=31536000")

REQUESTS = Counter("taxapi_http_requests", "HTTP requests answered, per route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("taxapi_http_request_duration_seconds", "Time to answer, per route template",
                    ["method", "route"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
UNMATCHED = "<unmatched>"


class RequestIds:
    """Request ids unique per server: 64 random bits drawn once per process (again in a forked child),
    then a counter, as 32 hex digits. A random id per request would cost a ``getrandom`` system call,
    about 3 % of the server's time on ``/v1/calculate`` under load; an id needs to be unique, not secret."""

    def __init__(self) -> None:
        self._reseed()
        os.register_at_fork(after_in_child=self._reseed)

    def _reseed(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._count = itertools.count()

    def __next__(self) -> bytes:
        return f"{self._prefix}{next(self._count) & 0xFFFFFFFFFFFFFFFF:016x}".encode()


def key_digest(key: str | bytes) -> str:
    """The SHA-256 hex digest a key is configured as (``printf %s KEY | sha256sum``)."""
    return hashlib.sha256(key.encode("utf-8") if isinstance(key, str) else key).hexdigest()


def _template(route: Any) -> str | None:
    path = getattr(route, "path_format", None)  # without convertors: /v1/tax-ids/{id}, not {id:path}
    if not isinstance(path, str):
        return None
    return path + "/{path}" if isinstance(route, Mount) and not path.endswith("/{path}") else path


def route_template(scope: Scope, by_endpoint: dict[Any, str]) -> str:
    """The matched route's path template (``/v1/tax-ids/{id}``), never the raw path.

    FastAPI's router names its own routes in ``scope["route"]``; plain Starlette routes and mounts
    (``/openapi.json``, the docs assets) are found by the endpoint they leave in the scope.
    """
    route = scope.get("route")
    if route is not None:
        return _template(route) or UNMATCHED
    endpoint = scope.get("endpoint")
    if endpoint is None:
        return UNMATCHED
    if not by_endpoint:
        for candidate in getattr(scope.get("app"), "routes", ()):
            template = _template(candidate)
            target = getattr(candidate, "endpoint", None) or getattr(candidate, "app", None)
            if template is not None and target is not None:
                by_endpoint.setdefault(target, template)
    try:
        return by_endpoint.get(endpoint, UNMATCHED)
    except TypeError:  # an unhashable endpoint
        return UNMATCHED


async def _unauthorized(scope: Scope, receive: Receive, send: Send) -> None:
    exc = Unauthorized(scope["taxapi.unauthorized"])
    status, media_type, body, extra = render_problem(exc.problem(), text=wants_text(Request(scope)))
    headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode()),
               (b"www-authenticate", b'Bearer realm="taxapi"')]
    headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class OpsMiddleware:
    """See the module docstring. ``rates_version`` is called per request (the book is cached)."""

    def __init__(self, app: ASGIApp, *, settings: Settings, rates_version: Callable[[], str],
                 cors: Callable[[ASGIApp], ASGIApp] | None = None):
        self.app = app
        self.rates_version = rates_version
        self.digests = settings.accepted_key_digests()
        self.cors = cors is not None
        # The 401 goes through the same CORS layer as the app, so a browser can read it.
        self.reject: ASGIApp = cors(_unauthorized) if cors is not None else _unauthorized
        self.log_access = settings.access_log
        self.log_values = settings.access_log_values
        self._version: tuple[str, bytes] = ("", b"")
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._by_endpoint: dict[Any, str] = {}
        self.request_ids = RequestIds()

    def _version_header(self) -> bytes:
        version = self.rates_version()
        if version is not self._version[0]:
            self._version = (version, version.encode("ascii"))
        return self._version[1]

    def _check_key(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> str | None:
        """None when the request may go on, else why it is refused."""
        path = scope["path"]
        if path in OPEN_PATHS or path in DOCS_PATHS or path.startswith(DOCS_PREFIX):
            return None
        presented = None
        preflight = False
        for name, value in headers:
            if name == b"authorization":
                scheme, _, token = value.partition(b" ")
                if scheme.lower() == b"bearer" and token.strip():
                    presented = token.strip()
            elif name == b"x-api-key" and presented is None and value.strip():
                presented = value.strip()
            elif name == b"access-control-request-method":
                preflight = True
        if presented is None:
            if preflight and self.cors and scope["method"] == "OPTIONS":
                return None  # answered by the CORS layer itself, before any route
            return "An API key is required: send it as `Authorization: Bearer KEY` or `X-API-Key: KEY`."
        if key_digest(presented) not in self.digests:
            return "The API key is not accepted."
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = None
        headers = scope["headers"]
        for name, value in headers:
            if name == REQUEST_ID_HEADER:
                if _REQUEST_ID.match(value):
                    request_id = value
                break
        if request_id is None:
            request_id = next(self.request_ids)
        path = scope["path"]
        docs = path in DOCS_PATHS or path.startswith(DOCS_PREFIX)
        extra = [(REQUEST_ID_HEADER, request_id), (RATES_VERSION_HEADER, self._version_header()),
                 *(DOCS_SECURITY_HEADERS if docs else API_SECURITY_HEADERS)]
        if scope.get("scheme") == "https":
            extra.append(HSTS)
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        app = self.app
        if self.digests:
            refused = self._check_key(scope, headers)
            if refused is not None:
                scope["taxapi.unauthorized"] = refused
                app = self.reject
        try:
            await app(scope, receive, send_with_headers)
        finally:
            self._record(scope, request_id, status, time.perf_counter() - start)

    def _record(self, scope: Scope, request_id: bytes, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = route_template(scope, self._by_endpoint) if "taxapi.unauthorized" not in scope else UNMATCHED
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route))
        children[0].inc()
        children[1].observe(seconds)
        if self.log_access and access_log.isEnabledFor(logging.INFO):
            line: dict[str, Any] = {
                "request_id": request_id.decode("latin-1"), "method": method, "route": route,
                "status": status, "duration_ms": round(seconds * 1000, 3),
            }
            if self.log_values:
                line["path"] = scope["path"]
                line["query"] = scope.get("query_string", b"").decode("latin-1")
            # makeRecord + handle: logging.info's caller lookup would cost more than the rest of this layer.
            access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, __file__, 0,
                                                    orjson.dumps(line).decode(), None, None))


def wrap(app: ASGIApp, *, settings: Settings, rates_version: Callable[[], str]) -> ASGIApp:
    """The app inside CORS (only when ``TAXAPI_CORS_ORIGINS`` is set) inside :class:`OpsMiddleware`."""
    if not settings.cors_origins:
        return OpsMiddleware(app, settings=settings, rates_version=rates_version)
    from starlette.middleware.cors import CORSMiddleware

    def with_cors(inner: ASGIApp) -> ASGIApp:
        return CORSMiddleware(
            inner,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID", "Accept"],
            expose_headers=["TaxAPI-Rates-Version", "X-Request-ID", "TaxAPI-Error-Status", "Content-Disposition"],
            max_age=600,
        )

    return OpsMiddleware(with_cors(app), settings=settings, rates_version=rates_version, cors=with_cors)
