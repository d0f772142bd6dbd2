"""The one serializer of ``POST /v1/calculate`` results, and their documented schema.

Both come from :class:`taxapi.orders.results.OrderResult` through one pydantic ``TypeAdapter``:
amounts and rates are written as decimal strings (``str`` of the ``Decimal``, which the engine
keeps at the currency's minor units), enums as their values, dates as ``YYYY-MM-DD``.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from taxapi.orders.results import OrderResult

ORDER_RESULT: TypeAdapter[OrderResult] = TypeAdapter(OrderResult)


def order_json(result: OrderResult) -> bytes:
    """The response body of ``POST /v1/calculate``."""
    return ORDER_RESULT.dump_json(result)


def order_dict(result: OrderResult) -> dict[str, Any]:
    """The same as JSON-ready Python values (what a stored response reads back as)."""
    return ORDER_RESULT.dump_python(result, mode="json")  # type: ignore[no-any-return]
