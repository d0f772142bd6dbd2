"""Put a newer rate-table release into ``TAXAPI_DATA_DIR/rates``, checked first, swapped in whole.

The server reads that copy before the installed tables (``loader.default_rates_dir``), so tables can
be updated without reinstalling the package and without writing into it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from taxapi.errors import InvalidRateTable
from taxapi.rate_tables.loader import RELEASE_FILE, load_rate_book
from taxapi.rate_tables.model import RateBook


def install_rates(source: Path, data_dir: Path) -> tuple[Path, RateBook]:
    """Check ``source`` with the strict loaders (rate tables, thresholds and the ECB history it ships),
    then make it ``data_dir/rates``.

    The copy is checked again where it lands and replaces the previous release in one rename, so a
    server starting meanwhile reads either the old release or the new one, never half of each.
    """
    from taxapi.ecb import ECB_FILE, EcbRates
    from taxapi.thresholds.rules import load_threshold_rules

    source, data_dir = Path(source), Path(data_dir)
    book = load_rate_book(source)
    load_threshold_rules(source)
    if (source / "ecb" / ECB_FILE).exists():
        EcbRates.from_file(source / "ecb" / ECB_FILE)
    dest, staged, previous = data_dir / "rates", data_dir / "rates.new", data_dir / "rates.old"
    if source.resolve() == dest.resolve():
        raise InvalidRateTable(str(source), "(directory)", "is already the installed release")
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(source, staged)
    if load_rate_book(staged).version != book.version or not (staged / RELEASE_FILE).is_file():
        shutil.rmtree(staged, ignore_errors=True)
        raise InvalidRateTable(str(source), "(directory)", "changed while it was being copied")
    shutil.rmtree(previous, ignore_errors=True)
    if dest.exists():
        dest.rename(previous)
    staged.rename(dest)
    shutil.rmtree(previous, ignore_errors=True)
    return dest, book
