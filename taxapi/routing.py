"""Route classes shared by the hot endpoints."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute


class DirectRoute(APIRoute):
    """A route whose endpoint takes the :class:`Request` and returns a :class:`Response` itself.

    FastAPI's per-request dependency solving and response-model handling are skipped: the
    endpoint validates its query or body with pydantic in one pass and answers with bytes.
    The route is still matched, documented in the OpenAPI schema and covered by the app's
    exception handlers (problem details) like any other.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self.endpoint
