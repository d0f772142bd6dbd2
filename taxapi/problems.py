"""HTTP side of the error tree: RFC 9457 problem responses for every failure."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from taxapi.errors import PROBLEM_BASE, ErrorCode, TaxApiError

log = logging.getLogger("taxapi")
PROBLEM_JSON = "application/problem+json"


class ProblemError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details with a stable ``code``."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemError] | None = None


_TEXT_ERROR = {"text/plain": {"schema": {"type": "string", "description": "`#ERROR: ...` line for format=text callers"}}}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Malformed request", "content": {PROBLEM_JSON: {}, **_TEXT_ERROR}},
    404: {"model": Problem, "description": "Unknown resource", "content": {PROBLEM_JSON: {}, **_TEXT_ERROR}},
    422: {
        "model": Problem,
        "description": "Invalid request: every offending field is named",
        "content": {PROBLEM_JSON: {}, **_TEXT_ERROR},
    },
}


#: Header naming the real status of a ``format=text`` error, which is answered with 200 (see :func:`render_problem`).
ERROR_STATUS_HEADER = "TaxAPI-Error-Status"


def wants_text(request: Request) -> bool:
    return request.query_params.get("format") == "text"


def render_problem(body: dict[str, Any], *, text: bool) -> tuple[int, str, bytes, dict[str, str]]:
    """Status, media type, bytes and headers of a problem answer.

    ``text`` (``format=text`` callers, i.e. spreadsheet cells): Excel's ``WEBSERVICE`` and Sheets'
    ``IMPORTDATA`` show only a generic error for a non-2xx answer, so the ``#ERROR: …`` line is sent with
    status 200, the real status in ``TaxAPI-Error-Status`` and ``Cache-Control: no-store`` (docs/sheets.md).
    """
    status = int(body["status"])
    if text:
        line = f"#ERROR: {body['detail']}"[:250].replace("\r", " ").replace("\n", " ") + "\n"
        return 200, "text/plain; charset=utf-8", line.encode("utf-8"), {
            ERROR_STATUS_HEADER: str(status), "Cache-Control": "no-store"}
    return status, PROBLEM_JSON, orjson.dumps(body, default=str), {}


def problem_response(request: Request, body: dict[str, Any]) -> Response:
    status, media_type, content, headers = render_problem(body, text=wants_text(request))
    return Response(content, status_code=status, media_type=media_type, headers=headers)


def _problem(code: ErrorCode, status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    body = {
        "type": PROBLEM_BASE + code.value.replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code.value,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def _clean_loc(loc: tuple[Any, ...] | list[Any]) -> list[str | int]:
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, (str, int)):
            out.append(part)
        else:
            out.append(str(part))
    return out


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid"))
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        errors.append({"loc": _clean_loc(err.get("loc", ())), "msg": msg, "type": str(err.get("type", ""))})
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(TaxApiError)
    async def _taxapi_error(request: Request, exc: TaxApiError) -> Response:
        if exc.status >= 500:
            log.error("server error: %s", exc.detail)
        return problem_response(request, exc.problem())

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = validation_errors(exc)
        named = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5])
        return problem_response(
            request,
            _problem(ErrorCode.validation_error, 422, "Request validation failed", named or "invalid request", errors=errors),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {
            404: ErrorCode.not_found,
            405: ErrorCode.method_not_allowed,
            413: ErrorCode.payload_too_large,
            415: ErrorCode.unsupported_media_type,
        }.get(exc.status_code, ErrorCode.validation_error if exc.status_code < 500 else ErrorCode.internal_error)
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Request error")
        resp = problem_response(request, _problem(code, exc.status_code, title, str(exc.detail)))
        if exc.headers:
            resp.headers.update(exc.headers)
        return resp

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:  # pragma: no cover - defensive
        log.exception("unhandled error")
        return problem_response(
            request,
            _problem(ErrorCode.internal_error, 500, "Internal error", "An unexpected error occurred; it has been logged."),
        )
