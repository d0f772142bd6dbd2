"""Threshold evaluation of ledger files: CSV, Parquet, Arrow IPC, one file or a partitioned dataset.

Each file is read into ``(row, 12-tuple)`` pairs in :data:`taxapi.thresholds.ledger.FIELDS` order
and validated row by row by :class:`~taxapi.thresholds.ledger.RowReader` (the threshold rules look
at each sale's kind, destination and day; there is little to vectorise). Rows are numbered as a
spreadsheet shows them (:data:`taxapi.ledgers.FIRST_RECORD_ROW`). The evaluation is the mergeable
one of :mod:`taxapi.thresholds.service`: pass 1 per file (:func:`file_partial`), merged; then the
sales of the few days the analysis asks for, per file (:func:`file_day_sales`), in file order.
Both maps run here or on a Dask cluster (:class:`taxapi.ledgers.cluster.Engine`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from taxapi.ecb import GivenRate
from taxapi.ledgers import FIRST_RECORD_ROW
from taxapi.ledgers.cluster import Engine
from taxapi.ledgers.sources import Batch, LedgerFile, NeedsRowReader, discover, missing_columns_error, read_batches
from taxapi.thresholds import service
from taxapi.thresholds.ledger import COLUMN_ALIASES, FIELDS, REQUIRED, Rejection, RowReader, Sale


def _missing(loc: str) -> Callable[[list[str]], Exception]:
    return missing_columns_error(loc, "CSV header lacks column(s): {columns}", "column required")


def file_rows(file: LedgerFile, loc: str = "ledger") -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``(row, values)`` of one ledger file."""
    if file.format == "csv":
        from taxapi.thresholds.router import _CsvLedger  # the CSV body reader of POST /v1/thresholds

        with file.path.open("rb") as f:
            yield from _CsvLedger(f).rows()  # numbered as a spreadsheet shows them
        return
    for batch in read_batches(file, columns=FIELDS, aliases=COLUMN_ALIASES, required=REQUIRED, missing_error=_missing(loc),
                              loc=loc):
        absent = [None] * batch.num_rows
        cols = [absent if batch.columns[c] is None else batch.columns[c].to_pylist() for c in FIELDS]
        yield from enumerate(zip(*cols, strict=True), start=batch.first_row)


def _context() -> dict[str, Any]:
    from taxapi.ecb import get_ecb_rates
    from taxapi.rate_tables.loader import get_rate_book
    from taxapi.thresholds.rules import get_threshold_rules

    return {"rules": get_threshold_rules(), "ecb": get_ecb_rates(), "book": get_rate_book()}


def file_partial(file: LedgerFile, *, seller: service.Seller, as_of: date, loc: str = "ledger") -> service.ThresholdPartial:
    """Pass 1 over one file (on whichever process runs it), vectorised; a CSV file the Arrow reader
    cannot read as the CSV body reader of ``POST /v1/thresholds`` would is read by that reader."""
    from decimal import localcontext

    ctx = _context()
    reader = RowReader(as_of=as_of, seller_country=seller.country, book=ctx["book"])
    acc = service.Pass1(ctx["rules"], *service.pass1_context(seller=seller, as_of=as_of, rules=ctx["rules"], ecb=ctx["ecb"]),
                        file.partition)
    summer = _GroupedPass1(acc, reader)
    try:
        with localcontext() as dctx:
            dctx.prec = 60
            for batch in _batches(file, loc, KEY_FIELDS):
                summer.add(batch)
    except NeedsRowReader:
        return service.partial(file_rows(file, loc), seller=seller, as_of=as_of, partition=file.partition, **ctx)
    acc.ledger.missing_ca_region = summer.missing_ca_region
    return acc.ledger


def _batches(file: LedgerFile, loc: str, dictionary_columns: frozenset[str] = frozenset()) -> Iterator[Batch]:
    """Arrow batches of a ledger file; for CSV (comma-separated, as the body reader) a batch with a
    row that may be blank (no letter or digit in any column: the body reader skips blank rows
    without counting them) raises :class:`NeedsRowReader`."""
    import pyarrow.compute as pc

    for batch in read_batches(file, columns=FIELDS, aliases=COLUMN_ALIASES, required=REQUIRED, missing_error=_missing(loc),
                              dictionary_columns=dictionary_columns, loc=loc, csv_delimiter=","):
        if file.format == "csv":
            maybe_blank = None
            for c in FIELDS:
                v = batch.columns[c]
                if v is not None:
                    empty = pc.invert(pc.match_substring_regex(v.cast("string"), "[0-9A-Za-z]"))
                    maybe_blank = empty if maybe_blank is None else pc.and_(maybe_blank, empty)
            if maybe_blank is not None and pc.any(maybe_blank).as_py():
                raise NeedsRowReader
        yield batch


#: Every column but the amount and the transaction count: a row's outcome depends on those two only
#: through whether they can be read, so rows are grouped on the others and read once per group.
KEY_FIELDS = frozenset(f for f in FIELDS if f not in ("net_amount", "transactions"))
_TX_PATTERN = r"^[0-9]{0,15}$"


class _GroupedPass1:
    """Adds Arrow batches to a :class:`~taxapi.thresholds.service.Pass1`, one read per distinct
    combination of the key columns; rows with an amount or count the vector check cannot take are
    read one by one (same reasons)."""

    def __init__(self, acc: service.Pass1, reader: RowReader):
        self.acc, self.reader = acc, reader
        self.outcomes: dict[tuple[Any, ...], tuple[Any, int]] = {}
        self.missing_ca_region = 0

    def _read(self, row: int, values: tuple[Any, ...]) -> tuple[Any, int]:
        before = self.reader.missing_ca_region
        out = self.reader.read(row, values)
        return out, self.reader.missing_ca_region - before

    def add(self, batch: Batch) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        from taxapi.ledgers.sources import as_text
        from taxapi.money import DECIMAL_PATTERN

        n, cols = batch.num_rows, batch.columns
        keys = {c: (v if not v.null_count else pc.fill_null(v, "")) for c in FIELDS if c in KEY_FIELDS
                and (v := cols[c]) is not None}
        amount_text = cols["net_amount"]
        ok = pc.fill_null(pc.match_substring_regex(amount_text, DECIMAL_PATTERN), False)
        amount = pc.if_else(ok, amount_text, "0").cast(pa.decimal128(27, 12))
        tx_text = cols["transactions"]
        if tx_text is None:
            tx = pa.array([1] * n, pa.int64())
        else:
            tx_text = pc.fill_null(tx_text, "")
            tx_ok = pc.match_substring_regex(tx_text, _TX_PATTERN)
            ok = pc.and_(ok, tx_ok)
            tx = pc.if_else(pc.equal(tx_text, ""), "1", pc.if_else(tx_ok, tx_text, "0")).cast(pa.int64())
        zero = pa.scalar(Decimal(0), amount.type)
        positive = pc.if_else(pc.greater(amount, zero), amount, zero)
        n_fast = pc.sum(ok).as_py() or 0
        acc = self.acc
        if n_fast:
            table = pa.table({**keys, "amount": amount, "positive": positive, "tx": tx})
            if n_fast < n:
                table = table.filter(ok)
            groups = table.group_by(list(keys), use_threads=False).aggregate(
                [("amount", "sum"), ("positive", "sum"), ("tx", "sum"), ("amount", "count")])
            absent = [None] * groups.num_rows
            key_values = [groups[c].to_pylist() if c in keys else absent for c in FIELDS if c in KEY_FIELDS]
            bad = []
            for *combo, total, pos, tx_sum, count in zip(
                    *key_values, groups["amount_sum"].to_pylist(), groups["positive_sum"].to_pylist(),
                    groups["tx_sum"].to_pylist(), groups["amount_count"].to_pylist(), strict=True):
                combo = tuple(v.isoformat() if isinstance(v, date) else v for v in combo)
                hit = self.outcomes.get(combo)
                if hit is None:
                    d, to_c, to_r, to_pc, from_c, cur, cust, cat, chan, ex = combo
                    hit = self.outcomes[combo] = self._read(-1, (d, to_c, to_r, to_pc, from_c, "1", cur, cust, cat, chan, "1", ex))
                out, ca_missing = hit
                self.missing_ca_region += ca_missing * count
                if isinstance(out, Sale):
                    acc.add(out._replace(amount=total, transactions=tx_sum), positive=pos, rows=count)
                else:
                    bad.append((combo, out))
            if bad:
                self._reject_groups(batch, keys, ok, bad)
        if n_fast < n:
            rows = pc.indices_nonzero(pc.invert(ok))
            values = [None if cols[c] is None else as_text(cols[c].take(rows)).to_pylist() for c in FIELDS]
            absent = [None] * len(rows)
            for i, vals in zip(rows.to_pylist(), zip(*(v if v is not None else absent for v in values), strict=True),
                               strict=True):
                out, ca_missing = self._read(batch.first_row + i, vals)
                self.missing_ca_region += ca_missing
                if isinstance(out, Sale):
                    acc.add(out)
                else:
                    acc.reject(out)

    def _reject_groups(self, batch: Batch, keys: dict[str, Any], ok: Any, bad: list[tuple[tuple[Any, ...], Rejection]]) -> None:
        """Every row of the rejected groups, with its row number."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from taxapi.ledgers.sources import as_text

        names = [c for c in FIELDS if c in KEY_FIELDS]
        present = [c for c in names if c in keys]
        rows = pa.table({c: as_text(keys[c]) for c in present}).filter(ok).append_column("i", pc.indices_nonzero(ok))
        pos = {c: names.index(c) for c in present}
        bad_t = pa.table({**{c: pa.array([combo[pos[c]] or "" for combo, _ in bad], pa.string()) for c in present},
                          "k": pa.array(list(range(len(bad))), pa.int64())})
        hit = rows.join(bad_t, keys=present, join_type="inner", use_threads=False)
        for i, k in zip(hit["i"].to_pylist(), hit["k"].to_pylist(), strict=True):
            rej = bad[k][1]
            self.acc.reject(Rejection(batch.first_row + i, rej.code, rej.detail))


def file_day_sales(file: LedgerFile, *, days: frozenset[date], seller: service.Seller,
                   as_of: date, loc: str = "ledger") -> list[tuple[str | None, Sale]]:
    """Pass 2 over one file: its valid sales on ``days`` (only the rows whose date is one of those
    days, or not a plain ISO date, are read)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    wanted = pa.array(sorted(d.isoformat() for d in days), pa.string())

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        for batch in _batches(file, loc):
            d = pc.fill_null(batch.columns["date"], "")
            mask = pc.or_(pc.is_in(d, value_set=wanted), pc.invert(pc.match_substring_regex(d, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")))
            idx = pc.indices_nonzero(mask)
            if not len(idx):
                continue
            absent = [None] * len(idx)
            cols = [absent if batch.columns[c] is None else batch.columns[c].take(idx).to_pylist() for c in FIELDS]
            yield from zip((batch.first_row + i for i in idx.to_pylist()), zip(*cols, strict=True))

    book = _context()["book"]
    try:
        return service.day_sales(rows(), days, seller=seller, as_of=as_of, book=book, partition=file.partition)
    except NeedsRowReader:
        return service.day_sales(file_rows(file, loc), days, seller=seller, as_of=as_of, book=book, partition=file.partition)


def evaluate_files(
    files: Sequence[LedgerFile], *, seller: service.Seller, as_of: date, eu_destination_option: bool,
    engine: Engine, loc: str = "ledger", exchange_rates: Sequence[GivenRate] = (),
) -> dict[str, Any]:
    """The thresholds response for a ledger of one or more files (``exchange_rates``: the caller's rates for
    conversions the ECB rates cannot make, used by :func:`taxapi.thresholds.service.finish` only)."""
    ctx = _context()
    first = functools.reduce(service.merge, engine.map(file_partial, files, seller=seller, as_of=as_of, loc=loc))

    def second_pass(days: frozenset[date]) -> Iterator[tuple[str | None, Sale]]:
        for sales in engine.map(file_day_sales, files, days=days, seller=seller, as_of=as_of, loc=loc):
            yield from sales

    return service.finish(first, seller=seller, as_of=as_of, eu_destination_option=eu_destination_option,
                          rules=ctx["rules"], ecb=ctx["ecb"], book=ctx["book"], rates_version=ctx["book"].version,
                          second_pass=second_pass, exchange_rates=exchange_rates)


def evaluate_ledger(ledger: str, *, seller: service.Seller, as_of: date, eu_destination_option: bool = False,
                    engine: str = "local", workers: int | None = None, scheduler: str | None = None,
                    exchange_rates: Sequence[GivenRate] = ()) -> dict[str, Any]:
    files = discover(ledger, loc="ledger")
    with Engine(engine, workers=workers, scheduler=scheduler) as eng:
        return evaluate_files(files, seller=seller, as_of=as_of, eu_destination_option=eu_destination_option, engine=eng,
                              exchange_rates=exchange_rates)
