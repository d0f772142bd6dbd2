"""Endpoints for operators, and the documentation pages served without internet.

* ``GET /readyz``: the rate tables, threshold rules and ECB history are loaded; names their versions.
* ``GET /metrics``: Prometheus text format (prometheus-client); in multiprocess mode
  (``PROMETHEUS_MULTIPROC_DIR``, set by ``taxapi serve --workers N``) the sum over the workers.
* ``/docs`` and ``/redoc``: Swagger UI and ReDoc from the bundles the ``fastapi-offline`` package ships
  (MIT; the bundles carry their own licence headers), served under ``/docs-assets/``: no CDN, no fonts.
* :func:`document_operations`: the API-key schemes and the common headers in the OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from taxapi.errors import NotReady
from taxapi.middleware import DOCS_PREFIX, OPEN_PATHS
from taxapi.settings import get_settings

router = APIRouter(tags=["meta"])
metrics_router = APIRouter()


def docs_assets_dir() -> Path:
    """The Swagger UI and ReDoc bundles of the installed ``fastapi-offline`` package."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


class Ready(BaseModel):
    status: str
    rates_version: str
    rates_as_of: str
    jurisdictions: int
    threshold_rules: int
    ecb_first_date: str
    ecb_last_date: str


@router.get("/readyz", response_model=Ready, summary="Readiness: tables and ECB data loaded",
            responses={503: {"description": "Not ready: a table or the ECB history could not be loaded"}})
def readyz() -> Any:
    from taxapi.ecb import get_ecb_rates
    from taxapi.rate_tables.loader import get_rate_book
    from taxapi.thresholds.rules import get_threshold_rules

    try:
        book, ecb, thresholds = get_rate_book(), get_ecb_rates(), get_threshold_rules()
    except Exception as exc:  # noqa: BLE001 - any failure to load means "not ready", with the reason
        raise NotReady(f"not ready: {exc}") from None
    return {
        "status": "ready",
        "rates_version": book.version,
        "rates_as_of": book.as_of.isoformat(),
        "jurisdictions": len(book.jurisdictions),
        "threshold_rules": len(thresholds.rules),
        "ecb_first_date": ecb.first_date.isoformat(),
        "ecb_last_date": ecb.last_date.isoformat(),
    }


@metrics_router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    multiproc = get_settings().prometheus_multiproc_dir
    if multiproc is None:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(multiproc))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI, *, metrics: bool = True) -> None:
    """Add /readyz, /metrics (unless ``TAXAPI_METRICS=false``) and the offline documentation pages."""
    app.include_router(router)
    if metrics:
        app.include_router(metrics_router)
    assets = DOCS_PREFIX.rstrip("/")
    app.mount(assets, StaticFiles(directory=docs_assets_dir()), name="docs-assets")
    title = app.title
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url, title=f"{title} - Swagger UI",
            oauth2_redirect_url=root + "/docs/oauth2-redirect",
            swagger_js_url=f"{root}{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{assets}/swagger-ui.css",
            swagger_favicon_url=f"{root}{assets}/favicon.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=root + openapi_url, title=f"{title} - ReDoc",
            redoc_js_url=f"{root}{assets}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{assets}/favicon.png",
            with_google_fonts=False,
        )


SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http", "scheme": "bearer",
        "description": "`Authorization: Bearer KEY`. Required when the server is configured with API keys "
                       "(`TAXAPI_API_KEYS` / `TAXAPI_API_KEYS_FILE`); a missing or unknown key is a 401 problem.",
    },
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The same key as `X-API-Key: KEY`."},
}


UNAUTHORIZED_RESPONSE = {
    "description": "No API key, or not an accepted one (only on a server configured with keys)",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


#: Headers of every answer (taxapi/middleware.py), documented once and referenced from each response.
RESPONSE_HEADERS = {
    "TaxAPI-Rates-Version": {
        "description": "The `rates_version` (rate-table release and content hash) that produced the answer.",
        "required": True, "schema": {"type": "string"},
    },
    "X-Request-ID": {
        "description": "The request's `X-Request-ID` when it is a token of at most 128 characters "
                       "(letters, digits, `._:@/+=-`), else a new random id; the access log names it.",
        "required": True, "schema": {"type": "string"},
    },
    "TaxAPI-Error-Status": {
        "description": "Only on a `format=text` error, answered 200 with its `#ERROR: …` line so that a "
                       "spreadsheet cell shows it: the status the error has in every other format.",
        "required": False, "schema": {"type": "string", "pattern": "^[45][0-9]{2}$"},
    },
}


def document_operations(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to an OpenAPI document what the operations layer does for every operation: the API-key
    schemes (either, or none when the server has no keys configured; the health checks never need
    one), the 401 answer, and the headers of every answer. Called from the app's openapi()."""
    components = schema.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    components["headers"] = RESPONSE_HEADERS
    refs = {name: {"$ref": f"#/components/headers/{name}"} for name in RESPONSE_HEADERS}
    every = {name: refs[name] for name in ("TaxAPI-Rates-Version", "X-Request-ID")}
    text_error = {"TaxAPI-Error-Status": refs["TaxAPI-Error-Status"]}
    schema["security"] = [{"bearerAuth": []}, {"apiKeyHeader": []}, {}]
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            if path in OPEN_PATHS:
                operation["security"] = []
            else:
                responses["401"] = dict(UNAUTHORIZED_RESPONSE)
            for status, response in responses.items():
                text = str(status) == "200" and "text/plain" in response.get("content", {})
                response["headers"] = {**response.get("headers", {}), **every, **(text_error if text else {})}
    return schema

