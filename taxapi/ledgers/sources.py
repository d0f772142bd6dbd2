"""Ledger files read in Arrow record batches: CSV, Parquet and Arrow IPC, one file or a dataset.

A *ledger* is one file or a *dataset*: a directory (every CSV/Parquet/Arrow file below it) or a
glob (``lake/sales/2026-*/*.parquet``). For a dataset each file is a partition named by its path
relative to the dataset root (``month=2026-07/part-0.parquet``); rows are numbered inside their file.
Files are taken in the order of those names, which is the ledger order where order matters (the
sale that crossed a threshold).

:func:`read_batches` yields the columns a summary asks for, under the ledger's column names, in
batches of bounded size (memory does not grow with the file):

* CSV: the header names the columns (any order, case and surrounding blanks ignored, extra
  columns skipped; comma or semicolon separated; UTF-8, a BOM is skipped); every value is read as
  a string and validated by the summary. A file the Arrow reader cannot take exactly as the
  row-by-row reader would (a record with the wrong number of fields, bytes that are not UTF-8, blank
  lines before the header) raises :class:`NeedsRowReader`, and the caller reads it row by row with
  the same reasons and row numbers.
* Parquet / Arrow IPC: string, dictionary, integer, boolean and date columns become strings (a
  date ``2026-07-01``, a boolean ``true``); decimal columns stay decimal where the caller allows
  it (amounts, exact); floating-point columns are refused with a message naming the column, because
  a float cannot hold an amount exactly.
"""

from __future__ import annotations

import bisect
import csv
import functools
import glob
import io
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.ipc as pa_ipc
import pyarrow.parquet as pq

from taxapi import ingest
from taxapi.errors import ValidationFailed
from taxapi.ledgers import FIRST_RECORD_ROW

BATCH_ROWS = 1 << 20  # Parquet / Arrow batches (Parquet: never more than one row group)
CSV_BLOCK_BYTES = 1 << 21  # CSV blocks (about 35,000 ledger rows)
SUFFIXES = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".arrow": "arrow",
            ".feather": "arrow", ".ipc": "arrow", ".arrows": "arrow"}
_GLOB_CHARS = frozenset("*?[")


class NeedsRowReader(Exception):
    """This CSV file must be read by the row-by-row reader (which reports exactly why)."""


@dataclass(frozen=True, slots=True)
class LedgerFile:
    path: Path
    format: str  # csv | parquet | arrow
    partition: str | None = None  # path relative to the dataset root; None for a single file


@dataclass(slots=True)
class Batch:
    first_row: int  # row number of the batch's first record
    num_rows: int
    columns: dict[str, pa.Array | None]  # ledger column -> values (None: the column is absent)
    loaders: dict[str, Callable[[], pa.Array]] = field(default_factory=dict)  # columns read only when asked for

    def column(self, name: str) -> pa.Array | None:
        """A column, reading a lazy one now (e.g. the row ids, needed only for rejected rows)."""
        if name in self.loaders:
            self.columns[name] = self.loaders.pop(name)()
        return self.columns[name]


def as_text(values: pa.Array) -> pa.Array:
    """A column kept native for grouping (date32, dictionary) as the strings the row reader reads."""
    return values.cast(pa.string()) if not pa.types.is_string(values.type) else values


def sniff_format(path: Path) -> str:
    """``parquet``, ``arrow`` or ``csv``, from the file's first bytes (its suffix when empty)."""
    with path.open("rb") as f:
        head = f.read(8)
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:6] == b"ARROW1" or head[:4] == b"\xff\xff\xff\xff":
        return "arrow"
    return SUFFIXES.get(path.suffix.lower(), "csv") if not head else "csv"


def discover(ledger: str | os.PathLike[str], *, loc: str = "ledger") -> list[LedgerFile]:
    """The files of a ledger: one file, a directory of partitions, or a glob."""
    text = os.fspath(ledger)
    path = Path(text)
    if path.is_file():
        return [LedgerFile(path.absolute(), sniff_format(path))]
    if path.is_dir():
        root = path
        candidates = [p for p in path.rglob("*") if p.is_file()]
    elif _GLOB_CHARS & set(text):
        parts = Path(text).parts
        fixed = [p for p in parts[: next(i for i, p in enumerate(parts) if _GLOB_CHARS & set(p))]]
        root = Path(*fixed) if fixed else Path(".")
        candidates = [Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file()]
    else:
        raise ValidationFailed.at([loc], f"{text}: no such file or directory")
    files = []
    for p in candidates:
        rel = p.relative_to(root)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue  # _SUCCESS, .crc and other bookkeeping files of Spark / Hadoop writers
        if p.suffix.lower() not in SUFFIXES:
            continue
        files.append(LedgerFile(p.absolute(), sniff_format(p), rel.as_posix()))  # absolute: workers have their own cwd
    if not files:
        raise ValidationFailed.at([loc], f"{text}: no CSV, Parquet or Arrow files found")
    return sorted(files, key=lambda f: f.partition or "")


# -- columns --------------------------------------------------------------------------------------


def missing_columns_error(loc: str, detail: str, msg: str) -> Callable[[list[str]], Exception]:
    """The error for required columns a file lacks: ``detail`` with ``{columns}``, one ``msg`` per column
    at ``[loc, "header", column]`` (each endpoint keeps the wording of its CSV reader)."""
    def error(missing: list[str]) -> Exception:
        return ValidationFailed(detail.format(loc=loc, columns=", ".join(missing)),
                                errors=[{"loc": [loc, "header", c], "msg": msg} for c in missing])
    return error


def _column_index(names: Sequence[str], aliases: Mapping[str, str], required: Sequence[str],
                  missing_error: Callable[[list[str]], Exception]) -> dict[str, int]:
    """Ledger column -> position in the file (the first of repeated names)."""
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        canon = aliases.get(str(name).strip().lower())
        if canon is not None and canon not in index:
            index[canon] = i
    missing = [c for c in required if c not in index]
    if missing:
        raise missing_error(missing)
    return index


def _as_ledger_column(values: pa.Array | pa.ChunkedArray, name: str, keep_decimal: bool, loc: str,
                      keep_dictionary: bool = False) -> pa.Array:
    t = values.type
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if keep_dictionary and (pa.types.is_date32(t) or pa.types.is_dictionary(t) and pa.types.is_string(t.value_type)):
        return values  # grouped on as they are; the values are turned into text per group
    if pa.types.is_dictionary(t):
        values, t = values.cast(t.value_type), t.value_type
    if pa.types.is_floating(t):
        raise ValidationFailed.at(
            [loc, "column", name],
            f"column {name} is a floating-point column ({t}): a float cannot hold an amount exactly; "
            "store it as a decimal or a string column",
        )
    if keep_decimal and pa.types.is_decimal(t):
        return values
    if pa.types.is_string(t):
        return values
    if (pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _t: False)(t) or pa.types.is_integer(t)
            or pa.types.is_boolean(t) or pa.types.is_date(t) or pa.types.is_decimal(t) or pa.types.is_null(t)):
        return values.cast(pa.string())
    raise ValidationFailed.at(
        [loc, "column", name], f"column {name} has type {t}; expected string, decimal, integer, boolean or date"
    )


def _lazy_slice(pf: pq.ParquetFile, starts: list[int], name: str, cache: dict[tuple[int, int], pa.Array], offset: int,
                n: int, column: str, keep_decimal: bool, loc: str) -> pa.Array:
    """Rows ``offset .. offset + n`` of one column, read from the row groups that hold them."""
    first = bisect.bisect_right(starts, offset) - 1
    last = bisect.bisect_left(starts, offset + n) - 1
    key = (first, last)
    if key not in cache:
        cache.clear()  # batches come in order: only the latest row groups are worth keeping
        table = pf.read_row_groups(list(range(first, last + 1)), columns=[name])
        cache[key] = _as_ledger_column(table.column(0), column, keep_decimal, loc)
    return cache[key].slice(offset - starts[first], n)


def _batches_of(batches: Iterator[pa.RecordBatch], index: Mapping[str, int], names: Sequence[str],
                columns: Sequence[str], decimal_columns: frozenset[str], dictionary_columns: frozenset[str],
                loc: str, first_row: int = FIRST_RECORD_ROW) -> Iterator[Batch]:
    row = first_row
    for rb in batches:
        n = rb.num_rows
        if not n:
            continue
        cols: dict[str, pa.Array | None] = {}
        for c in columns:
            i = index.get(c)
            cols[c] = None if i is None else _as_ledger_column(rb.column(i), c, c in decimal_columns, loc,
                                                               c in dictionary_columns)
        yield Batch(row, n, cols)
        row += n


def read_batches(
    file: LedgerFile, *, columns: Sequence[str], aliases: Mapping[str, str], required: Sequence[str],
    missing_error: Callable[[list[str]], Exception], decimal_columns: frozenset[str] = frozenset(),
    dictionary_columns: frozenset[str] = frozenset(), lazy_columns: frozenset[str] = frozenset(), loc: str = "ledger",
    csv_delimiter: str | None = None,
) -> Iterator[Batch]:
    """The ledger ``columns`` of ``file`` in batches (see the module docstring). Columns named in
    ``dictionary_columns`` may come dictionary-encoded (``dictionary<string>``) or as ``date32``: cheap to
    group on, and :func:`as_text` turns them into the text the row reader sees;
    ``decimal_columns`` may come as decimals; ``lazy_columns`` of a Parquet file are read only when
    :meth:`Batch.column` asks for them."""
    try:
        yield from _columnar_batches(file, columns=columns, aliases=aliases, required=required, missing_error=missing_error,
                                     decimal_columns=decimal_columns, dictionary_columns=dictionary_columns,
                                     lazy_columns=lazy_columns, loc=loc, csv_delimiter=csv_delimiter)
    except (pa.ArrowException, OSError) as exc:
        if file.format == "csv":
            raise
        raise ValidationFailed.at([loc], f"not a readable {file.format} file: {exc}") from None


def _columnar_batches(
    file: LedgerFile, *, columns: Sequence[str], aliases: Mapping[str, str], required: Sequence[str],
    missing_error: Callable[[list[str]], Exception], decimal_columns: frozenset[str],
    dictionary_columns: frozenset[str], lazy_columns: frozenset[str], loc: str, csv_delimiter: str | None,
) -> Iterator[Batch]:
    if file.format == "parquet":
        names = pq.read_schema(file.path).names
        index = _column_index(names, aliases, required, missing_error)
        pf = pq.ParquetFile(file.path, read_dictionary=[names[i] for c, i in index.items() if c in dictionary_columns])
        lazy = {c: i for c, i in index.items() if c in lazy_columns and c in columns}
        wanted = sorted({i for c, i in index.items() if c not in lazy})
        local = {c: wanted.index(i) for c, i in index.items() if c not in lazy}
        starts = [0]
        for g in range(pf.num_row_groups):
            starts.append(starts[-1] + pf.metadata.row_group(g).num_rows)
        cache: dict[tuple[int, int], pa.Array] = {}
        offset = 0
        # one reader per row group: measured faster, and flatter in memory, than one over the file
        for g in range(pf.num_row_groups):
            group = pf.iter_batches(batch_size=BATCH_ROWS, row_groups=[g], columns=[names[i] for i in wanted])
            for batch in _batches_of(group, local, names, columns, decimal_columns, dictionary_columns, loc,
                                     first_row=FIRST_RECORD_ROW + offset):
                for c, i in lazy.items():
                    batch.columns.pop(c, None)
                    batch.loaders[c] = functools.partial(_lazy_slice, pf, starts, names[i], cache, offset,
                                                         batch.num_rows, c, c in decimal_columns, loc)
                offset += batch.num_rows
                yield batch
        return
    if file.format == "arrow":
        with file.path.open("rb") as f:
            try:
                reader: Any = pa_ipc.open_file(f)
                stream = (reader.get_batch(i) for i in range(reader.num_record_batches))
            except pa.ArrowInvalid:
                f.seek(0)
                reader = pa_ipc.open_stream(f)
                stream = iter(reader)
            names = reader.schema.names
            index = _column_index(names, aliases, required, missing_error)
            yield from _batches_of(stream, index, names, columns, decimal_columns, dictionary_columns, loc)
        return
    yield from _csv_batches(file, columns=columns, aliases=aliases, required=required, missing_error=missing_error,
                            dictionary_columns=dictionary_columns, delimiter=csv_delimiter)


def csv_header(path: Path, delimiter: str | None = None) -> tuple[list[str], str]:
    """The header names and the delimiter (sniffed by :func:`taxapi.ingest.sniff_delimiter`, the one
    dialect policy, unless ``delimiter`` is given), as the row-by-row reader reads them; :class:`NeedsRowReader` when the
    header is not the first line."""
    with path.open("rb") as f:
        head = f.read(1 << 16)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            raise NeedsRowReader from None
        text = head[: exc.start].decode("utf-8-sig")
    first, nl, _ = text.partition("\n")
    if not nl or not first.strip() or first.count('"') % 2 or ingest.is_sep_line(first):
        # blank lines first, a one-line file, a quoted name over lines, Excel's sep= line: the row reader decides
        raise NeedsRowReader
    if delimiter is None:
        delimiter = ingest.sniff_delimiter(first.rstrip("\r"))
    names = next(csv.reader(io.StringIO(first.rstrip("\r")), delimiter=delimiter))
    return names, delimiter


def _refuse_row(_row: Any) -> str:
    return "error"  # a record with the wrong number of fields: the row reader reports it


def _csv_batches(file: LedgerFile, *, columns: Sequence[str], aliases: Mapping[str, str], required: Sequence[str],
                 missing_error: Callable[[list[str]], Exception], dictionary_columns: frozenset[str],
                 delimiter: str | None) -> Iterator[Batch]:
    names, sniffed = csv_header(file.path, delimiter)
    delimiter = sniffed
    index = _column_index(names, aliases, required, missing_error)
    raw = [f"c{i}" for i in range(len(names))]
    wanted = sorted(set(index.values()))
    dict_at = {i for c, i in index.items() if c in dictionary_columns}
    text = pa.string()
    dict_text = pa.dictionary(pa.int32(), text)
    try:
        reader = pa_csv.open_csv(
            file.path,
            read_options=pa_csv.ReadOptions(column_names=raw, skip_rows=1, block_size=CSV_BLOCK_BYTES, use_threads=True),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=_refuse_row),
            convert_options=pa_csv.ConvertOptions(column_types={raw[i]: (dict_text if i in dict_at else text) for i in wanted},
                                                  include_columns=[raw[i] for i in wanted], strings_can_be_null=False),
        )
        local = {c: wanted.index(i) for c, i in index.items()}
        row = FIRST_RECORD_ROW
        for rb in reader:
            n = rb.num_rows
            if not n:
                continue
            yield Batch(row, n, {c: (None if c not in local else rb.column(local[c])) for c in columns})
            row += n
    except (pa.ArrowInvalid, UnicodeDecodeError):
        raise NeedsRowReader from None
