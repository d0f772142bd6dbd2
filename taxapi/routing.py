"""Route classes shared by the hot endpoints."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send


class DirectRoute(APIRoute):
    """A route whose endpoint takes the :class:`Request` and returns a :class:`Response` itself.

    FastAPI's per-request machinery is skipped: no dependency solving, no response-model
    handling, no per-request exit stacks; the endpoint validates its query or body with
    pydantic in one pass and answers with bytes. The route is still matched by the router,
    documented in the OpenAPI schema and runs inside the app's whole middleware stack, so
    an exception it raises becomes a problem-details response through the app's exception
    handlers like anywhere else. A request with a method the route does not serve gets the
    usual 405 from FastAPI.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self.endpoint

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            await super().handle(scope, receive, send)
            return
        response = await self.endpoint(Request(scope, receive, send))
        await response(scope, receive, send)
