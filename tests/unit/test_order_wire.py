"""The /v1/calculate serializer writes exactly what the documented schema (generated from the result classes) says."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import jsonschema
import orjson
import pytest
from pydantic import ValidationError

from taxapi.ecb import get_ecb_rates
from taxapi.errors import TaxApiError
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.results import OPTIONAL_FIELDS
from taxapi.orders.service import compute_order
from taxapi.orders.wire import ORDER_RESULT, order_json
from taxapi.rate_tables.loader import get_rate_book
from tests.benchmarks.test_calculate_bench import checkout_mix

CASES = json.loads((Path(__file__).resolve().parents[1] / "golden" / "cases" / "calculate.json").read_text(encoding="utf-8"))["cases"]
ORDERS = [c["request"] for c in CASES] + checkout_mix(60)


@pytest.mark.parametrize("body", ORDERS)
def test_serializer_agrees_with_the_schema_classes(body):
    try:
        result = compute_order(order=CalculateRequest.model_validate(body), book=get_rate_book(), fx=get_ecb_rates())
    except (TaxApiError, ValidationError):
        return  # the golden file also holds refused orders
    written = orjson.loads(order_json(result))
    jsonschema.validate(written, ORDER_RESULT.json_schema(mode="serialization"))
    ORDER_RESULT.validate_python(written)
    _same_fields(result, written)


def test_a_withholding_is_written_and_documented():
    """A regime that withholds (a marketplace's VAT withholding) sets it on the line; the wire shows it."""
    from taxapi.orders.results import Withholding
    from taxapi.regimes.base import Collector

    result = compute_order(order=CalculateRequest.model_validate(ORDERS[0]), book=get_rate_book(), fx=get_ecb_rates())
    held = Withholding("vat", Collector.marketplace, "MX", Decimal("50"), Decimal("7.60"), Decimal("3.80"), "mx.withholding.vat",
                       "https://example.org/act (test fixture)")
    result = result._replace(lines=(result.lines[0]._replace(withholdings=(held,)), *result.lines[1:]))
    written = orjson.loads(order_json(result))
    assert written["lines"][0]["withholdings"] == [
        {"tax": "vat", "collected_by": "marketplace", "jurisdiction": "MX", "rate_percent": "50", "base_amount": "7.60",
         "amount": "3.80", "rule": "mx.withholding.vat", "source": "https://example.org/act (test fixture)"}]
    assert "withholdings" not in written["lines"][1]
    jsonschema.validate(written, ORDER_RESULT.json_schema(mode="serialization"))
    _same_fields(result, written)


def _same_fields(record, written):
    """Every record is written as the object of its fields, in their order, with the same values."""
    if isinstance(record, tuple) and hasattr(record, "_fields"):
        fields = [n for n in record._fields if n not in OPTIONAL_FIELDS or getattr(record, n)]
        assert list(written) == fields
        for name in fields:
            _same_fields(getattr(record, name), written[name])
    elif isinstance(record, tuple):
        assert len(record) == len(written)
        for r, w in zip(record, written):
            _same_fields(r, w)
    elif isinstance(record, (Decimal, date, StrEnum)):
        assert written == (record.isoformat() if isinstance(record, date) else str(record))
    else:
        assert written == record
