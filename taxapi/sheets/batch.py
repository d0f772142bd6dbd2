"""``POST /v1/batch``: a price list in, the same file type out, one output row per input row, in order.

Columns are the ``/v1/price`` parameter names (``country``, ``region``, ``postal_code``,
``amount``, ``prices_include_tax``, ``category``, ``date``, ``currency``, ``marketplace``,
``seller_country``, ``seller_region``, ``ship_from``, ``ship_from_region``; headers are matched
case-insensitively, spaces and dots read as ``_``, and the flattened ``/v1/calculate`` names such
as ``ship_to.country`` are understood). Query parameters of the same names are the defaults for
missing columns and empty cells. Other columns are copied untouched.

Added columns: :data:`~taxapi.sheets.service.OUTPUT_COLUMNS`. When the file already has a column
of that name, the input column is kept and the added one is prefixed ``result_`` (again, until the
name is free). A row that cannot be priced keeps its place with ``error`` filled; empty rows in the
middle are answered with ``error`` = ``empty row``; empty rows at the end are dropped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from taxapi.ecb import EcbRates
from taxapi.rate_tables.model import RateBook
from taxapi.sheets.files import CsvOut, CsvStream, XlsxSheet, is_blank, read_xlsx, write_xlsx
from taxapi.sheets.numbers import NumberFormat
from taxapi.sheets.service import MONEY_COLUMNS, OUTPUT_COLUMNS, BatchPlan, plan_batch

EMPTY_ROW = "empty row"
_BLANK_OUT = (None,) * (len(OUTPUT_COLUMNS) - 1)
#: Number formats of the added XLSX columns (money keeps its minor units; the rate as it is).
_XLSX_FORMATS = tuple("money" if col in MONEY_COLUMNS else None for col in OUTPUT_COLUMNS)


def _fit(cells: Sequence[Any], width: int) -> tuple[list[Any], str | None]:
    """Cells padded or cut to the header's width; an error when values stand beyond it."""
    row = list(cells[:width])
    if len(row) < width:
        row.extend([None] * (width - len(row)))
    extra = cells[width:]
    if extra and not is_blank(extra):
        return row, f"the row has {len(cells)} values but the header names {width} columns"
    return row, None


async def csv_batch(*, chunks: AsyncIterator[bytes], delimiter: str | None, query: Mapping[str, str],
                    nf: NumberFormat, book: RateBook, fx: EcbRates) -> AsyncIterator[bytes]:
    """Check the header (raising a 4xx error before anything is sent), then the priced rows as they are read."""
    stream = CsvStream(chunks, delimiter=delimiter)
    header = await stream.open()
    plan = plan_batch(header=header, query=query, nf=nf, book=book, fx=fx)
    return _csv_rows(stream, header, plan)


async def _csv_rows(stream: CsvStream, header: list[str], plan: BatchPlan) -> AsyncIterator[bytes]:
    assert stream.delimiter is not None
    out = CsvOut(delimiter=stream.delimiter, bom=stream.bom, format_number=plan.nf.format)
    if stream.sep_line is not None:
        out.raw_line(stream.sep_line)
    out.row([*header, *plan.output_names])
    yield out.take()
    width = len(header)
    blanks: list[list[Any]] = []
    async for records in stream.batches():
        for rec in records:
            if is_blank(rec):
                blanks.append(rec)
                continue
            for blank in blanks:
                out.row([*_fit(blank, width)[0], *_BLANK_OUT, EMPTY_ROW])
            blanks.clear()
            cells, problem = _fit(rec, width)
            if problem is None and any("\ufffd" in c for c in rec):
                problem = "the row is not valid UTF-8 text (save the file as 'CSV UTF-8')"
            out.row([*cells, *(plan.price_row(cells) if problem is None else (*_BLANK_OUT, problem))])
        data = out.take()
        if data:
            yield data


def xlsx_batch(*, data: bytes, query: Mapping[str, str], nf: NumberFormat, book: RateBook, fx: EcbRates) -> bytes:
    """Price the first sheet of a workbook; the answer is a workbook with the original cells and the added columns."""
    wb_stored, wb_values, sheet = read_xlsx(data)
    try:
        plan = plan_batch(header=sheet.header, query=query, nf=nf, book=book, fx=fx)
        return write_xlsx(
            title=sheet.title,
            header=[*sheet.header, *plan.output_names],
            rows=_xlsx_rows(sheet, plan),
            added_formats=_XLSX_FORMATS,
        )
    finally:
        wb_stored.close()
        wb_values.close()


def _xlsx_rows(sheet: XlsxSheet, plan: BatchPlan) -> Iterator[tuple[Sequence[Any], Sequence[Any]]]:
    width = len(sheet.header)
    blanks: list[tuple[Any, ...]] = []
    for stored, values in sheet.rows:
        if is_blank(values):
            blanks.append(stored)
            continue
        for blank in blanks:
            yield _fit(blank, width)[0], (*_BLANK_OUT, EMPTY_ROW)
        blanks.clear()
        cells, problem = _fit(values, width)
        yield _fit(stored, width)[0], (plan.price_row(cells) if problem is None else (*_BLANK_OUT, problem))
