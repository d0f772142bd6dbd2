"""The ASGI application: ``taxapi.app:app``.

``create_app()`` loads and validates every rate table and the ECB history before
serving: a bad table stops the server at boot with the file and field named.
"""

from __future__ import annotations

import gc
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from taxapi import __version__
from taxapi.ecb import get_ecb_rates
from taxapi.problems import PROBLEM_RESPONSES, install_problem_handlers
from taxapi.rate_tables.loader import get_rate_book
from taxapi.rate_tables.parameters import get_parameters
from taxapi.orders.router import router as orders_router
from taxapi.orders.schemas import CalculateRequest
from taxapi.oss.router import router as oss_router
from taxapi.reference.router import router as reference_router
from taxapi.sheets.router import router as sheets_router
from taxapi.thresholds.router import router as thresholds_router
from taxapi.thresholds.rules import get_threshold_rules

# Hot paths first: route matching is in order.
ROUTERS = [orders_router, sheets_router, reference_router, oss_router, thresholds_router]
#: Request models of endpoints that parse their body themselves (for speed or streaming) but are documented.
BODY_MODELS: list[type[BaseModel]] = [CalculateRequest]


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app() -> FastAPI:
    get_rate_book()  # fail fast on a bad rate table
    get_ecb_rates()
    get_threshold_rules()  # fail fast on a bad threshold file
    get_parameters()  # fail fast on a bad parameter file
    app = FastAPI(
        title="taxapi",
        version=__version__,
        summary="VAT, GST and sales-tax calculation for cross-border e-commerce",
        description=(
            "Money and rates are decimal strings. Every response carries `rates_version`; errors are "
            "RFC 9457 problem details with a stable `code`."
        ),
        generate_unique_id_function=_operation_id,
        responses=PROBLEM_RESPONSES,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
    )
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in BODY_MODELS:
                js = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, definition in js.pop("$defs", {}).items():
                    components.setdefault(name, definition)
                components[model.__name__] = js
            app.openapi_schema = dict(schema, components=dict(sorted(schema["components"].items())))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # The rate tables, ECB history and schemas live as long as the process: move them out of the
    # garbage collector's reach so that full collections do not rescan them during requests.
    gc.collect()
    gc.freeze()
    return app


app = create_app()
