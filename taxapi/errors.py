"""One error tree, one RFC 9457 problem-details body, stable codes.

Every failure the service can explain is a :class:`TaxApiError` subclass named
after the kind of failure. Each carries a stable snake_case ``code``, an HTTP
``status`` and a ``title``, plus structured fields that end up in the problem
body so a client can act on them without parsing prose.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

PROBLEM_BASE = "https://taxapi.dev/problems/"


class ErrorCode(StrEnum):
    validation_error = "validation_error"
    unknown_jurisdiction = "unknown_jurisdiction"
    unknown_category = "unknown_category"
    rate_not_found = "rate_not_found"
    date_out_of_range = "date_out_of_range"
    invalid_amount = "invalid_amount"
    unsupported_currency = "unsupported_currency"
    currency_mismatch = "currency_mismatch"
    invalid_tax_id = "invalid_tax_id"
    unsupported_tax_id = "unsupported_tax_id"
    invalid_rate_table = "invalid_rate_table"
    exchange_rate_not_found = "exchange_rate_not_found"
    excise_goods_not_supported = "excise_goods_not_supported"
    unsupported_scenario = "unsupported_scenario"
    unsupported_media_type = "unsupported_media_type"
    not_found = "not_found"
    method_not_allowed = "method_not_allowed"
    payload_too_large = "payload_too_large"
    unauthorized = "unauthorized"
    not_ready = "not_ready"
    time_limit_exceeded = "time_limit_exceeded"
    internal_error = "internal_error"


class TaxApiError(Exception):
    """Base of every error the API reports as a problem document."""

    code: ErrorCode = ErrorCode.internal_error
    status: int = 500
    title: str = "Internal error"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **fields: Any):
        super().__init__(detail)
        self.detail = detail
        # Every error names its field (``loc``, relative to the request model in domain code),
        # says what is wrong (``msg``) and its kind (``type``), like pydantic's.
        self.errors = [e if "type" in e else {**e, "type": self.code.value} for e in errors] if errors is not None else None
        self.fields = fields

    @classmethod
    def listing(cls, errors: list[dict[str, Any]], **fields: Any) -> "TaxApiError":
        """An error whose detail lists every error with its location (``lines.0.amount: must not be negative``)."""
        exc = cls(_listing(errors), errors=errors, **fields)
        exc._listed = True
        return exc

    _listed = False

    def located(self, *prefix: str | int) -> "TaxApiError":
        """The error located at the edge: ``prefix`` (``"body"``, ``"query"``) put before every ``loc``."""
        if self.errors:
            self.errors = [{**e, "loc": [*prefix, *e.get("loc", ())]} for e in self.errors]
            if self._listed:
                self.detail = _listing(self.errors)
                self.args = (self.detail,)
        return self

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.code.value.replace("_", "-"),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code.value,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        for key, value in self.fields.items():
            if value is not None:
                body[key] = value if isinstance(value, (str, int, float, bool, list, dict)) else str(value)
        return body


def _listing(errors: list[dict[str, Any]]) -> str:
    return "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg', '')}" for e in errors)


class ValidationFailed(TaxApiError):
    code = ErrorCode.validation_error
    status = 422
    title = "Request validation failed"

    @classmethod
    def at(cls, loc: list[str | int], msg: str, type: str = "value_error") -> "ValidationFailed":
        """A validation error naming one field."""
        return cls.listing([{"loc": loc, "msg": msg, "type": type}])  # type: ignore[return-value]


class UnknownJurisdiction(TaxApiError):
    code = ErrorCode.unknown_jurisdiction
    status = 404
    title = "Unknown jurisdiction"


class UnknownCategory(TaxApiError):
    code = ErrorCode.unknown_category
    status = 422
    title = "Unknown product tax category"


class RateNotFound(TaxApiError):
    code = ErrorCode.rate_not_found
    status = 422
    title = "No rate for jurisdiction on date"


class CategoryNotMapped(RateNotFound):
    """A category the jurisdiction's table does not map (one only some laws distinguish): refused, never guessed."""

    title = "No rate for this category in this jurisdiction"

    @classmethod
    def at(cls, loc: list[str | int], jurisdiction: str, category: str) -> "CategoryNotMapped":
        """The error for ``category`` in ``jurisdiction``'s table, named at the request field ``loc``."""
        return cls(
            f"{jurisdiction}'s rate table has no rate for the category {category}: only jurisdictions whose law "
            "distinguishes it map it (GET /v1/categories lists them).",
            errors=[{"loc": loc, "msg": f"{category} has no rate in {jurisdiction}"}],
            jurisdiction=jurisdiction, category=category,
        )


class DateOutOfRange(TaxApiError):
    code = ErrorCode.date_out_of_range
    status = 422
    title = "Date outside the rate tables"


class InvalidAmount(TaxApiError):
    code = ErrorCode.invalid_amount
    status = 422
    title = "Invalid amount"


class UnsupportedCurrency(TaxApiError):
    code = ErrorCode.unsupported_currency
    status = 422
    title = "Unsupported currency"


class CurrencyMismatch(TaxApiError):
    code = ErrorCode.currency_mismatch
    status = 422
    title = "Currencies do not match"


class InvalidTaxId(TaxApiError):
    code = ErrorCode.invalid_tax_id
    status = 422
    title = "Invalid tax identification number"


class UnsupportedTaxId(TaxApiError):
    code = ErrorCode.unsupported_tax_id
    status = 422
    title = "Tax identification number of an unsupported country"


class ExchangeRateNotFound(TaxApiError):
    code = ErrorCode.exchange_rate_not_found
    status = 422
    title = "No ECB reference rate for currency and date"


class ExciseGoodsNotSupported(TaxApiError):
    code = ErrorCode.excise_goods_not_supported
    status = 422
    title = "Excise goods are not supported"


class UnsupportedScenario(TaxApiError):
    code = ErrorCode.unsupported_scenario
    status = 422
    title = "Scenario not supported"


class UnsupportedMediaType(TaxApiError):
    code = ErrorCode.unsupported_media_type
    status = 415
    title = "Unsupported media type"


class PayloadTooLarge(TaxApiError):
    code = ErrorCode.payload_too_large
    status = 413
    title = "Payload too large"


class Unauthorized(TaxApiError):
    """No API key, or not an accepted one, on a server that requires keys."""

    code = ErrorCode.unauthorized
    status = 401
    title = "API key required"


class NotReady(TaxApiError):
    """The process cannot serve yet: its tables or ECB data are not loaded."""

    code = ErrorCode.not_ready
    status = 503
    title = "Not ready"


class TimeLimitExceeded(TaxApiError):
    """A file needed more time than the per-request limit allows."""

    code = ErrorCode.time_limit_exceeded
    status = 408
    title = "Time limit exceeded"


class InvalidRateTable(TaxApiError):
    """A rate-table file is malformed. Raised at load time; the server refuses to start."""

    code = ErrorCode.invalid_rate_table
    status = 500
    title = "Invalid rate table"

    def __init__(self, file: str, field: str, msg: str):
        super().__init__(f"{file}: {field}: {msg}", file=file, field=field)
        self.file = file
        self.field = field
        self.msg = msg
