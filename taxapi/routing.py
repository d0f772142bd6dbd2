"""Operations served as plain Starlette routes and documented from their pydantic models.

The hot endpoints (``/v1/calculate``, ``/v1/price``, ``/v1/batch``) take the :class:`Request` and
return a :class:`Response` themselves: they validate their body or query with pydantic in one pass
and write the answer's bytes. Each is declared once, next to its endpoint, as an
:class:`Operation` (with the decorators of :class:`Operations`), which is used twice:

- :meth:`Operation.route` gives the Starlette ``Route`` the app's router serves. It runs inside
  the app's whole middleware stack, so an exception it raises becomes a problem-details response
  through the app's exception handlers, and a request with a method it does not serve gets
  Starlette's 405 through the same handlers.
- :meth:`Operation.openapi_route` gives the FastAPI ``APIRoute`` that ``get_openapi`` documents:
  the request body from ``body`` and the query parameters from ``query`` (FastAPI's query-parameter
  models), the answers from ``responses`` as in any FastAPI route. That route is never served.

Why not FastAPI routes: measured in the commit that introduced this module, a FastAPI route (an
``APIRoute``, with its per-request exit stacks, or any route behind an included router) costs
15-20 us more per request on ``/v1/calculate`` than a Starlette route on the app's own router,
a third to a half of the engine's own work.

:class:`HotRoutes` goes one step further for the same operations: an ASGI middleware (inside
:mod:`taxapi.middleware`'s layer) that serves a request whose method and path are exactly an
operation's, calling the same endpoint with the same :class:`Request`, and answers an exception
with the app's own exception handlers, as Starlette's exception middleware would. Everything else
(another method, a path with a ``root_path``, every other route) goes on through the app's whole
stack. It saves the stack's five layers (Starlette's error and exception middlewares, FastAPI's
body-limit, telemetry and exit-stack middlewares) and the router's matching, about 20 us a request
in-process (``tests/benchmarks/test_calculate_bench.py``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Body, Query
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]
ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]
M = TypeVar("M", bound=BaseModel)


def query_model(request: Request, model: type[M]) -> M:
    """The request's query parameters (as Starlette parses them: the last of repeated names wins) validated
    into ``model``; errors are located under ``query`` as FastAPI locates them."""
    try:
        return model.model_validate(request.query_params)
    except ValidationError as exc:
        raise RequestValidationError([{**err, "loc": ("query", *err["loc"])} for err in exc.errors(include_url=False)]) from None


@dataclass(frozen=True)
class Operation:
    """One HTTP operation: its endpoint and everything its OpenAPI entry is made of.

    ``body`` is the JSON request body's model; ``raw_body`` instead names the media types of a body
    that is a file (CSV, XLSX, an upload) with their schemas. ``query`` is the model of the query
    parameters. ``responses`` is FastAPI's ``responses`` mapping (``{200: {"model": …}}``).
    """

    method: str
    path: str
    endpoint: Endpoint
    summary: str
    tags: Sequence[str]
    body: type[BaseModel] | None = None
    raw_body: Mapping[str, Any] | None = None
    query: type[BaseModel] | None = None
    responses: Mapping[int | str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.body is not None and self.raw_body is not None:
            raise ValueError(f"{self.path}: a body is either a model or raw media types, not both")

    @property
    def name(self) -> str:
        return self.endpoint.__name__

    def route(self) -> Route:
        """The route the app serves."""
        return Route(self.path, self.endpoint, methods=[self.method], name=self.name, include_in_schema=False)

    def openapi_route(self, *, responses: Mapping[int | str, dict[str, Any]],
                      generate_unique_id_function: Callable[[APIRoute], str]) -> APIRoute:
        """The FastAPI route ``get_openapi`` documents this operation from (never served).

        ``responses`` are the app-wide answers (problem details) every operation shares.
        """
        return APIRoute(
            self.path,
            _documented_signature(self),
            methods=[self.method],
            name=self.name,
            summary=self.summary,
            tags=list(self.tags),
            response_model=None,
            responses={**responses, **self.responses},
            openapi_extra={"requestBody": {"required": True, "content": dict(self.raw_body)}} if self.raw_body else None,
            generate_unique_id_function=generate_unique_id_function,
        )


class Operations(list[Operation]):
    """The operations of one module, declared with decorators in the order they are served and documented.

    ``tags`` apply to every operation declared here, like an ``APIRouter``'s.
    """

    def __init__(self, *, tags: Sequence[str]) -> None:
        super().__init__()
        self.tags = list(tags)

    def get(self, path: str, **declaration: Any) -> Callable[[Endpoint], Endpoint]:
        return self._declare("GET", path, declaration)

    def post(self, path: str, **declaration: Any) -> Callable[[Endpoint], Endpoint]:
        return self._declare("POST", path, declaration)

    def _declare(self, method: str, path: str, declaration: dict[str, Any]) -> Callable[[Endpoint], Endpoint]:
        def register(endpoint: Endpoint) -> Endpoint:
            self.append(Operation(method, path, endpoint, tags=self.tags, **declaration))
            return endpoint

        return register


def _documented_signature(op: Operation) -> Callable[..., Any]:
    """A stand-in endpoint whose signature declares ``op``'s query and body models the FastAPI way."""

    async def endpoint(**values: Any) -> None:  # pragma: no cover - documentation only, never routed
        raise RuntimeError(f"{op.path} is only documented here; its Starlette route serves it")

    parameters = []
    if op.query is not None:
        parameters.append(inspect.Parameter("query", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[op.query, Query()]))
    if op.body is not None:
        parameters.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[op.body, Body()]))
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = op.name
    return endpoint


class HotRoutes:
    """ASGI middleware serving ``operations`` directly (see the module docstring); ``app`` serves the rest.

    ``exception_handlers`` is the app's mapping (``FastAPI.exception_handlers``): an exception raised by an
    endpoint is answered by the handler of its nearest class (or, for an ``HTTPException``, of its status
    code), as Starlette's ``ExceptionMiddleware`` does; the handler of ``Exception`` answers the rest with
    a 500, after which the exception is raised again for the server to log, as Starlette's
    ``ServerErrorMiddleware`` does.
    """

    def __init__(self, app: ASGIApp, *, operations: Sequence[Operation],
                 exception_handlers: Mapping[Any, ExceptionHandler]):
        self.app = app
        self.handlers = exception_handlers
        self.routes: dict[tuple[str, str], Route] = {}
        for op in operations:
            self.routes[(op.method, op.path)] = op.route()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            route = self.routes.get((scope["method"], scope["path"]))
            if route is not None:
                await self._serve(route, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _serve(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = route  # what a router leaves in the scope (the access log's route template)
        scope["endpoint"] = route.endpoint
        scope["path_params"] = {}
        request = Request(scope, receive, send)
        started = False

        async def sender(message: Any) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            response = await route.endpoint(request)
            await response(scope, receive, sender)
        except Exception as exc:
            if started:
                raise
            handler = self._handler(exc)
            if handler is None:
                raise
            await (await handler(request, exc))(scope, receive, send)
            if handler is self.handlers.get(Exception) or handler is self.handlers.get(500):
                raise

    def _handler(self, exc: Exception) -> ExceptionHandler | None:
        if isinstance(exc, HTTPException) and exc.status_code in self.handlers:
            return self.handlers[exc.status_code]
        for cls in type(exc).__mro__:
            if cls in self.handlers:
                return self.handlers[cls]
        return self.handlers.get(500)
