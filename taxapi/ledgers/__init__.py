"""Ledgers at scale: columnar input (CSV, Parquet, Arrow IPC), partitioned datasets, vectorised
summaries and a cluster engine.

* :mod:`taxapi.ledgers.sources` finds the files of a ledger (one file, a directory or a glob of
  partitions) and reads them in Arrow record batches with the ledger's column names.
* :mod:`taxapi.ledgers.oss` computes the mergeable OSS/IOSS partial summary of one file,
  vectorised with ``pyarrow.compute``; :func:`taxapi.oss.service.merge` and
  :func:`~taxapi.oss.service.finish` turn partials into the return.
* :mod:`taxapi.ledgers.thresholds` feeds ledger files to the mergeable threshold evaluation.
* :mod:`taxapi.ledgers.cluster` runs the per-file partials on a Dask cluster.

This package module itself imports nothing heavy: the HTTP app and the CLI import pyarrow only
when a columnar ledger arrives.
"""

from __future__ import annotations

from taxapi.ingest import FIRST_DATA_ROW as FIRST_RECORD_ROW

#: ``row`` of the first data record of a ledger file: the row a spreadsheet shows for it (the
#: header is row 1), the one numbering of :mod:`taxapi.ingest`. Parquet and Arrow files have no
#: header line but are numbered the same way, so a ledger exported as CSV or as Parquet reports the
#: same row numbers.
__all__ = ["FIRST_RECORD_ROW"]
