"""One way in for request bodies and uploaded files.

Every endpoint that takes a body reads it here, under the same rules:

* **Size**: each endpoint and kind of body has a limit (:class:`Limits`, configurable with
  ``TAXAPI_MAX_BODY_BYTES_<NAME>``). A declared ``Content-Length`` over the limit is refused at once,
  a chunked body as soon as the bytes counted pass it: **413** ``payload_too_large`` naming the limit,
  before the body is held in memory.
* **JSON**: parsed exactly (numbers as :class:`~decimal.Decimal` where the endpoint reads them itself,
  pydantic's parser otherwise); malformed or deeply nested documents are a 422, never a 500.
  JSON endpoints require a JSON content type (415 otherwise).
* **CSV**: one dialect policy (:class:`CsvRecords`): ``,`` ``;`` or tab sniffed from the header line
  (or Excel's ``sep=;`` first line), UTF-8 with or without BOM, UTF-16 with BOM, anything else a 415
  naming the encoding; quoted fields may hold line breaks; CRLF, LF or CR line ends. A record longer
  than the limit is refused (413) with its row, never cut.
* **Row numbers** are what a spreadsheet shows for the record: the header is row 1, the first data
  record row 2, blank lines count as rows (a spreadsheet shows them), Excel's ``sep=`` line does not
  (Excel hides it). The same numbering in every endpoint and every error; a JSON list item ``i``
  is row ``i + 2``, the row it would have in a sheet with a header.
* **XLSX** (:func:`read_xlsx`): limits on compressed and uncompressed size (from the zip directory,
  which also caps what is inflated), rows, columns and cell length, checked while reading.
* **Work off the event loop** (:func:`run_off_loop`): file work runs in a bounded thread pool with a
  wall-clock limit per request (:class:`Deadline`, checked as records are read; 408 when exceeded).

Threads rather than processes: every step of the work is bounded by the limits above and checks the
deadline as it goes, so a worker stops by itself; a process pool would have to load the rate tables
in every worker and copy the workbook in and the answer out.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import time
import zipfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from pydantic import ValidationError

from taxapi.errors import PayloadTooLarge, TaxApiError, TimeLimitExceeded, UnsupportedMediaType, ValidationFailed

MiB = 1024 * 1024
T = TypeVar("T")


# ----- limits ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Every limit on what a request may bring, with its default. :class:`taxapi.settings.Settings` has a
    field for each (``TAXAPI_<FIELD>``, validated at start-up with the other settings)."""

    max_body_bytes_calculate: int = 2 * MiB
    max_body_bytes_thresholds_json: int = 64 * MiB
    max_body_bytes_thresholds_csv: int = 256 * MiB
    max_body_bytes_oss_json: int = 64 * MiB
    max_body_bytes_oss_csv: int = 4096 * MiB  # streamed: memory does not grow with the ledger
    max_body_bytes_batch_csv: int = 64 * MiB
    max_body_bytes_batch_xlsx: int = 32 * MiB
    csv_max_record_chars: int = 1 * MiB
    xlsx_max_uncompressed_bytes: int = 128 * MiB
    xlsx_max_rows: int = 100_000
    xlsx_max_columns: int = 200
    xlsx_max_cell_chars: int = 32_767  # Excel's own limit for one cell
    request_time_limit_seconds: float = 60.0
    file_workers: int = 2

    @classmethod
    def from_settings(cls, settings: Any) -> "Limits":
        """The limits of a :class:`taxapi.settings.Settings` (which has a field of the same name for each)."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})


_override: Limits | None = None


@lru_cache(maxsize=1)
def _settings_limits() -> Limits:
    from taxapi.settings import get_settings  # settings defines its limit fields from Limits: imported late

    return Limits.from_settings(get_settings())


def get_limits() -> Limits:
    """The limits in force: from the settings (``TAXAPI_<FIELD>``), read once."""
    return _override if _override is not None else _settings_limits()


def set_limits(limits: Limits | None = None, **changes: Any) -> Limits:
    """Replace the limits in force (``None`` goes back to the settings'); returns the previous ones."""
    global _override
    previous = get_limits()
    _override = replace(limits or previous, **changes) if (limits or changes) else None
    return previous


def _size_words(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit % MiB == 0 else f"{limit:,} bytes"


def too_large(limit: int, what: str = "The body") -> PayloadTooLarge:
    return PayloadTooLarge(f"{what} is larger than the limit of {_size_words(limit)} ({limit} bytes).",
                           errors=[{"loc": ["body"], "msg": f"larger than {limit} bytes", "type": "too_large"}],
                           limit_bytes=limit)


# ----- content types and bodies ---------------------------------------------------------------

_STATUS_TEXT = {
    408: "The file took longer than the time limit to process",
    413: "The body (or a file's rows, columns, cells or unpacked size) is over its limit",
    415: "The body's content type or text encoding is not one the endpoint reads",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the statuses this module answers with."""
    return {
        status: {"description": _STATUS_TEXT[status],
                 "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for status in statuses
    }



def media_type(request: Any) -> str:
    """The request's media type, lower case, without parameters ('' when none is given)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_json(media: str) -> bool:
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def require_json(request: Any) -> None:
    """415 unless the body is declared as JSON (a cross-site form can only post text/plain or form data)."""
    media = media_type(request)
    if not is_json(media):
        raise UnsupportedMediaType(
            f"Send the body as application/json, not '{media or 'no content type'}'.",
            errors=[{"loc": ["header", "content-type"], "msg": "must be application/json", "type": "unsupported_media_type"}],
        )


def declared_length(request: Any, limit: int) -> None:
    """413 at once when the declared ``Content-Length`` is over ``limit``."""
    raw = request.headers.get("content-length")
    if raw is not None and raw.strip().isdigit() and int(raw) > limit:
        raise too_large(limit)


async def body_chunks(request: Any, limit: int) -> AsyncIterator[bytes]:
    """The body as it arrives, refused (413) as soon as it passes ``limit`` bytes."""
    declared_length(request, limit)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        if chunk:
            yield chunk


def _disconnected() -> Exception:
    from starlette.requests import ClientDisconnect

    return ClientDisconnect()


async def read_body(request: Any, limit: int) -> bytes:
    """The whole body, read under ``limit`` (413 past it); ``request.body()`` answers the same afterwards."""
    declared_length(request, limit)
    message = await request.receive()
    if message["type"] != "http.request":
        raise _disconnected()
    body: bytes = message.get("body", b"")
    if message.get("more_body", False):
        chunks = [body]
        size = len(body)
        while message.get("more_body", False):
            message = await request.receive()
            if message["type"] != "http.request":
                raise _disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            chunks.append(chunk)
        body = b"".join(chunks)
    if len(body) > limit:
        raise too_large(limit)
    request._body = body
    return body


def limited_receive(receive: Callable[[], Any], limit: int) -> Callable[[], Any]:
    """An ASGI ``receive`` that refuses (413) once the body passes ``limit`` bytes (for form parsing)."""
    size = 0

    async def wrapped() -> Any:
        nonlocal size
        message = await receive()
        if message.get("type") == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise too_large(limit)
        return message

    return wrapped


# ----- JSON -----------------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def parse_json(body: bytes, *, loc: str = "body") -> Any:
    """A JSON document with numbers read exactly (Decimal); 422 for malformed or too deeply nested input."""
    import json

    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValidationFailed(f"The {loc} is nested too deeply to be read as JSON.",
                               errors=[{"loc": [loc], "msg": "JSON nested too deeply", "type": "json_invalid"}]) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"The {loc} is not valid JSON: {exc}",
                               errors=[{"loc": [loc], "msg": "invalid JSON", "type": "json_invalid"}]) from None


def validate_json(model: type[T], body: bytes, *, loc: str = "body") -> T:
    """``body`` validated as ``model`` in one pass by pydantic's JSON parser (which refuses deep nesting)."""
    try:
        return model.__pydantic_validator__.validate_json(body)  # type: ignore[attr-defined,no-any-return]
    except ValidationError as exc:
        from fastapi.exceptions import RequestValidationError  # here, not per request: the import statement costs

        raise RequestValidationError(
            [{**e, "loc": (loc, *e["loc"])} for e in exc.errors(include_url=False, include_context=False)]
        ) from None


# ----- time limit -----------------------------------------------------------------------------


class Deadline:
    """A wall-clock limit for one request's file work; :meth:`check` raises 408 once it has passed."""

    __slots__ = ("seconds", "_end")

    def __init__(self, seconds: float | None = None):
        self.seconds = get_limits().request_time_limit_seconds if seconds is None else seconds
        self._end = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise TimeLimitExceeded(
                f"The file took longer than the limit of {self.seconds:g} s to process; send it in smaller parts.",
                limit_seconds=self.seconds,
            )


_limiter: anyio.CapacityLimiter | None = None


def _file_limiter() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None or _limiter.total_tokens != get_limits().file_workers:
        _limiter = anyio.CapacityLimiter(get_limits().file_workers)
    return _limiter


async def run_off_loop(fn: Callable[..., T], *args: Any, deadline: Deadline | None = None) -> T:
    """``fn(*args)`` in the bounded file-work thread pool, the event loop free meanwhile.

    The work checks its :class:`Deadline` itself; should it not return shortly after the limit
    (a single step that overran), the request is answered with 408 all the same."""
    seconds = (deadline or Deadline()).seconds
    try:
        with anyio.fail_after(seconds + 5):
            return await anyio.to_thread.run_sync(fn, *args, limiter=_file_limiter(), abandon_on_cancel=True)
    except TimeoutError:
        raise TimeLimitExceeded(
            f"The file took longer than the limit of {seconds:g} s to process; send it in smaller parts.",
            limit_seconds=seconds,
        ) from None


# ----- CSV ------------------------------------------------------------------------------------

DELIMITERS = (",", ";", "\t")
_SEP_LINE = re.compile(r"^sep=(.)\r?\n?$", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_QUOTED = re.compile(r'"[^"]*"')


def is_sep_line(line: str) -> bool:
    """Whether ``line`` is Excel's ``sep=X`` first line (it names the delimiter and is no record)."""
    return _SEP_LINE.match(line) is not None


def sniff_delimiter(line: str) -> str:
    """The most frequent of ``,`` ``;`` and tab outside quotes in the header line (``,`` when none)."""
    outside = _QUOTED.sub("", line)
    counts = [(outside.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


def is_blank(cells: Sequence[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


Record = tuple[int, list[str]]
#: The row of the first record after the header; a JSON list item ``i`` is row ``i + FIRST_DATA_ROW``.
FIRST_DATA_ROW = 2


class CsvRecords:
    """Push parser for CSV bodies: :meth:`feed` bytes as they arrive, get the complete records back.

    The first non-blank record is the header (:attr:`header`, at :attr:`header_row`); records after it
    come back as ``(row, cells)``, blank ones included (``cells`` all empty), so that a caller can keep
    or skip them. Memory holds the unfinished record only; work per byte is constant, whatever the
    length of a line or a field (up to ``csv_max_record_chars``, past which the body is refused)."""

    def __init__(self, *, delimiter: str | None = None, loc: str = "body", limits: Limits | None = None,
                 deadline: Deadline | None = None):
        self.delimiter = delimiter
        self.loc = loc
        self.header: list[str] | None = None
        self.header_row = 0
        self.bom = False
        self.encoding = "utf-8"
        self.sep_line: str | None = None
        self.bytes_read = 0
        self._limit = (limits or get_limits()).csv_max_record_chars
        if csv.field_size_limit() < self._limit:
            csv.field_size_limit(self._limit)
        self._deadline = deadline
        self._head = b""
        self._decoder: Any = None
        self._pending: list[str] = []  # text after the last complete record
        self._pending_len = 0
        self._quoted = False  # the pending text ends inside a quoted field
        self._row = 0  # rows seen so far
        self._first = True

    # -- bytes to text -------------------------------------------------------------------------

    def _not_decodable(self) -> UnsupportedMediaType:
        name = {"utf-8": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}[self.encoding]
        hint = " In Excel save it as 'CSV UTF-8 (comma delimited)'." if name == "UTF-8" else ""
        return UnsupportedMediaType(
            f"The CSV file is not {name} text (row {self._row + 1}).{hint}",
            errors=[{"loc": [self.loc], "msg": f"not {name}", "type": "encoding"}], encoding=name,
        )

    def feed(self, data: bytes) -> Iterator[Record]:
        """The records completed by ``data``, read as they are iterated: iterate them before the next feed."""
        self.bytes_read += len(data)
        if self._decoder is None:
            self._head += data
            if len(self._head) < 4 and data:
                return iter(())
            data, self._head = self._head, b""
            for bom, encoding in _BOMS:
                if data.startswith(bom):
                    self.bom, self.encoding, data = True, encoding, data[len(bom):]
                    break
            self._decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        try:
            text = self._decoder.decode(data)
        except UnicodeDecodeError as exc:
            for _ in self._text(codecs.decode(data[:exc.start], self.encoding, errors="ignore"), final=False):
                pass  # the rows before the damage, to name the row
            raise self._not_decodable() from None
        return self._text(text, final=False)

    def close(self) -> Iterator[Record]:
        """The last records; 422 when the file had no header."""
        first = self.feed(b"") if self._decoder is None else iter(())
        try:
            tail = self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise self._not_decodable() from None
        rest = self._text(tail, final=True)
        if self.header is None:
            raise ValidationFailed.at([self.loc], "the file is empty: the first line must name the columns")
        return itertools.chain(first, rest)

    # -- text to records -----------------------------------------------------------------------

    def _text(self, text: str, *, final: bool) -> Iterator[Record]:
        if self._deadline is not None:
            self._deadline.check()
        cut = -1 if final else self._boundary(text)
        if cut < 0 and not final:
            self._pending.append(text)
            self._pending_len += len(text)
            self._quoted ^= text.count('"') % 2 == 1
            if self._pending_len > self._limit:
                raise self._record_too_long()
            return iter(())
        if final:
            block, rest = "".join(self._pending) + text, ""
        else:
            block, rest = "".join(self._pending) + text[:cut], text[cut:]
        self._pending = [rest] if rest else []
        self._pending_len = len(rest)
        self._quoted = rest.count('"') % 2 == 1
        if not block:
            return iter(())
        if final and not block.endswith(("\n", "\r")):
            block += "\n"
        records = self._records(block)
        if self._pending_len > self._limit:
            return itertools.chain(records, self._refuse_pending())
        return records

    def _refuse_pending(self) -> Iterator[Record]:
        """Raises, once the records before the long one are counted."""
        raise self._record_too_long()
        yield  # pragma: no cover - a generator, so that it runs when reached

    def _boundary(self, text: str) -> int:
        """Index just after the last line end in ``text`` that lies outside quotes (-1 if none).

        A CR at the very end is held back: the next chunk may begin with its LF."""
        end = len(text) - 1 if text.endswith("\r") else len(text)
        quotes_after = 0
        pos = end
        total = text.count('"', 0, end)
        while True:
            nl = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos))
            if nl < 0:
                return -1
            quotes_after += text.count('"', nl, pos)
            inside = self._quoted ^ ((total - quotes_after) % 2 == 1)
            if not inside:
                return nl + 1
            pos = nl

    def _record_too_long(self) -> PayloadTooLarge:
        row = self._row + 1
        return PayloadTooLarge(
            f"Row {row} of the CSV file is longer than the limit of {self._limit:,} characters for one record "
            "(a quote that is never closed also makes the rest of the file one record).",
            errors=[{"loc": [self.loc, row], "msg": f"record longer than {self._limit} characters", "type": "too_large"}],
            limit_chars=self._limit,
        )

    def _records(self, block: str) -> Iterator[Record]:
        """The records of ``block``, complete lines of text: the header (if not yet read) now, the rest as iterated."""
        if self._first:
            self._first = False
            block = self._start(block)
            if not block:
                return iter(())
        if len(block) > self._limit and max(map(len, block.splitlines())) > self._limit:
            # one chunk carried a line over the limit: refuse it before parsing it
            start = _long_line_start(block, self._limit)
            if start >= 0:
                self._row += sum(1 for _ in csv.reader(io.StringIO(block[:start], newline=""), delimiter=self.delimiter))
                raise self._record_too_long()
        reader = csv.reader(io.StringIO(block, newline=""), delimiter=self.delimiter or ",", strict=False)
        if self.header is None:
            try:
                for cells in reader:
                    self._row += 1
                    if cells and not is_blank(cells):
                        self.header, self.header_row = cells, self._row
                        break
            except csv.Error as exc:
                raise self._csv_error(exc) from None
        return self._numbered(reader)

    def _numbered(self, reader: Iterator[list[str]]) -> Iterator[Record]:
        # Records are handed on one by one: a block's worth held in a list kept the garbage collector
        # scanning them (twice the parsing time on a million rows).
        try:
            for record in enumerate(reader, self._row + 1):
                self._row = record[0]
                yield record
        except csv.Error as exc:
            raise self._csv_error(exc) from None

    def _csv_error(self, exc: csv.Error) -> TaxApiError:
        if "field larger than field limit" in str(exc):
            return self._record_too_long()
        return ValidationFailed.at([self.loc, self._row + 1], f"not readable as CSV: {exc}")

    def _start(self, block: str) -> str:
        """Excel's ``sep=`` line and the delimiter, from the first line."""
        first, _, rest = _split_first_line(block)
        match = _SEP_LINE.match(first)
        if match:
            self.sep_line = first.rstrip("\r\n")
            self.delimiter = self.delimiter or match.group(1)
            block = rest
            first, _, _ = _split_first_line(block)
        if self.delimiter is None:
            self.delimiter = sniff_delimiter(first)
        return block


_LINE_END = re.compile(r"\r\n|\n|\r")


def _split_first_line(block: str) -> tuple[str, str, str]:
    m = _LINE_END.search(block)
    if m is None:
        return block, "", ""
    return block[:m.end()], m.group(), block[m.end():]


def _long_line_start(block: str, limit: int) -> int:
    """Where the first line longer than ``limit`` characters starts in ``block`` (-1 if none)."""
    start = 0
    for m in _LINE_END.finditer(block):
        if m.start() - start > limit:
            return start
        start = m.end()
    return start if len(block) - start > limit else -1


def csv_records(chunks: Iterable[bytes], *, delimiter: str | None = None, loc: str = "body",
                deadline: Deadline | None = None) -> tuple[CsvRecords, Iterator[Record]]:
    """The parser, its header already read (4xx for an unusable file), and an iterator over the records
    after the header."""
    parser = CsvRecords(delimiter=delimiter, loc=loc, deadline=deadline)
    it = iter(chunks)
    ready: list[Record] = []
    done = False
    while parser.header is None and not done:
        chunk = next(it, None)
        if chunk is None:
            ready, done = parser.close(), True
        else:
            ready = parser.feed(chunk)

    def records() -> Iterator[Record]:
        yield from ready
        if done:
            return
        for more in it:
            yield from parser.feed(more)
        yield from parser.close()

    return parser, records()


def file_chunks(f: Any, size: int = 1 << 20) -> Iterator[bytes]:
    """A binary file object read in pieces, from the start."""
    f.seek(0)
    while chunk := f.read(size):
        yield chunk


# ----- spreadsheet output: cells a spreadsheet would execute ----------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9.,']*(?:[eE][+-]?[0-9]+)?%?$")


def is_formula_like(text: str) -> bool:
    """Text that a spreadsheet would run as a formula (OWASP CSV injection), numbers such as ``-5`` excepted."""
    return text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.match(text)


def neutralise(text: str) -> str:
    """``'`` before text a spreadsheet would run as a formula: it then shows the text as it is."""
    return "'" + text if is_formula_like(text) else text


# ----- XLSX -----------------------------------------------------------------------------------


def check_xlsx_archive(data: bytes, *, limits: Limits | None = None, loc: str = "body") -> None:
    """The workbook's zip directory against the limits: the uncompressed size of every member (which also
    caps what inflating produces) and their total. Raises 422 for what is not a zip, 413 past a limit."""
    limits = limits or get_limits()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ValidationFailed.at([loc], f"not a readable XLSX workbook ({type(exc).__name__})") from None
    total = sum(i.file_size for i in infos)
    if total > limits.xlsx_max_uncompressed_bytes or len(infos) > 10_000:
        raise PayloadTooLarge(
            f"The workbook unpacks to {total:,} bytes, more than the limit of "
            f"{_size_words(limits.xlsx_max_uncompressed_bytes)}; send large lists as CSV.",
            errors=[{"loc": [loc], "msg": f"uncompressed larger than {limits.xlsx_max_uncompressed_bytes} bytes", "type": "too_large"}],
            limit_bytes=limits.xlsx_max_uncompressed_bytes,
        )


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class XlsxSheet:
    """The first sheet of a workbook: its title, header row and ``(row, cells as stored, cell values)`` after it."""

    title: str
    header: list[Any]
    rows: Iterator[tuple[int, tuple[Any, ...], tuple[Any, ...]]]
    close: Callable[[], None]


def read_xlsx(data: bytes, *, loc: str = "body", limits: Limits | None = None, deadline: Deadline | None = None) -> XlsxSheet:
    """The first sheet of a workbook, read as a stream: formulas kept as written (for a copy), cached values
    (for computing). The zip directory is checked first (:func:`check_xlsx_archive`), every row as it is
    read (:func:`xlsx_rows`); the sheet's declared dimensions are ignored (a forged one would pad every row).
    ``close()`` when done."""
    from openpyxl import load_workbook

    limits = limits or get_limits()
    check_xlsx_archive(data, limits=limits, loc=loc)
    try:
        as_stored = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl's own errors: the file is not a workbook
        raise ValidationFailed.at([loc], f"not a readable XLSX workbook ({type(exc).__name__})") from None

    def close() -> None:
        as_stored.close()
        values.close()

    try:
        ws_a, ws_v = as_stored.worksheets[0], values.worksheets[0]
        for ws in (ws_a, ws_v):
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
        rows_a = xlsx_rows(ws_a.iter_rows(values_only=False), limits=limits, deadline=deadline, loc=loc)
        rows_v = ws_v.iter_rows(values_only=True)
        try:
            _, header_cells = next(rows_a)
            next(rows_v)
        except StopIteration:
            raise ValidationFailed.at([loc], "the sheet is empty: the first row must name the columns") from None
    except BaseException as exc:
        close()
        if isinstance(exc, (ValidationFailed, PayloadTooLarge, TimeLimitExceeded)):
            raise
        raise ValidationFailed.at([loc], f"not a readable XLSX workbook ({type(exc).__name__})") from None
    header = [c.value for c in header_cells]
    while header and header[-1] is None:
        header.pop()

    def pairs() -> Iterator[tuple[int, tuple[Any, ...], tuple[Any, ...]]]:
        try:
            for (row, cells), vals in zip(rows_a, rows_v):
                yield row, tuple(cells), tuple(vals)
        except (ValidationFailed, PayloadTooLarge, TimeLimitExceeded):
            raise
        except Exception as exc:  # a damaged sheet found while reading on
            raise ValidationFailed.at([loc], f"not a readable XLSX workbook ({type(exc).__name__})") from None

    return XlsxSheet(ws_a.title, header, pairs(), close)


def xlsx_rows(rows: Iterable[Sequence[Any]], *, limits: Limits | None = None, deadline: Deadline | None = None,
              loc: str = "body", first_row: int = 1) -> Iterator[tuple[int, Sequence[Any]]]:
    """``(row, cells)`` of a worksheet's rows, each checked against the row, column and cell limits."""
    limits = limits or get_limits()
    max_rows, max_cols, max_chars = limits.xlsx_max_rows, limits.xlsx_max_columns, limits.xlsx_max_cell_chars
    for row, cells in enumerate(rows, start=first_row):
        if row > max_rows:
            raise PayloadTooLarge(f"The sheet has more than {max_rows:,} rows, the limit; send large lists as CSV.",
                                  errors=[{"loc": [loc, row], "msg": f"more than {max_rows} rows", "type": "too_large"}],
                                  limit_rows=max_rows)
        if len(cells) > max_cols:
            width = len(cells)
            while width > max_cols and _empty(cells[width - 1]):
                width -= 1
            if width > max_cols:
                raise PayloadTooLarge(f"Row {row} has more than {max_cols} columns, the limit.",
                                      errors=[{"loc": [loc, row], "msg": f"more than {max_cols} columns", "type": "too_large"}],
                                      limit_columns=max_cols)
            cells = cells[:width]
        for cell in cells:
            value = getattr(cell, "value", cell)
            if isinstance(value, str) and len(value) > max_chars:
                raise PayloadTooLarge(f"A cell in row {row} holds more than {max_chars:,} characters, the limit.",
                                      errors=[{"loc": [loc, row], "msg": f"cell longer than {max_chars} characters", "type": "too_large"}],
                                      limit_chars=max_chars)
        if deadline is not None and row % 256 == 0:
            deadline.check()
        yield row, cells


def _empty(cell: Any) -> bool:
    value = getattr(cell, "value", cell)
    return value is None or value == ""


#: Fixed timestamp written into every workbook (zip entries and document properties), so that the same
#: request gives the same bytes.
XLSX_EPOCH = (2000, 1, 1, 0, 0, 0)


def reproducible_zip(data: bytes) -> bytes:
    """The zip ``data`` rewritten with fixed entry timestamps and document-property dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=XLSX_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, content)
    return out.getvalue()
