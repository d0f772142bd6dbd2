"""The ASGI application: ``taxapi.app:app``.

``create_app()`` loads and validates every rate table and the ECB history before
serving: a bad table stops the server at boot with the file and field named.
"""

from __future__ import annotations

import gc
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.types import ASGIApp

from taxapi import __version__, middleware, operations
from taxapi.ecb import get_ecb_rates
from taxapi.problems import PROBLEM_RESPONSES, install_problem_handlers
from taxapi.rate_tables.loader import get_rate_book
from taxapi.settings import Settings, get_settings
from taxapi.orders.router import operations as orders_operations
from taxapi.oss.router import router as oss_router
from taxapi.reference.router import router as reference_router
from taxapi.routing import HotRoutes, Operation
from taxapi.sheets.router import operations as sheets_operations
from taxapi.thresholds.router import router as thresholds_router
from taxapi.thresholds.rules import get_threshold_rules

#: The hot endpoints, served as Starlette routes on the app's own router (``taxapi/routing.py``), first:
#: route matching is in order.
OPERATIONS: list[Operation] = [*orders_operations, *sheets_operations]
ROUTERS = [reference_router, oss_router, thresholds_router]


def _operation_id(route: APIRoute) -> str:
    return route.name


def _rates_version() -> str:
    return get_rate_book().version


class TaxApi(FastAPI):
    """FastAPI with taxapi's one ASGI layer (:mod:`taxapi.middleware`) outside the whole stack, Starlette's
    error middleware included, so that every answer (an unexpected 500 too) gets its headers and log line;
    inside it, :class:`~taxapi.routing.HotRoutes` serves the hot operations without the rest of the stack."""

    def __init__(self, *, settings: Settings, **kwargs: Any):
        super().__init__(**kwargs)
        self.settings = settings

    def build_middleware_stack(self) -> ASGIApp:
        hot = HotRoutes(super().build_middleware_stack(), operations=OPERATIONS, exception_handlers=self.exception_handlers)
        return middleware.wrap(hot, settings=self.settings, rates_version=_rates_version)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()  # fail fast on a bad setting
    get_rate_book()  # fail fast on a bad rate table
    get_ecb_rates()
    get_threshold_rules()  # fail fast on a bad threshold file
    app = TaxApi(
        settings=settings,
        title="taxapi",
        version=__version__,
        summary="VAT, GST and sales-tax calculation for cross-border e-commerce",
        description=(
            "Money and rates are decimal strings. Every response carries `rates_version`; errors are "
            "RFC 9457 problem details with a stable `code`. Every answer, errors included, has the headers "
            "`TaxAPI-Rates-Version` and `X-Request-ID` (the caller's, when it sends a short token). A server "
            "configured with API keys wants one as `Authorization: Bearer KEY` or `X-API-Key: KEY` on every "
            "request but `/healthz`, `/readyz` and the documentation pages."
        ),
        generate_unique_id_function=_operation_id,
        # FastAPI's native OpenTelemetry looks up the global OTel providers on every request (three
        # environment reads through opentelemetry-api) to find none configured: 4-12 us a request
        # on /v1/calculate and /healthz, measured in-process. taxapi configures no OTel provider.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        responses=PROBLEM_RESPONSES,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
        docs_url=None,  # served from the installed package instead of a CDN: taxapi/operations.py
        redoc_url=None,
    )
    install_problem_handlers(app)
    for operation in OPERATIONS:
        app.router.routes.append(operation.route())
    for router in ROUTERS:
        app.include_router(router)
    operations.install(app, metrics=settings.metrics)
    documented = [op.openapi_route(responses=PROBLEM_RESPONSES, generate_unique_id_function=_operation_id) for op in OPERATIONS]

    def openapi() -> dict[str, Any]:
        """FastAPI's schema of the app's routes, with the operations documented from their models first, and
        what the operations layer adds to every operation (key schemes, the 401, common headers)."""
        if app.openapi_schema is None:
            app.openapi_schema = operations.document_operations(get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                license_info=app.license_info,
                routes=[*documented, *app.routes],
            ))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # The rate tables, ECB history and schemas live as long as the process: move them out of the
    # garbage collector's reach so that full collections do not rescan them during requests.
    gc.collect()
    gc.freeze()
    return app


app = create_app()
