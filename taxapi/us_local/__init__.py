"""US local sales tax as data: jurisdictions (state, county, city, special district) with dated rates,
and the ZIP5 / ZIP+4 boundaries that bind them, imported from public files and looked up by ZIP code.

- :mod:`taxapi.us_local.model`: the typed lookup (:class:`LocalTable.lookup` ->
  :class:`LocalResolution`), :meth:`LocalTable.zip_in_state`.
- :mod:`taxapi.us_local.store`: the on-disk format of an import, its writer and strict loader;
  :func:`get_local_table` loads the shipped tables (``rates/us-local/``) and every import under
  ``TAXAPI_US_LOCAL_DIR``.
- :mod:`taxapi.us_local.importers`: ZIP5 tables, Streamlined Sales Tax files, CDTFA's California table.

See ``docs/us-local.md``.
"""

from taxapi.us_local.model import (
    LOWEST_COMBINED_RATE,
    Level,
    LocalJurisdiction,
    LocalResolution,
    LocalTable,
    ResolvedBy,
)
from taxapi.us_local.store import get_local_table, load_local_table

__all__ = [
    "LOWEST_COMBINED_RATE",
    "Level",
    "LocalJurisdiction",
    "LocalResolution",
    "LocalTable",
    "ResolvedBy",
    "get_local_table",
    "load_local_table",
]
