"""``POST /v1/thresholds``: JSON body, or a ``text/csv`` ledger streamed to a spooled file."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterator
from operator import itemgetter
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from taxapi.ecb import get_ecb_rates
from taxapi import ingest
from taxapi.errors import UnsupportedMediaType, ValidationFailed
from taxapi.ledgers.upload import COLUMNAR_MEDIA_TYPES, openapi_content, spooled_upload
from taxapi.rate_tables.loader import get_rate_book
from taxapi.thresholds import service
from taxapi.thresholds.ledger import COLUMN_ALIASES, FIELDS, REQUIRED
from taxapi.thresholds.rules import get_threshold_rules
from taxapi.thresholds.schemas import (
    COUNTRY, EXCHANGE_RATE_TEXT, REGION, SALE_ROW_SCHEMA, ThresholdsHead, ThresholdsResponse, check_as_of,
    parse_exchange_rates,
)
from taxapi.wire import IsoDate

router = APIRouter(tags=["thresholds"])

SPOOL_IN_MEMORY = 1024 * 1024
CHUNK = 256 * 1024  # read back in pieces of this size: the records of one piece are held at once
MAX_ERRORS = 50
REQUIRED_JSON = ("date", "ship_to", "net_amount", "currency")


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its ``$defs`` inlined (OpenAPI resolves ``$ref`` from the document root)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(copy.deepcopy(defs[ref.split("/")[-1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def _request_schema() -> dict[str, Any]:
    schema = _inline_refs(ThresholdsHead.model_json_schema())
    schema["title"] = "ThresholdsRequest"
    schema["properties"]["sales"] = {"type": "array", "items": SALE_ROW_SCHEMA, "description": "The sales ledger."}
    schema["required"] = [*schema.get("required", []), "sales"]
    return schema


CSV_COLUMNS = ", ".join(FIELDS)
OPENAPI_EXTRA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _request_schema()},
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": (
                        f"UTF-8 CSV with a header row; columns {CSV_COLUMNS} (dotted names such as ship_to.country "
                        "are accepted too; other columns are ignored). seller_country and as_of go in the query."
                    ),
                }
            },
            **openapi_content(
                "The ledger as a Parquet file (or Arrow IPC) with the CSV's column names (string, decimal, integer, "
                "boolean or date columns; no floating-point amounts). seller_country and as_of go in the query. "
                "Rows are numbered as in a spreadsheet: the first record is row 2."),
        },
    }
}


def _type_errors(sales: Any) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    """JSON sales -> 12-tuples; type errors name each field."""
    errors: list[dict[str, Any]] = []
    rows: list[tuple[Any, ...]] = []

    def err(loc: list[str | int], msg: str) -> None:
        if len(errors) < MAX_ERRORS:
            errors.append({"loc": ["body", "sales", *loc], "msg": msg})

    if not isinstance(sales, list):
        return rows, [{"loc": ["body", "sales"], "msg": "must be an array of sales"}]
    for i, s in enumerate(sales):
        if not isinstance(s, dict):
            err([i], "must be an object")
            continue
        for key in REQUIRED_JSON:
            if key not in s:
                err([i, key], "field required")
        ship_to = s.get("ship_to")
        ship_from = s.get("ship_from")
        if "ship_to" in s and not isinstance(ship_to, dict):
            err([i, "ship_to"], "must be an object")
            ship_to = None
        elif isinstance(ship_to, dict):
            if "country" not in ship_to:
                err([i, "ship_to", "country"], "field required")
            elif not isinstance(ship_to["country"], str):
                err([i, "ship_to", "country"], "must be a string")
            for key in ("region", "postal_code", "city"):
                if ship_to.get(key) is not None and not isinstance(ship_to[key], str):
                    err([i, "ship_to", key], "must be a string or null")
        if ship_from is not None:
            if not isinstance(ship_from, dict):
                err([i, "ship_from"], "must be an object or null")
                ship_from = None
            elif ship_from.get("country") is not None and not isinstance(ship_from["country"], str):
                err([i, "ship_from", "country"], "must be a string or null")
        for key in ("date", "currency"):
            if key in s and not isinstance(s[key], str):
                err([i, key], "must be a string")
        amount = s.get("net_amount")
        if "net_amount" in s and (isinstance(amount, bool) or not isinstance(amount, (str, int, Decimal))):
            err([i, "net_amount"], "must be a decimal string or a number")
        for key in ("customer_type", "category", "channel", "exemption"):
            if s.get(key) is not None and not isinstance(s[key], str):
                err([i, key], "must be a string or null")
        tx = s.get("transactions")
        if tx is not None and (isinstance(tx, bool) or not isinstance(tx, int)):
            err([i, "transactions"], "must be an integer or null")
        if errors:
            continue
        rows.append(
            (
                s["date"], ship_to["country"], ship_to.get("region"), ship_to.get("postal_code"),
                ship_from.get("country") if ship_from else None, amount, s["currency"], s.get("customer_type"),
                s.get("category"), s.get("channel"), tx, s.get("exemption"),
            )
        )
    return rows, errors


def _head(doc: Any) -> ThresholdsHead:
    if not isinstance(doc, dict):
        raise ValidationFailed.at(["body"], "must be a JSON object")
    try:
        return ThresholdsHead.model_validate({k: v for k, v in doc.items() if k != "sales"})
    except ValidationError as exc:
        errors = [
            {"loc": ["body", *[p for p in e["loc"]]], "msg": str(e["msg"]).removeprefix("Value error, ")}
            for e in exc.errors()
        ]
        raise ValidationFailed("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5]), errors=errors) from None


class _CsvLedger:
    """A spooled CSV body (or a ledger file) that can be read twice, as ``(row, 12-tuple)`` pairs; ``row`` is
    the row a spreadsheet shows (:mod:`taxapi.ingest`)."""

    ALIASES = COLUMN_ALIASES

    def __init__(self, spool: Any, deadline: ingest.Deadline | None = None):
        self.spool = spool
        self.deadline = deadline
        parser, _ = ingest.csv_records(ingest.file_chunks(spool, CHUNK), deadline=deadline)
        assert parser.header is not None
        names = [self.ALIASES.get(h.strip().lower()) for h in parser.header]
        missing = [f for f in REQUIRED if f not in names]
        if missing:
            raise ValidationFailed(
                f"CSV header lacks column(s): {', '.join(missing)}",
                errors=[{"loc": ["body", "header", m], "msg": "column required"} for m in missing],
            )
        self.index = [names.index(f) if f in names else None for f in FIELDS]

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        _, records = ingest.csv_records(ingest.file_chunks(self.spool, CHUNK), deadline=self.deadline)
        width = max((i for i in self.index if i is not None), default=-1) + 1
        pick = itemgetter(*(width if i is None else i for i in self.index))  # a short row reads None past its end
        pad = [None] * (width + 1)
        for row, cells in records:
            if not cells or (not cells[0].strip() and ingest.is_blank(cells)):
                continue
            yield row, pick(cells[:width] + pad)


async def _spool(request: Request) -> Any:
    """The body in a spooled file (memory up to 1 MiB, then an unnamed temporary file), under the limit."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    try:
        async for chunk in ingest.body_chunks(request, ingest.get_limits().max_body_bytes_thresholds_csv):
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    return spool


@router.post(
    "/v1/thresholds",
    response_model=ThresholdsResponse,
    summary="Registration thresholds from a sales ledger (EU EUR 10,000, US economic nexus, non-resident thresholds)",
    openapi_extra=OPENAPI_EXTRA,
    responses=ingest.problem_responses(408, 413, 415),
)
async def thresholds(
    request: Request,
    seller_country: str | None = Query(None, pattern=COUNTRY, description="CSV bodies only: seller.country."),
    seller_region: str | None = Query(None, pattern=REGION, description="CSV bodies only: seller.region."),
    seller_other_establishments: str | None = Query(
        None, pattern=r"^[A-Z]{2}(,[A-Z]{2})*$", description="CSV bodies only: comma-separated country codes."
    ),
    as_of: IsoDate | None = Query(None, description="CSV bodies only: the evaluation date."),
    eu_destination_option: bool | None = Query(None, description="CSV bodies only."),
    exchange_rates: list[str] | None = Query(
        None, description=f"CSV, Parquet and Arrow bodies only, repeated: {EXCHANGE_RATE_TEXT}; the JSON body's "
        "`exchange_rates` (rates for the conversions the ECB rates cannot make)."),
) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    query = {
        "seller_country": seller_country, "seller_region": seller_region,
        "seller_other_establishments": seller_other_establishments, "as_of": as_of,
        "eu_destination_option": eu_destination_option, "exchange_rates": exchange_rates,
    }
    if media == "text/csv" or media in COLUMNAR_MEDIA_TYPES:
        missing = [k for k in ("seller_country", "as_of") if query[k] is None]
        if missing:
            raise ValidationFailed(
                f"A {'CSV' if media == 'text/csv' else 'Parquet or Arrow'} ledger needs the query parameter(s) {', '.join(missing)}.",
                errors=[{"loc": ["query", k], "msg": f"required with a {media} body"} for k in missing],
            )
        assert seller_country is not None and as_of is not None
        try:
            check_as_of(as_of)
        except ValueError as exc:
            raise ValidationFailed.at(["query", "as_of"], str(exc)) from None
        seller = service.Seller(
            seller_country, seller_region,
            tuple(seller_other_establishments.split(",")) if seller_other_establishments else (),
        )
        rates = parse_exchange_rates(exchange_rates or [], ["query", "exchange_rates"])
        if media in COLUMNAR_MEDIA_TYPES:
            async with spooled_upload(ingest.body_chunks(request, ingest.get_limits().max_body_bytes_thresholds_csv), media) as upload:
                return await ingest.run_off_loop(_evaluate_file, seller, as_of, bool(eu_destination_option), upload, rates)
        spool = await _spool(request)
        try:
            deadline = ingest.Deadline()
            ledger = await ingest.run_off_loop(_CsvLedger, spool, deadline, deadline=deadline)
            return await ingest.run_off_loop(
                _evaluate, seller, as_of, bool(eu_destination_option), ledger.rows, True, rates, deadline=deadline
            )
        finally:
            spool.close()
    if ingest.is_json(media):
        given = [k for k, v in query.items() if v is not None]
        if given:
            raise ValidationFailed(
                "Query parameters are for CSV bodies; a JSON body carries seller, as_of and eu_destination_option.",
                errors=[{"loc": ["query", k], "msg": "not allowed with a JSON body"} for k in given],
            )
        body = await ingest.read_body(request, ingest.get_limits().max_body_bytes_thresholds_json)
        head, rows = await ingest.run_off_loop(_read_json, body)
        s = head.seller
        seller = service.Seller(s.country, s.region, tuple(s.other_establishments))
        return await ingest.run_off_loop(
            _evaluate, seller, head.as_of, head.eu_destination_option, lambda: rows, False, head.exchange_rates
        )
    raise UnsupportedMediaType(
        f"Send the ledger as application/json, text/csv, {', '.join(COLUMNAR_MEDIA_TYPES)}, not "
        f"'{media or 'no content type'}'.", media_type=media or None
    )


def _read_json(body: bytes) -> tuple[ThresholdsHead, list[tuple[Any, ...]]]:
    """The JSON ledger: its head and the sales as rows, or a 422 naming every bad field."""
    doc = ingest.parse_json(body)
    head = _head(doc)
    if "sales" not in doc:
        raise ValidationFailed.at(["body", "sales"], "field required")
    rows, errors = _type_errors(doc["sales"])
    if errors:
        raise ValidationFailed(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5]), errors=errors
        )
    return head, rows


def _evaluate_file(seller: service.Seller, as_of: Any, option: bool, upload: Any, rates: Any) -> dict[str, Any]:
    from taxapi.ledgers.cluster import Engine
    from taxapi.ledgers.thresholds import evaluate_files

    with Engine() as engine:
        return evaluate_files([upload], seller=seller, as_of=as_of, eu_destination_option=option, engine=engine, loc="body",
                              exchange_rates=rates)


def _evaluate(
    seller: service.Seller, as_of: Any, option: bool, rows: Any, numbered: bool = False, rates: Any = ()
) -> dict[str, Any]:
    book = get_rate_book()
    return service.evaluate(
        seller=seller,
        as_of=as_of,
        eu_destination_option=option,
        rows=rows,
        numbered=numbered,
        rules=get_threshold_rules(),
        ecb=get_ecb_rates(),
        book=book,
        rates_version=book.version,
        exchange_rates=rates,
    )

