"""``POST /v1/calculate``: tax for one order."""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import Response

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest, CalculateResponse
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book

router = APIRouter(tags=["calculate"])


@router.post(
    "/v1/calculate",
    response_model=None,
    responses={200: {"model": CalculateResponse, "description": "Tax per line and in total, with who collects it and why"}},
    summary="Tax for one order (storefront checkout)",
)
def calculate(order: CalculateRequest) -> Response:
    result = compute_order(order=order, book=get_rate_book(), fx=get_ecb_rates())
    return Response(json.dumps(result, ensure_ascii=False, separators=(",", ":")), media_type="application/json")
