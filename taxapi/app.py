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

from taxapi import __version__
from taxapi.ecb import get_ecb_rates
from taxapi.problems import PROBLEM_RESPONSES, install_problem_handlers
from taxapi.rate_tables.loader import get_rate_book
from taxapi.orders.router import operations as orders_operations
from taxapi.oss.router import router as oss_router
from taxapi.reference.router import router as reference_router
from taxapi.routing import Operation
from taxapi.sheets.router import operations as sheets_operations
from taxapi.thresholds.router import router as thresholds_router
from taxapi.thresholds.rules import get_threshold_rules

#: The hot endpoints, served as Starlette routes on the app's own router (``taxapi/routing.py``), first:
#: route matching is in order.
OPERATIONS: list[Operation] = [*orders_operations, *sheets_operations]
ROUTERS = [reference_router, oss_router, thresholds_router]


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app() -> FastAPI:
    get_rate_book()  # fail fast on a bad rate table
    get_ecb_rates()
    get_threshold_rules()  # fail fast on a bad threshold file
    app = FastAPI(
        title="taxapi",
        version=__version__,
        summary="VAT, GST and sales-tax calculation for cross-border e-commerce",
        description=(
            "Money and rates are decimal strings. Every response carries `rates_version`; errors are "
            "RFC 9457 problem details with a stable `code`."
        ),
        generate_unique_id_function=_operation_id,
        # FastAPI's native OpenTelemetry looks up the global OTel providers on every request (three
        # environment reads through opentelemetry-api) to find none configured: 4-12 us a request
        # on /v1/calculate and /healthz, measured in-process. taxapi configures no OTel provider.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        responses=PROBLEM_RESPONSES,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
    )
    install_problem_handlers(app)
    for operation in OPERATIONS:
        app.router.routes.append(operation.route())
    for router in ROUTERS:
        app.include_router(router)
    documented = [op.openapi_route(responses=PROBLEM_RESPONSES, generate_unique_id_function=_operation_id) for op in OPERATIONS]

    def openapi() -> dict[str, Any]:
        """FastAPI's schema of the app's routes, with the operations documented from their models first."""
        if app.openapi_schema is None:
            app.openapi_schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                license_info=app.license_info,
                routes=[*documented, *app.routes],
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # The rate tables, ECB history and schemas live as long as the process: move them out of the
    # garbage collector's reach so that full collections do not rescan them during requests.
    gc.collect()
    gc.freeze()
    return app


app = create_app()
