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

Files are read by :mod:`taxapi.ingest` and the whole answer is made before anything is sent, off the
event loop: a file that cannot be read to its end is refused with a problem, never answered 200 with
rows missing. Text that a spreadsheet would run as a formula is neutralised unless ``keep_formulas``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from taxapi.ecb import EcbRates
from taxapi.ingest import Deadline, XlsxSheet, csv_records, is_blank, read_xlsx
from taxapi.rate_tables.model import RateBook
from taxapi.sheets.files import CsvOut, write_xlsx
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


def csv_batch(*, chunks: Iterable[bytes], delimiter: str | None, query: Mapping[str, str], nf: NumberFormat,
              book: RateBook, fx: EcbRates, keep_formulas: bool = False, deadline: Deadline | None = None) -> bytes:
    """The priced file, in the input's dialect and encoding; a 4xx error for a file that cannot be read."""
    parser, records = csv_records(chunks, delimiter=delimiter, deadline=deadline)
    assert parser.header is not None and parser.delimiter is not None
    header = parser.header
    plan = plan_batch(header=header, query=query, nf=nf, book=book, fx=fx)
    out = CsvOut(delimiter=parser.delimiter, bom=parser.bom, encoding=parser.encoding, format_number=plan.nf.format,
                 keep_formulas=keep_formulas)
    if parser.sep_line is not None:
        out.raw_line(parser.sep_line)
    out.row([*header, *plan.output_names])
    width = len(header)
    blanks: list[list[Any]] = []
    parts: list[bytes] = []
    for n, (_row, rec) in enumerate(records):
        if is_blank(rec):
            blanks.append(rec)
            continue
        for blank in blanks:
            out.row([*_fit(blank, width)[0], *_BLANK_OUT, EMPTY_ROW])
        blanks.clear()
        cells, problem = _fit(rec, width)
        out.row([*cells, *(plan.price_row(cells) if problem is None else (*_BLANK_OUT, problem))])
        if n % 4096 == 4095:
            parts.append(out.take())
            if deadline is not None:
                deadline.check()
    parts.append(out.take())
    return b"".join(parts)


def xlsx_batch(*, data: bytes, query: Mapping[str, str], nf: NumberFormat, book: RateBook, fx: EcbRates,
               keep_formulas: bool = False, deadline: Deadline | None = None) -> bytes:
    """Price the first sheet of a workbook; the answer is a workbook with the original cells and the added columns."""
    sheet = read_xlsx(data, deadline=deadline)
    try:
        plan = plan_batch(header=sheet.header, query=query, nf=nf, book=book, fx=fx)
        return write_xlsx(
            title=sheet.title,
            header=[*sheet.header, *plan.output_names],
            rows=_xlsx_rows(sheet, plan),
            added_formats=_XLSX_FORMATS,
            keep_formulas=keep_formulas,
        )
    finally:
        sheet.close()


def _xlsx_rows(sheet: XlsxSheet, plan: BatchPlan) -> Iterator[tuple[Sequence[Any], Sequence[Any]]]:
    width = len(sheet.header)
    blanks: list[tuple[Any, ...]] = []
    for _row, stored, values in sheet.rows:
        if is_blank(values):
            blanks.append(stored)
            continue
        for blank in blanks:
            yield _fit(blank, width)[0], (*_BLANK_OUT, EMPTY_ROW)
        blanks.clear()
        cells, problem = _fit(values, width)
        yield _fit(stored, width)[0], (plan.price_row(cells) if problem is None else (*_BLANK_OUT, problem))
