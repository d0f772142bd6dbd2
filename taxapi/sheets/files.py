"""Price-list files: CSV read and written as a stream, XLSX through openpyxl.

CSV as spreadsheets save it: UTF-8 with or without a byte-order mark (kept in the answer, so
Excel opens the result as UTF-8 too), ``,`` ``;`` or tab as the delimiter (sniffed from the
header line, or Excel's ``sep=;`` first line, which is kept), quoted fields with line breaks,
CRLF or LF. The body is decoded incrementally, so a character split across two network chunks
is read whole, and rows are answered as they arrive: memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from taxapi.errors import UnsupportedMediaType, ValidationFailed

BOM = b"\xef\xbb\xbf"
DELIMITERS = (",", ";", "\t")
_SEP_LINE = re.compile(r"^sep=(.)\r?\n$", re.IGNORECASE)
_BARE_CR = re.compile(r"\r(?!\n)")
_LINE_ENDS = re.compile(r"(\r\n|\n|\r)")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sniff_delimiter(line: str) -> str:
    """The most frequent of ``,`` ``;`` and tab outside quotes in the header line (``,`` when none)."""
    outside = re.sub(r'"[^"]*"', "", line)
    counts = [(outside.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


@dataclass
class CsvStream:
    """Reads CSV records from an async stream of byte chunks."""

    chunks: AsyncIterator[bytes]
    delimiter: str | None = None
    bom: bool = False
    sep_line: str | None = None
    header: list[str] = field(default_factory=list)
    _decoder: Any = None
    _pending: str = ""  # text after the last complete physical line
    _record: list[str] = field(default_factory=list)  # physical lines of an unfinished quoted record
    _quotes: int = 0
    _ready: list[str] = field(default_factory=list)
    _eof: bool = False

    async def open(self) -> list[str]:
        """Read up to the header record: BOM, ``sep=`` line, delimiter. Raises a 4xx error for an unusable file."""
        head = b""
        async for chunk in self.chunks:
            head += chunk
            if len(head) >= 3:
                break
        self.bom = head.startswith(BOM)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        try:
            self._feed(head[3:] if self.bom else head, final=False)
        except UnicodeDecodeError:
            raise self._not_utf8() from None
        while not self._ready and not self._eof:
            await self._more(strict=True)
        if not self._ready:
            raise ValidationFailed.at(["body"], "the file is empty: the first line must name the columns")
        first = self._ready.pop(0)
        match = _SEP_LINE.match(first)
        if match:
            self.sep_line, self.delimiter = first.rstrip("\r\n"), self.delimiter or match.group(1)
            while not self._ready and not self._eof:
                await self._more(strict=True)
            if not self._ready:
                raise ValidationFailed.at(["body"], "the file has no header line after sep=")
            first = self._ready.pop(0)
        if self.delimiter is None:
            self.delimiter = sniff_delimiter(first)
        try:
            self.header = next(csv.reader([first], delimiter=self.delimiter))
        except csv.Error as exc:  # a line end inside a field the header line leaves open
            raise ValidationFailed.at(["body"], f"the first line is not a CSV header line: {exc}") from None
        return self.header

    @staticmethod
    def _not_utf8() -> UnsupportedMediaType:
        return UnsupportedMediaType(
            "The CSV file is not UTF-8 text. In Excel save it as 'CSV UTF-8 (comma delimited)'.",
            errors=[{"loc": ["body"], "msg": "not UTF-8"}],
        )

    async def _more(self, *, strict: bool) -> None:
        try:
            chunk = await self.chunks.__anext__()
        except StopAsyncIteration:
            self._eof = True
            try:
                self._feed(b"", final=True)
            except UnicodeDecodeError:  # the file ends inside a multi-byte character
                if strict:
                    raise self._not_utf8() from None
                self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
                self._feed(b"", final=True)
            return
        try:
            self._feed(chunk, final=False)
        except UnicodeDecodeError:
            if strict:
                raise self._not_utf8() from None
            # Later in the file: decode what is left leniently; the damaged rows carry an error.
            self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            self._feed(chunk, final=False)

    def _feed(self, data: bytes, *, final: bool) -> None:
        text = self._pending + self._decoder.decode(data, final=final)
        held = ""
        if not final and text.endswith("\r"):
            text, held = text[:-1], "\r"  # the next chunk may start with its \n
        if "\r" in text and _BARE_CR.search(text):
            text = self._bare_cr_to_lf(text)
        lines = text.split("\n")
        self._pending = "" if final else lines.pop() + held
        if final and lines and lines[-1] == "":
            lines.pop()
        for i, line in enumerate(lines):
            physical = line + "\n" if (not final or i < len(lines) - 1 or text.endswith("\n")) else line
            self._quotes += physical.count('"')
            self._record.append(physical)
            if self._quotes % 2 == 0:
                self._ready.append("".join(self._record))
                self._record.clear()
                self._quotes = 0
        if final and self._record:  # an unterminated quote: hand over what there is
            self._ready.append("".join(self._record))
            self._record.clear()

    def _bare_cr_to_lf(self, text: str) -> str:
        """A CR alone (old-Mac line ends, a stray one) ends a record as \\n does, which the csv module
        needs; inside quotes it stays cell content, as CRLF does everywhere."""
        quoted = self._quotes % 2 == 1  # inside a quoted field where ``text`` starts
        out: list[str] = []
        for part in _LINE_ENDS.split(text):  # text, line end, text, ...
            if part == "\r" and not quoted:
                out.append("\n")
                continue
            out.append(part)
            if part.count('"') % 2:
                quoted = not quoted
        return "".join(out)

    async def batches(self) -> AsyncIterator[list[list[str]]]:
        """The records after the header, a network chunk's worth at a time."""
        assert self.delimiter is not None
        while True:
            if self._ready:
                records, self._ready = self._ready, []
                yield list(csv.reader(records, delimiter=self.delimiter, strict=False))
            if self._eof:
                return
            await self._more(strict=False)


class CsvOut:
    """Writes CSV rows in the input's dialect; ``take()`` returns the bytes written so far."""

    def __init__(self, *, delimiter: str, bom: bool, format_number: Any):
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, delimiter=delimiter, lineterminator="\r\n")
        self._prefix = BOM if bom else b""
        self._fmt = format_number

    def raw_line(self, line: str) -> None:
        self._buf.write(line + "\r\n")

    def row(self, cells: Sequence[Any]) -> None:
        fmt = self._fmt
        self._writer.writerow([fmt(c) if isinstance(c, Decimal) else ("" if c is None else c) for c in cells])

    def take(self) -> bytes:
        data = self._prefix + self._buf.getvalue().encode("utf-8")
        self._prefix = b""
        self._buf.seek(0)
        self._buf.truncate()
        return data


def is_blank(cells: Sequence[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


# ----- XLSX -----------------------------------------------------------------------------------


@dataclass
class XlsxSheet:
    title: str
    header: list[Any]
    rows: Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]  # (cells as stored, cell values) per row
    number_formats: Iterator[tuple[str, ...]] | None = None


def read_xlsx(data: bytes) -> tuple[Any, Any, XlsxSheet]:
    """The first sheet of a workbook: formulas kept as written for the copy, cached values for pricing."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        as_stored = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        raise ValidationFailed.at(["body"], f"not a readable XLSX workbook ({type(exc).__name__})") from None
    except Exception as exc:  # zipfile.BadZipFile and XML errors from inside openpyxl
        raise ValidationFailed.at(["body"], f"not a readable XLSX workbook ({type(exc).__name__})") from None
    ws_a, ws_v = as_stored.worksheets[0], values.worksheets[0]
    rows_a = ws_a.iter_rows(values_only=False)
    rows_v = ws_v.iter_rows(values_only=True)
    try:
        header_cells = next(rows_a)
        next(rows_v)
    except StopIteration:
        raise ValidationFailed.at(["body"], "the sheet is empty: the first row must name the columns") from None
    header = [c.value for c in header_cells]
    while header and header[-1] is None:
        header.pop()

    def pairs() -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        for cells, vals in zip(rows_a, rows_v):
            yield tuple(cells), tuple(vals)

    return as_stored, values, XlsxSheet(ws_a.title, header, pairs())


def write_xlsx(*, title: str, header: Sequence[Any], rows: Iterator[tuple[Sequence[Any], Sequence[Any]]],
               added_formats: Sequence[str | None]) -> bytes:
    """A workbook with the original cells (value and number format) and the priced columns.

    ``added_formats[i]`` is the number format of added column i: ``"money"`` shows an amount with exactly
    the decimals it has (its currency's minor units), None leaves the cell unformatted."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.read_only import EmptyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title)
    ws.append(list(header))
    for original, added in rows:
        out: list[Any] = []
        for cell in original:
            if isinstance(cell, EmptyCell) or cell is None:
                out.append(None)
                continue
            value = cell.value
            fmt = getattr(cell, "number_format", "General")
            if fmt and fmt != "General":
                c = WriteOnlyCell(ws, value=value)
                c.number_format = fmt
                out.append(c)
            else:
                out.append(value)
        for value, number_format in zip(added, added_formats):
            if isinstance(value, Decimal) and number_format:
                c = WriteOnlyCell(ws, value=value)
                places = -int(value.as_tuple().exponent)
                c.number_format = ("0." + "0" * places if places > 0 else "0") if number_format == "money" else number_format
                out.append(c)
            else:
                out.append(value)
        ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
