"""``POST /v1/calculate``: tax for one order."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.requests import ClientDisconnect

from taxapi.ecb import get_ecb_rates
from taxapi.errors import TaxApiError
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.orders.wire import CalculateResponse, order_json
from taxapi.rate_tables.loader import get_rate_book
from taxapi.routing import Operations

operations = Operations(tags=["calculate"])

MAX_BODY = 2 * 1024 * 1024


def _too_large() -> RequestValidationError:
    return RequestValidationError([{"loc": ("body",), "msg": f"request body larger than {MAX_BODY} bytes", "type": "too_large"}])


async def read_body(request: Request) -> bytes:
    """The raw body straight from the ASGI messages; stops reading past ``MAX_BODY`` bytes."""
    message = await request.receive()
    if message["type"] != "http.request":
        raise ClientDisconnect()
    body: bytes = message.get("body", b"")
    if message.get("more_body", False):
        chunks = [body]
        size = len(body)
        while message.get("more_body", False):
            message = await request.receive()
            if message["type"] != "http.request":
                raise ClientDisconnect()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                raise _too_large()
            chunks.append(chunk)
        body = b"".join(chunks)
    if len(body) > MAX_BODY:
        raise _too_large()
    request._body = body  # so that request.body() still answers after this
    return body


async def parse_json_body(request: Request, model: type) -> object:
    """Validate the raw body with pydantic's JSON parser (errors keep FastAPI's ``body`` location)."""
    body = await read_body(request)
    try:
        return model.__pydantic_validator__.validate_json(body)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            loc = err["loc"]
            errors.append({**err, "loc": ("body", *loc)})
        raise RequestValidationError(errors) from None


@operations.post(
    "/v1/calculate",
    body=CalculateRequest,
    responses={200: {"model": CalculateResponse, "description": "Tax per line and in total, with who collects it and why"}},
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
