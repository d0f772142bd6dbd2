"""``POST /v1/oss/summary``: OSS / IOSS return data from a ledger (JSON rows or a streamed CSV body)."""

from __future__ import annotations

from functools import partial
from collections.abc import Awaitable
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from taxapi import ingest
from taxapi.ecb import get_ecb_rates
from taxapi.errors import ExchangeRateNotFound, TaxApiError, UnsupportedMediaType, ValidationFailed
from taxapi.ledgers.upload import COLUMNAR_MEDIA_TYPES, openapi_content, spooled_upload
from taxapi.oss import formats, service
from taxapi.oss.periods import PERIOD_PATTERN
from taxapi.oss.schemas import OssSummary, OssSummaryRequest
from taxapi.rate_tables.loader import get_rate_book

router = APIRouter(tags=["oss"])

FEED_BYTES = 1 << 20  # hand the parser about 1 MB at a time

_CSV_EXAMPLE = (
    "id,date,country_of_consumption,ship_from_country,supply,rate_percent,net_amount,tax_amount,currency,deemed_supplier,original_period\n"
    "1001,2026-08-03,FR,DE,goods,20,100.00,20.00,EUR,false,\n"
    "1002,2026-09-12,AT,,services,20,50.00,10.00,USD,false,\n"
)

_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": OssSummaryRequest.model_json_schema(ref_template="#/components/schemas/{model}"),
        },
        "text/csv": {
            "schema": {
                "type": "string",
                "description": (
                    "The ledger as CSV (UTF-8, comma or semicolon separated, header line with the row field names "
                    "in any order; extra columns are ignored). Streamed: any size. `scheme`, `period` and "
                    "`member_state_of_identification` go in the query."
                ),
            },
            "example": _CSV_EXAMPLE,
        },
        **openapi_content(
            "The ledger as a Parquet file (or Arrow IPC), with the CSV's column names: string, decimal, integer, "
            "boolean or date columns (no floating-point amounts). Rows are numbered as in a spreadsheet: the "
            "first record is row 2. `scheme`, `period` and `member_state_of_identification` go in the query."),
    },
}

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The return data. JSON by default; `Accept: text/csv` or `format=csv`: the lines as CSV; "
                       "`format=bzst`: the BZSt upload file (a zip of several files beyond 6,000 lines); "
                       "`format=html`: a page to check against the filing portal.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    **ingest.problem_responses(408, 413, 415),
}


def _choose_format(request: Request, fmt: str | None) -> str:
    if fmt:
        return fmt
    accept = request.headers.get("accept", "").lower()
    if "text/csv" in accept:
        return "csv"
    if "text/html" in accept and "application/json" not in accept:
        return "html"
    return "json"


def _vat_ids_from_query(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, value in enumerate(values):
        cc, sep, number = value.partition(":")
        if not sep or len(cc.strip()) != 2 or not cc.strip().isalpha() or not number.strip():
            raise ValidationFailed.at(["query", "establishment_vat_id", i], "must be COUNTRY:NUMBER, e.g. PL:PL5260001246")
        out[cc.strip().upper()] = number.strip()
    return out


async def _finish(summary: Awaitable[dict[str, Any]], *, where: str) -> dict[str, Any]:
    """The return; an exchange rate missing for the period is located at the period (in the ``query`` with a
    CSV, Parquet or Arrow body, else in the ``body``)."""
    try:
        return await summary
    except ExchangeRateNotFound as exc:
        raise exc.located(where) from None


def _bzst_located(exc: TaxApiError, *, json_body: bool) -> TaxApiError:
    """A BZSt file's refusal located in the request: the query's ``format`` (or ``bzst_corrections``), and a missing
    VAT number where the caller gives it (the body's ``establishment_vat_ids``, the query's ``establishment_vat_id``)."""
    if exc.errors:
        exc.errors = [
            {**e, "loc": (["body", *e["loc"]] if json_body else ["query", "establishment_vat_id"])
             if e["loc"][:1] == ["establishment_vat_ids"] else ["query", *e["loc"]]}
            for e in exc.errors
        ]
    return exc


def _render(summary: dict[str, Any], fmt: str, vat_ids: dict[str, str], bzst_corrections: str, *, json_body: bool = False) -> Any:
    headers: dict[str, str] = {}  # TaxAPI-Rates-Version is added to every answer by taxapi/middleware.py
    if fmt == "csv":
        return Response(formats.summary_csv(summary), media_type="text/csv; charset=utf-8", headers=headers)
    if fmt == "html":
        return HTMLResponse(formats.summary_html(summary), headers=headers)
    if fmt == "bzst":
        try:
            files = formats.bzst_files(summary, establishment_vat_ids=vat_ids, corrections=bzst_corrections,
                                       max_lines=formats.BZST_MAX_DATA_LINES)
        except TaxApiError as exc:
            raise _bzst_located(exc, json_body=json_body) from None
        if len(files) == 1:
            name, text = files[0]
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
            return Response(text, media_type="text/csv; charset=utf-8", headers=headers)
        name = files[0][0].rsplit("_", 1)[0] + ".zip"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return Response(formats.zip_files(files), media_type="application/zip", headers=headers)
    return summary


@router.post(
    "/v1/oss/summary",
    response_model=OssSummary,
    responses=_RESPONSES,
    summary="OSS / IOSS return data from a ledger: per country of consumption and rate, in EUR",
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def oss_summary(
    request: Request,
    scheme: Literal["union", "non_union", "ioss"] | None = Query(None, description="Required with a CSV body."),
    period: str | None = Query(None, pattern=PERIOD_PATTERN, description="Required with a CSV body: `2026-Q3` or `2026-07`."),
    member_state_of_identification: str | None = Query(None, pattern="^[A-Za-z]{2}$", description="Required with a CSV body."),
    format: Literal["json", "csv", "bzst", "html"] | None = Query(
        None, description="Response format; without it `Accept: text/csv` gives CSV, else JSON."),
    bzst_corrections: Literal["refuse", "manual"] = Query(
        "refuse", description="`manual`: write the BZSt file although the return has corrections (you enter those in the portal)."),
    establishment_vat_id: list[str] = Query(
        [], description="With a CSV body: `PL:PL5260001246`, the VAT (or tax) number in each dispatch / establishment Member State (for format=bzst)."),
) -> Any:
    fmt = _choose_format(request, format)
    book, ecb = get_rate_book(), get_ecb_rates()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    columnar = content_type in COLUMNAR_MEDIA_TYPES
    if content_type in ("text/csv", "application/csv", "text/plain") or columnar:
        kind = "CSV" if not columnar else "Parquet or Arrow"
        missing = [n for n, v in (("scheme", scheme), ("period", period),
                                  ("member_state_of_identification", member_state_of_identification)) if v is None]
        if missing:
            raise ValidationFailed(
                f"with a {kind} body, " + ", ".join(missing) + " must be given as query parameters",
                errors=[{"loc": ["query", n], "msg": f"required with a {kind} body"} for n in missing],
            )
        vat_ids = _vat_ids_from_query(establishment_vat_id)
        assert scheme is not None and period is not None and member_state_of_identification is not None
        spec = service.return_spec(scheme=scheme, period=period,
                                   member_state_of_identification=member_state_of_identification, loc="query")
        if columnar:
            from taxapi.ledgers.oss import file_partial

            async with spooled_upload(ingest.body_chunks(request, ingest.get_limits().max_body_bytes_oss_csv), content_type) as upload:
                part = await run_in_threadpool(file_partial, upload, spec=spec, currencies=ecb.currencies(), loc="body")
            summary = await _finish(run_in_threadpool(service.finish, part, book=book, ecb=ecb), where="query")
            return _render(summary, fmt, vat_ids, bzst_corrections)
        ledger = service.OssLedger(spec, _currencies=frozenset(ecb.currencies()))
        # Streamed: each piece is read as it arrives (its work bounded by its size and the record limit),
        # so the time limit covers what is left once the upload is in, not the upload itself.
        reader = service.CsvLedgerReader(ledger, loc="body")
        pending: list[bytes] = []
        size = 0
        async for chunk in ingest.body_chunks(request, ingest.get_limits().max_body_bytes_oss_csv):
            pending.append(chunk)
            size += len(chunk)
            if size >= FEED_BYTES:
                await ingest.run_off_loop(reader.feed, b"".join(pending))
                pending, size = [], 0
        if pending:
            await ingest.run_off_loop(reader.feed, b"".join(pending))
        deadline = ingest.Deadline()
        await ingest.run_off_loop(reader.close, deadline=deadline)
        summary = await _finish(ingest.run_off_loop(partial(service.finish, ledger.partial(), book=book, ecb=ecb),
                                                    deadline=deadline), where="query")
        return _render(summary, fmt, vat_ids, bzst_corrections)

    if not ingest.is_json(content_type):
        raise UnsupportedMediaType(
            f"Send the ledger as application/json, text/csv, {', '.join(COLUMNAR_MEDIA_TYPES)}, not '{content_type or 'no content type'}'.",
            content_type=content_type or None)
    raw = await ingest.read_body(request, ingest.get_limits().max_body_bytes_oss_json)
    body = await ingest.run_off_loop(ingest.validate_json, OssSummaryRequest, raw)
    clashes = [
        {"loc": ["query", n], "msg": f"differs from the body's {n} ({getattr(body, n)!s})"}
        for n, v in (("scheme", scheme), ("period", period), ("member_state_of_identification", member_state_of_identification))
        if v is not None and v.upper() != str(getattr(body, n)).upper()
    ]
    if clashes:
        raise ValidationFailed("query parameters contradict the JSON body", errors=clashes)
    if establishment_vat_id:
        raise ValidationFailed.at(["query", "establishment_vat_id"], "with a JSON body, give establishment_vat_ids in the body")
    summary = await _finish(run_in_threadpool(
        service.summarize_rows,
        scheme=body.scheme, period=body.period, member_state_of_identification=body.member_state_of_identification,
        transactions=body.transactions, book=book, ecb=ecb,
    ), where="body")
    return _render(summary, fmt, body.establishment_vat_ids or {}, bzst_corrections, json_body=True)
