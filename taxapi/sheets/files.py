"""Price-list files written back: CSV in the input's dialect, XLSX through openpyxl.

Files are read by :mod:`taxapi.ingest` (one CSV dialect policy, one XLSX reader, the limits).
What is written here is safe to open in a spreadsheet by default: a text cell that a spreadsheet
would run as a formula (``=``, ``+``, ``-``, ``@``, tab or CR first) gets a ``'`` in front in CSV
(OWASP's advice: the spreadsheet then shows the text) and is written as a text cell in XLSX, where
formulas of the uploaded workbook come back as their text too. ``formulas=keep`` writes them as they
came. The same request gives the same XLSX bytes (fixed timestamps).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from taxapi.ingest import FORMULA_TRIGGERS, XLSX_MEDIA_TYPE, neutralise, reproducible_zip

__all__ = ["XLSX_MEDIA_TYPE", "CsvOut", "write_xlsx"]

_TRIGGER_FIRST = frozenset(FORMULA_TRIGGERS)  # a cell starting otherwise needs no look
_BOM = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}


class CsvOut:
    """Writes CSV rows in the input's dialect and encoding; ``take()`` returns the bytes written so far."""

    def __init__(self, *, delimiter: str, bom: bool, format_number: Any, encoding: str = "utf-8",
                 keep_formulas: bool = False):
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, delimiter=delimiter, lineterminator="\r\n")
        self._encoding = encoding
        self._prefix = _BOM[encoding] if bom else b""
        self._fmt = format_number
        self._text = str if keep_formulas else neutralise

    def raw_line(self, line: str) -> None:
        self._buf.write(line + "\r\n")

    def row(self, cells: Sequence[Any]) -> None:
        fmt, text, first = self._fmt, self._text, _TRIGGER_FIRST
        self._writer.writerow([
            fmt(c) if isinstance(c, Decimal) else (
                "" if c is None else text(c) if isinstance(c, str) and c[:1] in first else c)
            for c in cells
        ])

    def take(self) -> bytes:
        data = self._prefix + self._buf.getvalue().encode(self._encoding)
        self._prefix = b""
        self._buf.seek(0)
        self._buf.truncate()
        return data


def write_xlsx(*, title: str, header: Sequence[Any], rows: Iterator[tuple[Sequence[Any], Sequence[Any]]],
               added_formats: Sequence[str | None], keep_formulas: bool = False) -> bytes:
    """A workbook with the original cells (value and number format) and the priced columns.

    ``added_formats[i]`` is the number format of added column i: ``"money"`` shows an amount with exactly
    the decimals it has (its currency's minor units), None leaves the cell unformatted."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title)

    def text_cell(value: Any, number_format: str | None = None) -> Any:
        """A cell for ``value``; text that openpyxl would store as a formula is stored as text."""
        if keep_formulas or not (isinstance(value, str) and value.startswith("=")):
            if number_format is None:
                return value
            c = WriteOnlyCell(ws, value=value)
            c.number_format = number_format
            return c
        c = WriteOnlyCell(ws, value=value)
        c.data_type = "s"
        if number_format is not None:
            c.number_format = number_format
        return c

    try:
        _write_rows(ws, text_cell, header, rows, added_formats)
        buf = io.BytesIO()
        wb.save(buf)
    except BaseException:
        _discard(ws)
        raise
    return reproducible_zip(buf.getvalue())


def _discard(ws: Any) -> None:
    """A write-only sheet given up half-way: close its XML writer and remove its temporary file now
    (openpyxl would remove it only when the process exits)."""
    rows = getattr(ws, "_rows", None)
    if rows is not None:
        with contextlib.suppress(Exception):
            rows.close()
    writer = getattr(ws, "_writer", None)
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.close()
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()


def _write_rows(ws: Any, text_cell: Any, header: Sequence[Any], rows: Iterator[tuple[Sequence[Any], Sequence[Any]]],
                added_formats: Sequence[str | None]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.read_only import EmptyCell

    ws.append([text_cell(h) for h in header])
    for original, added in rows:
        out: list[Any] = []
        for cell in original:
            if isinstance(cell, EmptyCell) or cell is None:
                out.append(None)
                continue
            fmt = getattr(cell, "number_format", "General")
            out.append(text_cell(cell.value, fmt if fmt and fmt != "General" else None))
        for value, number_format in zip(added, added_formats):
            if isinstance(value, Decimal) and number_format:
                c = WriteOnlyCell(ws, value=value)
                places = -int(value.as_tuple().exponent)
                c.number_format = ("0." + "0" * places if places > 0 else "0") if number_format == "money" else number_format
                out.append(c)
            else:
                out.append(text_cell(value))
        ws.append(out)
