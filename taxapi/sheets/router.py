"""Spreadsheet endpoints: ``GET /v1/price`` and ``POST /v1/batch`` (api.md §4)."""

from __future__ import annotations

import csv
import io
import re
from functools import partial
from decimal import Decimal
from typing import Any, Literal

import orjson
from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.datastructures import UploadFile

from taxapi import ingest
from taxapi.categories import Category
from taxapi.ecb import get_ecb_rates
from taxapi.errors import UnsupportedMediaType, ValidationFailed
from taxapi.rate_tables.loader import get_rate_book
from taxapi.routing import Operations, query_model
from taxapi.sheets import batch, service
from taxapi.sheets.files import XLSX_MEDIA_TYPE
from taxapi.sheets.numbers import LOCALE_PATTERN, NumberFormat, number_format
from taxapi.sheets.schemas import PriceAnswer, PriceLine, PriceTable
from taxapi.wire import IsoDate

operations = Operations(tags=["sheets"])

DESTINATION = r"[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?"
CSV_COLUMNS = [*(n for n in PriceLine.model_fields if n != "warnings"), "warnings", "rates_version"]
MONEY_FIELDS = {"net": "net_amount", "tax": "tax_amount", "gross": "gross_amount", "withheld": "withheld_by_marketplace",
                "seller_proceeds": "seller_proceeds", "seller_keeps": "seller_keeps"}
CSV_TYPES = {"text/csv", "application/csv", "text/plain", "text/tab-separated-values", "application/vnd.ms-excel"}


def _nf(locale: str | None) -> NumberFormat:
    try:
        return number_format(locale)
    except ValueError as exc:
        raise ValidationFailed.at(["query", "locale"], str(exc)) from None


def _parse(name: str, value: str | None, nf: NumberFormat) -> Any:
    if value is None or not value.strip():
        return None
    try:
        return service.parse_field(name, value, nf)
    except ValueError as exc:
        raise ValidationFailed.at(["query", name], str(exc)) from None


def _csv_text(rows: list[dict[str, Any]], nf: NumberFormat, rates_version: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    money = {"amount", "net_amount", "tax_amount", "gross_amount", "rate_percent", "tax_collected_by_seller",
             "tax_collected_by_marketplace", "tax_due_at_import", "tax_reverse_charged", "withheld_by_marketplace",
             "seller_proceeds", "seller_keeps"}
    for row in rows:
        cells = []
        for col in CSV_COLUMNS:
            value = rates_version if col == "rates_version" else row.get(col)
            if col == "warnings":
                value = service.warning_codes(w["code"] for w in row["warnings"])
            elif col in money:
                value = nf.format(Decimal(value))
            elif isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, str):
                value = ingest.neutralise(value)  # postal_code and region are echoed from the query
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return buf.getvalue()


class PriceQuery(BaseModel):
    """Query parameters of ``GET /v1/price``, validated in one pass (FastAPI's per-parameter solving costs more
    than the price itself)."""

    model_config = ConfigDict(extra="ignore")

    date: IsoDate = Field(description="Tax date (YYYY-MM-DD). Required: there is no server 'today'; in a sheet pass "
                                      "`TEXT(TODAY();\"yyyy-mm-dd\")`.")
    amount: str = Field(min_length=1, max_length=40, description="Net amount to keep (prices_include_tax=false) or the shelf "
                        "price (true). Written as in `locale` (`1.234,56` for de_DE), else `1234.56`.")
    country: str | None = Field(None, pattern=f"^{DESTINATION}$", description="Destination country; `US-CA` style includes the state.")
    countries: str | None = Field(None, max_length=400, pattern=rf"^\s*{DESTINATION}(\s*,\s*{DESTINATION})*\s*$",
                                  description="Price table: comma-separated destinations (`DE,FR,IT,US-CA`), one row each.")
    region: str | None = Field(None, pattern="^[A-Za-z0-9]{1,3}$", description="US state / Canadian province (with `country`).")
    postal_code: str | None = Field(None, max_length=16, description="Decides special territories and US local rates (with `country`).")
    city: str | None = Field(None, max_length=200, description="Decides a postcode several towns share (22060: Campione d'Italia "
                             "or another Como town); without it such a postcode is the ordinary country, with a warning.")
    prices_include_tax: bool = Field(False, description="`false`: amount is net, tax added. `true`: amount is gross, tax inside.")
    category: Category = Category.general
    currency: str | None = Field(None, pattern="^[A-Za-z]{3}$", description="Currency of amount. Default: the destination's currency.")
    locale: str | None = Field(None, pattern=LOCALE_PATTERN, description="`de_DE`, `fr_FR`...: how `amount` is read and how "
                               "numbers are written in text and csv answers.")
    marketplace: str | None = Field(None, max_length=200, description="Sold through this marketplace, which facilitates the sale "
                                    "(it may be the deemed supplier and withhold the tax). Default: a direct sale.")
    seller_country: str | None = Field(None, pattern=f"^{DESTINATION}$", description="Where the seller is established "
                                       "(`US-CA` with its state). Default: the destination country (and state).")
    ship_from: str | None = Field(None, pattern=f"^{DESTINATION}$", description="Where the goods start (`US-CA` with its state). "
                                  "Default: the destination country (a local warehouse).")
    seller_type: Literal["business", "individual"] | None = Field(
        None, description="`business` (default) or `individual`: marketplace withholdings differ (Mexico, Vietnam, Indonesia).")
    payout_country: str | None = Field(None, pattern="^[A-Za-z]{2}$", description="Where the marketplace pays the seller "
                                       "(the payout account's country). Default: the seller's country.")
    registrations: str | None = Field(None, max_length=2000, description="Where the seller is registered to collect, "
                                      "comma-separated (`MX` when it has an RFC; `MX,US-CA`); `none`: registered nowhere. "
                                      "Not sent: unknown (a withholding that depends on it is not applied, with a warning).")
    payouts_this_year: str | None = Field(None, min_length=1, max_length=40, description="What the marketplace has paid the "
                                          "seller this calendar year before this sale, in the price's currency (as written "
                                          "in `locale`), for withholdings that start above a threshold (PH, ID).")
    remessa_conforme: bool = Field(False, description="The marketplace is certified in Brazil's Remessa Conforme programme: it "
                                   "collects the import tax and ICMS of a parcel from abroad at checkout (with `marketplace`).")
    format: Literal["json", "text", "csv"] = "json"
    field: Literal["net", "tax", "gross", "withheld", "seller_proceeds", "seller_keeps"] | None = Field(
        None, description="For format=text: which number (`withheld`: what the marketplace withholds from the seller's payout). "
                          "Default: the other side of the price (gross for net amounts, net for gross).")


@operations.get(
    "/v1/price",
    query=PriceQuery,
    responses={
        200: {
            "description": "Net, tax and gross of one price (or a table with `countries=`). `format=text`: one bare number; "
                           "`format=csv`: a header line and one row per country. `TaxAPI-Rates-Version` names the rate tables.",
            "model": PriceAnswer | PriceTable,
            "content": {"text/plain": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}}},
        }
    },
    summary="Net, tax and gross of one price in one or several countries (spreadsheet pricing)",
)
async def get_price(request: Request) -> Response:
    q = query_model(request, PriceQuery)
    nf = _nf(q.locale)
    if (q.country is None) == (q.countries is None):
        raise ValidationFailed.at(["query", "country"], "give exactly one of country and countries")
    if q.countries is not None and (q.region or q.postal_code or q.city):
        raise ValidationFailed.at(["query", "region" if q.region else "postal_code" if q.postal_code else "city"],
                                  "applies to one country; write the state into countries (US-CA)")
    if q.countries is not None and q.format == "text":
        raise ValidationFailed.at(["query", "format"], "text answers one number: use country, or format=csv for a table")
    dests: list[tuple[str, str | None]] = []
    for i, text in enumerate(q.countries.split(",") if q.countries is not None else []):
        try:
            dests.append(service.parse_destination(text))
        except ValueError as exc:
            raise ValidationFailed.at(["query", "countries", i], str(exc)) from None
    values = {
        "country": _parse("country", q.country, nf) if q.country is not None else dests[0],
        "amount": _parse("amount", q.amount, nf),
        "date": q.date,
        "prices_include_tax": q.prices_include_tax,
        "category": q.category,
        "region": _parse("region", q.region, nf),
        "postal_code": _parse("postal_code", q.postal_code, nf),
        "city": _parse("city", q.city, nf),
        "currency": _parse("currency", q.currency, nf),
        "marketplace": _parse("marketplace", q.marketplace, nf),
        "seller_country": _parse("seller_country", q.seller_country, nf),
        "ship_from": _parse("ship_from", q.ship_from, nf),
        "seller_type": q.seller_type,
        "payout_country": _parse("payout_country", q.payout_country, nf),
        "registrations": _parse("registrations", q.registrations, nf),
        "payouts_this_year": _parse("payouts_this_year", q.payouts_this_year, nf),
        "remessa_conforme": q.remessa_conforme,
    }
    try:
        facts = service.facts_from(values)
    except ValueError as exc:
        raise ValidationFailed.at(["query", "region"], str(exc).removeprefix("region: ")) from None
    book, fx = get_rate_book(), get_ecb_rates()
    headers: dict[str, str] = {}  # TaxAPI-Rates-Version is added to every answer by taxapi/middleware.py
    if q.countries is not None:
        if len(dests) > service.MAX_TABLE_COUNTRIES:
            raise ValidationFailed.at(["query", "countries"], f"at most {service.MAX_TABLE_COUNTRIES} countries")
        table = service.price_table(destinations=dests, facts=facts, book=book, fx=fx)
        if q.format == "csv":
            return Response(_csv_text(table["prices"], nf, book.version), media_type="text/csv; charset=utf-8", headers=headers)
        return Response(orjson.dumps(table), media_type="application/json", headers=headers)
    answer = service.price(facts=facts, book=book, fx=fx)
    if q.format == "text":
        key = MONEY_FIELDS[q.field or ("net" if q.prices_include_tax else "gross")]
        return PlainTextResponse(nf.format(Decimal(answer[key])), headers=headers)
    if q.format == "csv":
        return Response(_csv_text([answer], nf, book.version), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(orjson.dumps(answer), media_type="application/json", headers=headers)


_BINARY = {"type": "string", "format": "binary"}

BatchQuery = create_model(
    "BatchQuery",
    __doc__="Query parameters of ``POST /v1/batch``: defaults for rows without the column, and how the file is written.",
    **{name: (str | None, Field(None, description=f"Default `{name}` for rows without one.")) for name in service.INPUT_FIELDS},
    locale=(str | None, Field(None, pattern=LOCALE_PATTERN, description="How amounts in text cells are written (`de_DE`: "
                              "`1.234,56`) and how CSV numbers are written back.")),
    delimiter=(Literal[",", ";", "tab"] | None, Field(None, description="CSV delimiter; sniffed from the header line when omitted.")),
    formulas=(Literal["escape", "keep"], Field("escape", description=(
        "`escape`: text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) comes back with a `'` in "
        "front in CSV and as a text cell in XLSX. `keep`: as it came (formulas stay formulas)."))),
)


@operations.post(
    "/v1/batch",
    responses={
        200: {
            "description": "The same file type with the original columns untouched, in order, plus net_amount, tax_amount, "
                           "gross_amount, rate_percent, jurisdiction, taxability_reason, withheld_by_marketplace, "
                           "seller_proceeds, seller_keeps, "
                           "currency, warnings (the codes /v1/price gives, space-separated) and error. "
                           "`TaxAPI-Rates-Version` names the rate tables used.",
            "content": {"text/csv": {"schema": {"type": "string"}}, XLSX_MEDIA_TYPE: {"schema": _BINARY}},
        },
        **ingest.problem_responses(408, 413, 415),
    },
    query=BatchQuery,
    raw_body={
        "text/csv": {"schema": {"type": "string"}},
        XLSX_MEDIA_TYPE: {"schema": _BINARY},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": _BINARY}}},
    },
    summary="Price a whole price list (CSV or XLSX): the same file back with net, tax and gross per row",
)
async def post_batch(request: Request) -> Response:
    query: dict[str, str] = dict(request.query_params)
    media = ingest.media_type(request)
    limits = ingest.get_limits()
    if media != "multipart/form-data":
        limit = {XLSX_MEDIA_TYPE: limits.max_body_bytes_batch_xlsx}.get(
            media, max(limits.max_body_bytes_batch_csv, limits.max_body_bytes_batch_xlsx) if media in ("", "application/octet-stream")
            else limits.max_body_bytes_batch_csv)
        if media and media not in CSV_TYPES and media not in (XLSX_MEDIA_TYPE, "application/octet-stream"):
            raise _unsupported(media)
        data = await ingest.read_body(request, limit)
        return await _batch(data, media, query, "prices")
    # The whole form is counted as it arrives: an upload over the limit is refused, not spooled.
    limit = max(limits.max_body_bytes_batch_csv, limits.max_body_bytes_batch_xlsx) + FORM_OVERHEAD
    ingest.declared_length(request, limit)
    request._receive = ingest.limited_receive(request.receive, limit)
    form = await request.form(max_files=1, max_fields=50)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed.at(["body", "file"], "upload the price list as the form field 'file'")
        for key, value in form.items():
            if isinstance(value, str) and key not in query:
                query[key] = value  # form fields are defaults too, like query parameters
        filename = upload.filename or ""
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", filename.rsplit(".", 1)[0])[:80] or "prices"
        media = (upload.content_type or "").split(";")[0].strip().lower()
        if filename.lower().endswith(".xlsx"):
            media = XLSX_MEDIA_TYPE
        elif filename.lower().endswith((".csv", ".tsv", ".txt")):
            media = "text/csv"
        data = await upload.read()
    finally:
        await form.close()
    return await _batch(data, media, query, name)


FORM_OVERHEAD = 64 * 1024  # boundaries, part headers and the other form fields


def _unsupported(media: str) -> UnsupportedMediaType:
    return UnsupportedMediaType(
        f"Send a CSV (text/csv) or XLSX ({XLSX_MEDIA_TYPE}) body, or a multipart upload; got '{media}'.",
        errors=[{"loc": ["header", "content-type"], "msg": "unsupported media type"}],
    )


async def _batch(data: bytes, media: str, query: dict[str, str], name: str) -> Response:
    nf = _nf(query.get("locale"))
    formulas = query.pop("formulas", "escape")
    if formulas not in ("escape", "keep"):
        raise ValidationFailed.at(["query", "formulas"], "must be 'escape' (the default) or 'keep'")
    delimiter = query.get("delimiter")
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter, delimiter)
        if delimiter not in (",", ";", "\t"):
            raise ValidationFailed.at(["query", "delimiter"], "must be ',', ';' or 'tab'")
    if media in ("application/octet-stream", ""):
        media = XLSX_MEDIA_TYPE if data.startswith(b"PK\x03\x04") else "text/csv"
    limits = ingest.get_limits()
    book, fx = get_rate_book(), get_ecb_rates()
    headers: dict[str, str] = {}  # TaxAPI-Rates-Version is added to every answer by taxapi/middleware.py
    deadline = ingest.Deadline()
    keep = formulas == "keep"
    if media == XLSX_MEDIA_TYPE:
        if len(data) > limits.max_body_bytes_batch_xlsx:
            raise ingest.too_large(limits.max_body_bytes_batch_xlsx, "The XLSX file")
        body = await ingest.run_off_loop(partial(batch.xlsx_batch, data=data, query=query, nf=nf, book=book, fx=fx,
                                                 keep_formulas=keep, deadline=deadline), deadline=deadline)
        headers["Content-Disposition"] = f'attachment; filename="{name}-priced.xlsx"'
        return Response(body, media_type=XLSX_MEDIA_TYPE, headers=headers)
    if media not in CSV_TYPES:
        raise _unsupported(media)
    if len(data) > limits.max_body_bytes_batch_csv:
        raise ingest.too_large(limits.max_body_bytes_batch_csv, "The CSV file")
    if media == "text/tab-separated-values" and delimiter is None:
        delimiter = "\t"
    chunks = (data[i:i + CHUNK] for i in range(0, len(data), CHUNK))
    body = await ingest.run_off_loop(partial(batch.csv_batch, chunks=chunks, delimiter=delimiter, query=query, nf=nf,
                                             book=book, fx=fx, keep_formulas=keep, deadline=deadline), deadline=deadline)
    charset = "utf-16" if body.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    headers["Content-Disposition"] = f'attachment; filename="{name}-priced.csv"'
    return Response(body, media_type=f"text/csv; charset={charset}", headers=headers)


CHUNK = 1 << 20
