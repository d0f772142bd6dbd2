"""``taxapi rates import-us-zip5``, ``import-sst`` and ``import-cdtfa``: argument parsing and output.

The work is done by :mod:`taxapi.us_local.importers`; this module turns its results into one line on
stdout, its errors into one line on stderr with exit code 2 (never a traceback), and shows a progress
bar on stderr when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


class _Bar:
    """Adapts the importers' progress callback to the CLI's progress bar (created once the total is known)."""

    def __init__(self, enabled: bool, make: Callable[[int], Any]):
        self.enabled = enabled
        self.make = make
        self.bar: Any = None
        self.done = self.rows = 0

    def __call__(self, done: int, total: int, rows: int) -> None:
        if self.bar is None:
            self.bar = self.make(total)
        self.done, self.rows = done, rows
        self.bar.update(done, rows)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.finish(self.done, self.rows)

    @property
    def callback(self) -> Callable[[int, int, int], None] | None:
        return self if self.enabled else None


def _run(args: argparse.Namespace, work: Callable[[Callable[[int, int, int], None] | None], Any]) -> int:
    from taxapi.cli import Progress
    from taxapi.errors import TaxApiError

    show = args.progress if args.progress is not None else sys.stderr.isatty()
    bar = _Bar(show, lambda total: Progress(total))
    try:
        summary = work(bar.callback)
    except TaxApiError as exc:
        bar.finish()
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    except OSError as exc:
        bar.finish()
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    bar.finish()
    states = summary.states
    shown = ", ".join(states) if len(states) <= 6 else f"{len(states)} states"
    skipped = f"; skipped {summary.skipped}" if summary.skipped else ""
    print(f"imported {shown} into {summary.path} (effective {summary.effective_from.isoformat()}): "
          f"{summary.jurisdictions} jurisdiction rates, {summary.boundaries} boundary records{skipped}")
    return 0


def cmd_import_zip5(args: argparse.Namespace) -> int:
    from taxapi.us_local.importers import import_zip5

    return _run(args, lambda progress: import_zip5([Path(f) for f in args.files], Path(args.out),
                                                   effective=args.effective, progress=progress))


def cmd_import_sst(args: argparse.Namespace) -> int:
    from taxapi.us_local.importers import import_sst

    return _run(args, lambda progress: import_sst(Path(args.rates), [Path(f) for f in args.boundaries],
                                                  Path(args.out), effective=args.effective, progress=progress))


def cmd_import_cdtfa(args: argparse.Namespace) -> int:
    from taxapi.categories import RateKind
    from taxapi.rate_tables.loader import get_rate_book
    from taxapi.us_local.importers import cdtfa_effective_date, import_cdtfa

    def work(progress):
        day = args.effective or cdtfa_effective_date(Path(args.file)) or date.min
        statewide = get_rate_book().get("US-CA").rate_percent(RateKind.standard, day)
        return import_cdtfa(Path(args.file), Path(args.out), statewide_percent=statewide,
                            effective=args.effective, progress=progress)

    return _run(args, work)


def _common(p: argparse.ArgumentParser, effective_default: str, func: Callable[[argparse.Namespace], int]) -> None:
    """--out, --effective and the progress flags every import command takes."""
    p.add_argument("--out", required=True, metavar="DIR",
                   help="import directory to write, e.g. under TAXAPI_US_LOCAL_DIR (an earlier import there is replaced)")
    p.add_argument("--effective", type=_date, metavar="YYYY-MM-DD",
                   help=f"first tax date the import answers for ({effective_default})")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="show a progress bar on stderr (default: only when stderr is a terminal)")
    bar.add_argument("--no-progress", dest="progress", action="store_false")
    p.set_defaults(func=func)


def register(rates_sub: Any) -> None:
    """Add the import subcommands to ``taxapi rates``."""
    z = rates_sub.add_parser(
        "import-us-zip5", help="import ZIP5 rate tables (9-column layout) as a US local table",
        description="Import ZIP5 rate tables (State, ZipCode, TaxRegionName, EstimatedCombinedRate, StateRate, "
                    "EstimatedCountyRate, EstimatedCityRate, EstimatedSpecialRate, RiskLevel) into an import "
                    "directory under TAXAPI_US_LOCAL_DIR. Exit code 2 on a bad file.")
    z.add_argument("files", nargs="+", metavar="FILE")
    _common(z, "default: from the YYYYMM in the file names", cmd_import_zip5)

    s = rates_sub.add_parser(
        "import-sst", help="import Streamlined Sales Tax rate and boundary files as a US local table",
        description="Import an SST rate file and boundary files (ZIP5, ZIP+4 and address records) into an "
                    "import directory under TAXAPI_US_LOCAL_DIR. Exit code 2 on a bad file.")
    s.add_argument("--rates", required=True, metavar="FILE", help="the SST rate file (headerless CSV)")
    s.add_argument("--boundaries", required=True, nargs="+", metavar="FILE", help="SST boundary file(s)")
    _common(s, "default: the quarter in the rate file's name (2026Q2: 2026-04-01), else the latest record start",
            cmd_import_sst)

    c = rates_sub.add_parser(
        "import-cdtfa", help="import CDTFA's California city and county rates (no boundaries)",
        description="Import the CDTFA 'Effective Sales and Use Tax Rates' CSV export as California local "
                    "jurisdictions (each place's district taxes above the statewide rate). Exit code 2 on a bad file.")
    c.add_argument("file", metavar="FILE")
    _common(c, "default: the M-D-YY in the file name (SalesTaxRates1-1-26.csv: 2026-01-01)", cmd_import_cdtfa)
