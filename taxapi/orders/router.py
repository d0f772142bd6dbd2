"""``POST /v1/calculate``: tax for one order."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from taxapi import ingest
from taxapi.ecb import get_ecb_rates
from taxapi.errors import TaxApiError
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.orders.wire import CalculateResponse, order_json
from taxapi.rate_tables.loader import get_rate_book
from taxapi.routing import Operations

operations = Operations(tags=["calculate"])


async def read_body(request: Request) -> bytes:
    """The raw body, read under the endpoint's limit (413 past it), declared as JSON (415 otherwise)."""
    ingest.require_json(request)
    return await ingest.read_body(request, ingest.get_limits().max_body_bytes_calculate)


async def parse_json_body(request: Request, model: type) -> object:
    """Validate the raw body with pydantic's JSON parser (errors keep FastAPI's ``body`` location)."""
    return ingest.validate_json(model, await read_body(request))


@operations.post(
    "/v1/calculate",
    body=CalculateRequest,
    responses={200: {"model": CalculateResponse, "description": "Tax per line and in total, with who collects it and why"},
               **ingest.problem_responses(413, 415)},
    summary="Tax for one order (storefront checkout)",
)
async def calculate(request: Request) -> Response:
    order = await parse_json_body(request, CalculateRequest)
    assert isinstance(order, CalculateRequest)
    try:
        result = compute_order(order=order, book=get_rate_book(), fx=get_ecb_rates())
    except TaxApiError as exc:
        raise exc.located("body") from None
    return Response(order_json(result), media_type="application/json")
