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
from typing import Any

from taxapi.ledgers import FIRST_RECORD_ROW
from taxapi.ledgers.cluster import Engine
from taxapi.ledgers.sources import LedgerFile, discover, missing_columns_error, read_batches
from taxapi.thresholds import service
from taxapi.thresholds.ledger import COLUMN_ALIASES, FIELDS, REQUIRED, Sale


def _missing(loc: str) -> Callable[[list[str]], Exception]:
    return missing_columns_error(loc, "CSV header lacks column(s): {columns}", "column required")


def file_rows(file: LedgerFile, loc: str = "ledger") -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``(row, values)`` of one ledger file."""
    if file.format == "csv":
        from taxapi.thresholds.router import _CsvLedger  # the CSV body reader of POST /v1/thresholds

        with file.path.open("rb") as f:
            yield from enumerate(_CsvLedger(f).rows(), start=FIRST_RECORD_ROW)
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
    """Pass 1 over one file (on whichever process runs it)."""
    return service.partial(file_rows(file, loc), seller=seller, as_of=as_of, partition=file.partition, **_context())


def file_day_sales(file: LedgerFile, *, days: frozenset[date], seller: service.Seller,
                   as_of: date, loc: str = "ledger") -> list[tuple[str | None, Sale]]:
    """Pass 2 over one file: its valid sales on ``days``."""
    return service.day_sales(file_rows(file, loc), days, seller=seller, as_of=as_of, book=_context()["book"],
                             partition=file.partition)


def evaluate_files(
    files: Sequence[LedgerFile], *, seller: service.Seller, as_of: date, eu_destination_option: bool,
    engine: Engine, loc: str = "ledger",
) -> dict[str, Any]:
    """The thresholds response for a ledger of one or more files."""
    ctx = _context()
    first = functools.reduce(service.merge, engine.map(file_partial, files, seller=seller, as_of=as_of, loc=loc))

    def second_pass(days: frozenset[date]) -> Iterator[tuple[str | None, Sale]]:
        for sales in engine.map(file_day_sales, files, days=days, seller=seller, as_of=as_of, loc=loc):
            yield from sales

    return service.finish(first, seller=seller, as_of=as_of, eu_destination_option=eu_destination_option,
                          rules=ctx["rules"], ecb=ctx["ecb"], book=ctx["book"], rates_version=ctx["book"].version,
                          second_pass=second_pass)


def evaluate_ledger(ledger: str, *, seller: service.Seller, as_of: date, eu_destination_option: bool = False,
                    engine: str = "local", workers: int | None = None, scheduler: str | None = None) -> dict[str, Any]:
    files = discover(ledger, loc="ledger")
    with Engine(engine, workers=workers, scheduler=scheduler) as eng:
        return evaluate_files(files, seller=seller, as_of=as_of, eu_destination_option=eu_destination_option, engine=eng)
