"""The OSS / IOSS partial summary of one ledger file, vectorised with ``pyarrow.compute``.

Per batch of rows:

1. Amounts are checked and cast in bulk: a string matching the decimal pattern the row reader
   accepts (:data:`taxapi.money.DECIMAL_PATTERN`), or a decimal column, becomes ``decimal128(38, 12)``
   (exact: 15 integer and 12 fraction digits fit, and sums of billions of rows stay within 38).
   Rows whose amounts fail that check, or whose net and tax amounts have opposite signs, go to the
   row-by-row validator (:meth:`taxapi.oss.service.OssLedger.classify`), which gives them exactly the
   rejection it gives in the CSV and JSON paths.
2. The other rows are grouped by the raw text of every other column plus the sign of the amounts,
   with exact decimal sums and counts (Arrow's hash aggregation). A row's outcome depends on its
   amounts only through their sign, so each distinct combination is classified once, by the same
   ``classify`` (cached across batches): accepted groups add their sums to the return line or
   correction they belong to; rejected groups are counted, and their rows are looked up (a join on
   the group key) only while the list of rejected rows has room.
3. Rejected rows are listed in row order with their row numbers (see
   :data:`taxapi.ledgers.FIRST_RECORD_ROW`) and, for a partition of a dataset, the partition.

A CSV file the Arrow reader cannot read exactly as the row reader would (see
:class:`~taxapi.ledgers.sources.NeedsRowReader`) is read again by
:class:`taxapi.oss.service.CsvLedgerReader`, so every file gets the same answer either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.acero  # noqa: F401  (Table.group_by loads it on first use; load it with this module)
import pyarrow.compute as pc

from taxapi.ledgers import FIRST_RECORD_ROW
from taxapi.ledgers.sources import Batch, LedgerFile, NeedsRowReader, as_text, missing_columns_error, read_batches
from taxapi.money import DECIMAL_PATTERN
from taxapi.oss.service import (
    LEDGER_COLUMNS, REQUIRED_CSV_COLUMNS, CsvLedgerReader, OssLedger, OssPartial, ReturnSpec, RowRejected,
)

AMOUNT = pa.decimal128(27, 12)  # what DECIMAL_PATTERN admits: 15 integer and 12 fraction digits
MAX_PRECISION = 28  # decimal columns summed as they are up to this precision (sums keep 38 digits)
#: Columns grouped on (every ledger column but id and the amounts), in LEDGER_COLUMNS order.
KEY_COLUMNS = ("date", "country_of_consumption", "ship_from_country", "supply", "rate_percent", "currency",
               "deemed_supplier", "original_period", "scheme")
AMOUNT_COLUMNS = frozenset({"net_amount", "tax_amount"})
DICTIONARY_COLUMNS = frozenset(KEY_COLUMNS)  # few distinct values: grouped on as dictionary indices
LAZY_COLUMNS = frozenset({"id"})  # needed only for rejected rows
ALIASES = {c: c for c in LEDGER_COLUMNS}
_MAX_CACHED = 1_000_000


def missing_columns(loc: str) -> Callable[[list[str]], Exception]:
    return missing_columns_error(loc, "{loc}: the CSV header lacks {columns}", "required column missing")


def as_text_unless_amount(column: str, values: pa.Array) -> pa.Array:
    return values if column in AMOUNT_COLUMNS else as_text(values)


def _exact_amounts(v: pa.Array, n: int) -> tuple[pa.Array, pa.Array | None]:
    """The amounts as a decimal array to sum exactly, and which rows hold a valid amount (None: all;
    the others hold 0 and are left to the row validator)."""
    if pa.types.is_decimal(v.type):
        good = pc.is_valid(v) if v.null_count else None
        if v.type.precision > MAX_PRECISION:
            try:
                v = v.cast(pa.decimal128(MAX_PRECISION, min(v.type.scale, MAX_PRECISION)))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return pa.array([Decimal(0)] * n, AMOUNT), pa.array([False] * n)
        return (v if good is None else pc.fill_null(v, pa.scalar(Decimal(0), v.type))), good
    good = pc.fill_null(pc.match_substring_regex(v, DECIMAL_PATTERN), False)
    return pc.if_else(good, v, "0").cast(AMOUNT), good


@dataclass(slots=True)
class _Prepared:
    keys: dict[str, pa.Array]
    neg: pa.Array
    fast: pa.Array
    n_fast: int
    groups: pa.Table | None


def prepare(batch: Batch) -> _Prepared:
    """The vector part of a batch (Arrow kernels only, no ledger state): amounts checked and cast,
    the rows that need the row validator, the grouped sums of the others. (Running it in a second
    thread while the previous batch is classified was measured no faster on two cores.)"""
    n = batch.num_rows
    cols = batch.columns
    # absent columns are not grouped on: their value is "" in every row
    keys = {c: (cols[c] if not cols[c].null_count else pc.fill_null(cols[c], "")) for c in KEY_COLUMNS
            if cols[c] is not None}
    amounts, ok = {}, None
    for c in ("net_amount", "tax_amount"):
        v, good = _exact_amounts(cols[c], n)
        amounts[c] = v
        if good is not None:
            ok = good if ok is None else pc.and_(ok, good)
    net, tax = amounts["net_amount"], amounts["tax_amount"]
    net_zero, tax_zero = pa.scalar(Decimal(0), net.type), pa.scalar(Decimal(0), tax.type)
    net_neg, tax_neg = pc.less(net, net_zero), pc.less(tax, tax_zero)
    net_pos, tax_pos = pc.greater(net, net_zero), pc.greater(tax, tax_zero)
    mismatch = pc.or_(pc.and_(net_pos, tax_neg), pc.and_(net_neg, tax_pos))
    fast = pc.invert(mismatch) if ok is None else pc.and_(ok, pc.invert(mismatch))
    neg = pc.or_(net_neg, tax_neg)
    n_fast = pc.sum(fast).as_py() or 0
    groups = None
    if n_fast:
        table = pa.table({**keys, "neg": neg, "net": net, "tax": tax})
        if n_fast < n:
            table = table.filter(fast)
        groups = table.group_by([*keys, "neg"], use_threads=False).aggregate(
            [("net", "sum"), ("tax", "sum"), ("net", "count")])
    return _Prepared(keys, neg, fast, n_fast, groups)


class _BatchSummer:
    """Adds batches of one file to an :class:`OssLedger`."""

    def __init__(self, ledger: OssLedger):
        self.ledger = ledger
        self.outcomes: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def _outcome(self, combo: tuple[Any, ...]) -> tuple[Any, ...]:
        hit = self.outcomes.get(combo)
        if hit is None:
            date_v, cc, ship, supply, rate, cur, deemed, orig, scheme, neg = combo
            if isinstance(date_v, date):
                date_v = date_v.isoformat()  # a date32 column: the text Arrow's cast gives the row reader
            sign = "-1" if neg else "1"
            try:
                correction, key, _, _ = self.ledger.classify(date_v, cc, ship, supply, rate, sign, sign, cur, deemed, orig, scheme)
                hit = (True, correction, key)
            except RowRejected as exc:
                hit = (False, exc.code, exc.detail)
            if len(self.outcomes) < _MAX_CACHED:
                self.outcomes[combo] = hit
        return hit

    def add(self, batch: Batch) -> None:
        self.apply(batch, prepare(batch))

    def apply(self, batch: Batch, prep: "_Prepared") -> None:
        """Add a prepared batch to the ledger (Python: classification, sums, rejected rows)."""
        ledger = self.ledger
        n = batch.num_rows
        keys, neg, fast, n_fast, groups = prep.keys, prep.neg, prep.fast, prep.n_fast, prep.groups
        rejected: list[tuple[int, str | None, str, str]] = []
        room = ledger.max_rejected - len(ledger.rejected)
        if n_fast:
            bad: list[tuple[Any, ...]] = []
            assert groups is not None
            absent = [""] * groups.num_rows
            key_values = [groups[c].to_pylist() if c in keys else absent for c in KEY_COLUMNS]
            for *combo_values, neg_v, net_sum, tax_sum, count in zip(
                    *key_values, groups["neg"].to_pylist(), groups["net_sum"].to_pylist(), groups["tax_sum"].to_pylist(),
                    groups["net_count"].to_pylist(), strict=True):
                combo = (*combo_values, neg_v)
                ledger.rows_count += count
                out = self._outcome(combo)
                if out[0]:
                    ledger.add_sums(out[1], out[2], net_sum, tax_sum, count)
                else:
                    ledger.rejected_count += count
                    bad.append((*(v.isoformat() if isinstance(v, date) else v for v in combo), out[1], out[2]))
            if bad and room > 0:
                rejected.extend(self._rejected_rows(batch, keys, neg, fast, bad, room))
        n_slow = n - n_fast
        if n_slow:
            rows = pc.indices_nonzero(pc.invert(fast))
            values = {c: (None if batch.column(c) is None else as_text_unless_amount(c, batch.column(c).take(rows)).to_pylist())
                      for c in LEDGER_COLUMNS}
            classify, add = ledger.classify, ledger.add_sums
            for j, i in enumerate(rows.to_pylist()):
                ledger.rows_count += 1
                vals = [None if values[c] is None else values[c][j] for c in LEDGER_COLUMNS[1:]]
                try:
                    correction, key, net_v, tax_v = classify(*vals)
                except RowRejected as exc:
                    ledger.rejected_count += 1
                    if room > 0:
                        row_id = values["id"][j] if values["id"] is not None else None
                        rejected.append((batch.first_row + i, row_id or None, exc.code, exc.detail))
                    continue
                add(correction, key, net_v, tax_v, 1)
        if rejected:
            rejected.sort(key=lambda r: r[0])
            for row, row_id, code, detail in rejected[: max(room, 0)]:
                entry = {"row": row, "id": row_id, "code": code, "detail": detail}
                if ledger.partition is not None:
                    entry["partition"] = ledger.partition
                ledger.rejected.append(entry)

    @staticmethod
    def _rejected_rows(batch: Batch, keys: dict[str, pa.Array], neg: pa.Array, fast: pa.Array,
                       bad: list[tuple[Any, ...]], room: int) -> Iterable[tuple[int, str | None, str, str]]:
        """The first ``room`` rows (in row order) of the rejected groups ``bad``."""
        index = pc.indices_nonzero(fast)
        ids = batch.column("id")
        blank = pa.array([""] * batch.num_rows, pa.string())
        keys = {c: (as_text(keys[c]) if c in keys else blank) for c in KEY_COLUMNS}
        rows = pa.table({**keys, "neg": neg, "id": ids if ids is not None else pa.nulls(batch.num_rows, pa.string())}).filter(fast)
        rows = rows.append_column("i", index)
        names = [*KEY_COLUMNS, "neg"]
        bad_t = pa.table({**{c: [b[k] for b in bad] for k, c in enumerate(names)},
                          "code": [b[-2] for b in bad], "detail": [b[-1] for b in bad]},
                         schema=pa.schema([*(pa.field(c, pa.string()) for c in KEY_COLUMNS), pa.field("neg", pa.bool_()),
                                           pa.field("code", pa.string()), pa.field("detail", pa.string())]))
        hit = rows.join(bad_t, keys=names, join_type="inner", use_threads=False)
        hit = hit.take(pc.sort_indices(hit["i"])[:room])
        for i, row_id, code, detail in zip(hit["i"].to_pylist(), hit["id"].to_pylist(), hit["code"].to_pylist(),
                                            hit["detail"].to_pylist(), strict=True):
            yield batch.first_row + i, row_id or None, code, detail


def file_partial(file: LedgerFile, *, spec: ReturnSpec, currencies: Iterable[str], loc: str = "ledger") -> OssPartial:
    """The partial summary of one ledger file (vectorised; CSV files that need it row by row)."""
    currencies = frozenset(currencies)
    ledger = OssLedger(spec, _currencies=currencies, partition=file.partition)
    summer = _BatchSummer(ledger)
    batches = read_batches(file, columns=LEDGER_COLUMNS, aliases=ALIASES, required=REQUIRED_CSV_COLUMNS,
                           missing_error=missing_columns(loc), decimal_columns=AMOUNT_COLUMNS,
                           dictionary_columns=DICTIONARY_COLUMNS, lazy_columns=LAZY_COLUMNS, loc=loc)
    try:
        for batch in batches:
            summer.add(batch)
    except NeedsRowReader:
        ledger = OssLedger(spec, _currencies=currencies, partition=file.partition)
        reader = CsvLedgerReader(ledger, loc=loc)
        with file.path.open("rb") as f:
            while chunk := f.read(1 << 20):
                reader.feed(chunk)
        reader.close()
    return ledger.partial()


def rows_partial(spec: ReturnSpec, rows: Any, *, currencies: Iterable[str], partition: str | None = None) -> OssPartial:
    """The partial summary of an Arrow table or record batch with the ledger's columns (for
    Spark's ``mapInArrow`` and similar per-partition callbacks); rows are numbered from
    :data:`~taxapi.ledgers.FIRST_RECORD_ROW` within it."""
    from taxapi.ledgers.sources import _as_ledger_column, _column_index

    ledger = OssLedger(spec, _currencies=frozenset(currencies), partition=partition)
    summer = _BatchSummer(ledger)
    index = _column_index(rows.schema.names, ALIASES, REQUIRED_CSV_COLUMNS, missing_columns("rows"))
    batches = rows.to_batches() if isinstance(rows, pa.Table) else [rows]
    first = FIRST_RECORD_ROW
    for rb in batches:
        if rb.num_rows:
            cols = {c: (None if c not in index else _as_ledger_column(rb.column(index[c]), c, c in AMOUNT_COLUMNS, "rows",
                                                                      c in DICTIONARY_COLUMNS))
                    for c in LEDGER_COLUMNS}
            summer.add(Batch(first, rb.num_rows, cols))
            first += rb.num_rows
    return ledger.partial()
