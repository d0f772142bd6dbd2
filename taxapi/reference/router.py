"""Reference endpoints: rates, categories, jurisdictions, tax ids."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from taxapi.categories import Category
from taxapi.errors import TaxApiError
from taxapi.rate_tables.loader import get_rate_book
from taxapi.reference import service
from taxapi.tax_ids import validate_tax_id
from taxapi.wire import IsoDate

router = APIRouter(tags=["reference"])

DATE_HELP = (
    "Date the rates must be in force on (YYYY-MM-DD). When omitted, the release's stated as-of date "
    "(see `rates_version`) is used, never the server clock."
)


class Health(BaseModel):
    status: str
    rates_version: str


class LevelRate(BaseModel):
    jurisdiction: str
    level: str
    rate_kind: str
    rate_percent: str
    source: str


class RateAnswer(BaseModel):
    rates_version: str
    jurisdiction: str
    name: str
    tax_name: str
    currency: str
    date: str
    category: str
    rate_kind: str
    rate_percent: str
    source: str
    category_source: str
    effective_from: str
    effective_to: str | None
    rates: dict[str, str]
    breakdown: list[LevelRate]
    note: str | None = None


class RateRow(BaseModel):
    jurisdiction: str
    name: str
    country: str
    currency: str
    regime: str
    tax_name: str
    standard: str | None
    reduced: str | None
    second_reduced: str | None
    super_reduced: str | None
    second_super_reduced: str | None
    parking: str | None
    effective_from: str
    source: str


class RatesTable(BaseModel):
    rates_version: str
    date: str
    rates: list[RateRow]


class CategoryMapping(BaseModel):
    rate_kind: str
    rate_percent: str


class CategoryEntry(BaseModel):
    category: str
    description: str
    jurisdictions: dict[str, CategoryMapping]


class CategoriesAnswer(BaseModel):
    rates_version: str
    date: str
    categories: list[CategoryEntry]


class MatchEntry(BaseModel):
    country: str
    region: str | None
    postal_code: str | None
    city: list[str] | None = Field(None, description="The postcode matches only for an address in one of these towns "
                                   "(a postcode several towns share); without a city it is the ordinary country.")
    note: str | None = Field(None, description="Where the rule comes from: the sources of the postcode and of the "
                             "territory's status.")


class JurisdictionEntry(BaseModel):
    jurisdiction: str
    name: str
    country: str
    parent: str | None
    currency: str
    regime: str
    tax_name: str
    tax_type: str | None
    table_starts: str
    source: str
    file: str
    match: list[MatchEntry]


class JurisdictionsAnswer(BaseModel):
    rates_version: str
    count: int
    jurisdictions: list[JurisdictionEntry]


class TaxIdAnswer(BaseModel):
    rates_version: str
    valid: bool
    country: str
    compact: str
    kind: str
    reason: str | None = None
    checked: Literal["format_and_check_digits"] = "format_and_check_digits"


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> Response:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8")


@router.get("/healthz", response_model=Health, tags=["meta"])
async def healthz() -> dict[str, str]:
    return {"status": "ok", "rates_version": get_rate_book().version}


@router.get(
    "/v1/rates",
    response_model=RatesTable,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    summary="Rates in force on a date, one row per jurisdiction",
)
def list_rates(
    date_: IsoDate | None = Query(None, alias="date", description=DATE_HELP),
    country: str | None = Query(None, min_length=2, max_length=2, pattern="^[A-Za-z]{2}$", description="Only this country and its territories."),
    format: Literal["json", "csv"] = Query("json"),
) -> Any:
    book = get_rate_book()
    day = date_ or book.as_of
    rows = service.rates_table(book, day, country)
    if format == "csv":
        return _csv(rows, list(RateRow.model_fields))
    return {"rates_version": book.version, "date": day.isoformat(), "rates": rows}


@router.get(
    "/v1/rates/{jurisdiction}",
    response_model=RateAnswer,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}}}}},
    summary="One rate: a category in a jurisdiction on a date",
)
def get_rate(
    jurisdiction: str = Path(..., min_length=2, max_length=16, description="Jurisdiction id (DE, ES-CN, XI, US-CA, CA-ON) or alias (EL)."),
    date_: IsoDate | None = Query(None, alias="date", description=DATE_HELP),
    category: Category = Query(Category.general),
    format: Literal["json", "csv", "text"] = Query("json", description="`text` answers the bare percentage (`19`), for =WEBSERVICE()."),
) -> Any:
    book = get_rate_book()
    j = book.get(jurisdiction)
    day = date_ or book.as_of
    try:
        answer = service.rate_answer(book, j, category, day)
    except TaxApiError as exc:
        raise exc.located("query") from None
    if format == "text":
        return PlainTextResponse(answer["rate_percent"])
    if format == "csv":
        cols = ["jurisdiction", "date", "category", "rate_kind", "rate_percent", "currency", "source", "rates_version"]
        return _csv([answer], cols)
    return answer


@router.get("/v1/categories", response_model=CategoriesAnswer, summary="Product tax categories and the rate kind each maps to per jurisdiction")
def list_categories(
    date_: IsoDate | None = Query(None, alias="date", description=DATE_HELP),
    jurisdiction: str | None = Query(None, min_length=2, max_length=16),
) -> Any:
    book = get_rate_book()
    day = date_ or book.as_of
    return {"rates_version": book.version, "date": day.isoformat(), "categories": service.categories_table(book, day, jurisdiction)}


@router.get("/v1/jurisdictions", response_model=JurisdictionsAnswer, summary="Supported jurisdictions")
def list_jurisdictions() -> Any:
    book = get_rate_book()
    items = service.jurisdictions_list(book)
    return {"rates_version": book.version, "count": len(items), "jurisdictions": items}


@router.get("/v1/tax-ids/{id:path}", response_model=TaxIdAnswer, summary="Offline format and check-digit validation of a tax number")
def check_tax_id(
    id: str = Path(..., min_length=1, max_length=40),
    country: str | None = Query(None, min_length=2, max_length=2, pattern="^[A-Za-z]{2}$"),
) -> Any:
    result = validate_tax_id(id, country)
    return {
        "rates_version": get_rate_book().version,
        "valid": result.valid,
        "country": result.country,
        "compact": result.compact,
        "kind": result.kind,
        "reason": result.reason,
    }
