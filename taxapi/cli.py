"""Command line: ``taxapi serve``, ``taxapi rates check``, ``taxapi openapi``, ``taxapi ecb refresh``,
``taxapi oss-summary``, ``taxapi thresholds``, ``taxapi --version``.

A failure the user can fix (a bad setting, a missing file, an offline download, a bad rate table) is one
line on stderr, ``taxapi: <what>: <why>``, and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable

OPENAPI_FILE = "openapi.yaml"


def openapi_yaml() -> str:
    import yaml

    from taxapi.app import app

    return yaml.safe_dump(app.openapi(), sort_keys=False, allow_unicode=True, width=100)


def _log_config(level: str) -> dict:
    """uvicorn's logging, plus ``taxapi.access``: the middleware's JSON lines, printed as they are on stdout."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["taxapi_line"] = {"format": "%(message)s"}
    config["handlers"]["taxapi_access"] = {"class": "logging.StreamHandler", "formatter": "taxapi_line",
                                           "stream": "ext://sys.stdout"}
    config["loggers"]["taxapi.access"] = {"handlers": ["taxapi_access"], "level": "INFO", "propagate": False}
    config["loggers"]["taxapi"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def cmd_serve(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    import uvicorn

    from taxapi.settings import get_settings

    if args.no_access_log:
        os.environ["TAXAPI_ACCESS_LOG"] = "false"  # the workers read the same environment
        get_settings.cache_clear()
    settings = get_settings()
    workers = args.workers or settings.workers
    metrics_dir = None
    if workers > 1 and settings.metrics and settings.prometheus_multiproc_dir is None:
        # Each worker counts in its own files; /metrics adds them up (prometheus-client multiprocess mode).
        metrics_dir = tempfile.mkdtemp(prefix="taxapi-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        from taxapi.app import app  # noqa: F401 - loads and checks every table and setting before listening

        uvicorn.run(
            "taxapi.app:app",
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=workers,
            proxy_headers=True,
            forwarded_allow_ips=args.forwarded_allow_ips or settings.forwarded_allow_ips,
            log_level=args.log_level or settings.log_level,
            log_config=_log_config(args.log_level or settings.log_level),
            access_log=False,  # the app logs each request itself, without personal data (taxapi/middleware.py)
            timeout_graceful_shutdown=settings.shutdown_timeout,
            server_header=False,  # no "server: uvicorn" advertised
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def cmd_rates_check(args: argparse.Namespace) -> int:
    from taxapi.errors import InvalidRateTable
    from taxapi.rate_tables.loader import load_rate_book

    try:
        book = load_rate_book(Path(args.dir) if args.dir else None)
    except InvalidRateTable as exc:
        print(f"invalid rate table: {exc.detail}", file=sys.stderr)
        return 1
    print(f"rates_version {book.version}: {len(book.jurisdictions)} jurisdictions, as of {book.as_of.isoformat()}")
    return 0


def cmd_rates_install(args: argparse.Namespace) -> int:
    from taxapi.rate_tables.install import install_rates
    from taxapi.settings import SettingsError, get_settings

    data_dir = get_settings().data_dir
    if data_dir is None:
        raise SettingsError("TAXAPI_DATA_DIR: set it to the directory the server reads newer rate tables from")
    dest, book = install_rates(Path(args.dir), data_dir)
    print(f"installed rates_version {book.version} ({len(book.jurisdictions)} jurisdictions, as of "
          f"{book.as_of.isoformat()}) in {dest}; restart the server to serve it")
    return 0


README_START = "<!-- jurisdictions:start -->"
README_END = "<!-- jurisdictions:end -->"


def cmd_rates_readme(args: argparse.Namespace) -> int:
    from taxapi.rate_tables.loader import load_rate_book
    from taxapi.reference.service import jurisdictions_markdown

    path = Path(args.readme)
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    block = jurisdictions_markdown(load_rate_book())
    path.write_text(f"{head}{README_START}\n{block}\n{README_END}{tail}", encoding="utf-8")
    print(f"updated the supported-jurisdictions table in {path}")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    text = openapi_yaml()
    target = Path(args.output)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run `taxapi openapi` to regenerate it", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def cmd_ecb_refresh(args: argparse.Namespace) -> int:
    from taxapi import ecb

    dest, last = ecb.refresh(args.source, Path(args.dest) if args.dest else None)
    print(f"ECB reference rates updated in {dest}: published up to {last.isoformat()}")
    return 0


class Progress:
    """A one-line progress bar on stderr (stdlib only), redrawn at most ten times a second."""

    def __init__(self, total: int | None, stream=None, enabled: bool = True):
        import time

        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._clock = time.monotonic
        self._last = 0.0

    def update(self, done: int, rows: int, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        if self.total:
            frac = min(done / self.total, 1.0)
            bar = "#" * int(frac * 30)
            text = f"\r[{bar:<30}] {frac:6.1%} {done / 1e6:8.1f}/{self.total / 1e6:.1f} MB {rows:>12,} rows"
        else:
            text = f"\r{done / 1e6:8.1f} MB {rows:>12,} rows"
        self.stream.write(text)
        self.stream.flush()

    def finish(self, done: int, rows: int) -> None:
        if self.enabled:
            self.update(done, rows, force=True)
            self.stream.write("\n")
            self.stream.flush()


def cmd_oss_summary(args: argparse.Namespace) -> int:
    import functools
    import json

    from taxapi.ecb import get_ecb_rates
    from taxapi.errors import TaxApiError
    from taxapi.oss import formats, service
    from taxapi.oss.schemas import OssSummary
    from taxapi.rate_tables.loader import get_rate_book

    stdin = args.ledger == "-"
    source = sys.stdin.buffer if stdin else None
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    progress = Progress(None, enabled=show)
    try:
        book, ecb = get_rate_book(), get_ecb_rates()
        vat_ids = {}
        for value in args.establishment_vat_id:
            cc, _, number = value.partition(":")
            if len(cc) != 2 or not number:
                print(f"--establishment-vat-id {value!r}: expected COUNTRY:NUMBER, e.g. PL:PL5260001246", file=sys.stderr)
                return 2
            vat_ids[cc.upper()] = number
        spec = service.return_spec(scheme=args.scheme, period=args.period,
                                   member_state_of_identification=args.msi, loc="option")
        if stdin:
            ledger = service.OssLedger(spec, _currencies=frozenset(ecb.currencies()))
            reader = service.CsvLedgerReader(ledger, loc="ledger")
            while chunk := source.read(1 << 20):
                reader.feed(chunk)
                progress.update(reader.bytes_read, ledger.rows_count)
            reader.close()
            progress.finish(reader.bytes_read, ledger.rows_count)
            part = ledger.partial()
        else:
            from taxapi.ledgers import oss as ledger_oss
            from taxapi.ledgers.cluster import map_files
            from taxapi.ledgers.sources import discover

            files = discover(args.ledger, loc="ledger")
            sizes = [f.path.stat().st_size for f in files]
            progress.total = sum(sizes)
            done = [0, 0]

            def tick(i: int, p: service.OssPartial) -> None:
                done[0] += sizes[i]
                done[1] += p.rows_count
                progress.update(done[0], done[1])

            partials = map_files(ledger_oss.file_partial, files, engine="dask" if args.scheduler else args.engine,
                                 workers=args.workers, scheduler=args.scheduler, progress=tick,
                                 spec=spec, currencies=frozenset(ecb.currencies()), loc="ledger")
            part = functools.reduce(service.merge, partials)
            progress.finish(done[0], part.rows_count)
        summary = service.finish(part, book=book, ecb=ecb)
        data: bytes
        if args.format == "json":
            body = OssSummary.model_validate(summary).model_dump(mode="json")
            data = (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode()
        elif args.format == "csv":
            data = formats.summary_csv(summary).encode()
        elif args.format == "html":
            data = formats.summary_html(summary).encode()
        else:
            files = formats.bzst_files(summary, establishment_vat_ids=vat_ids, corrections=args.bzst_corrections)
            data = files[0][1].encode() if len(files) == 1 else formats.zip_files(files)
            if len(files) > 1 and not args.output:
                print(f"the BZSt return needs {len(files)} files: give --output FILE.zip", file=sys.stderr)
                return 2
    except TaxApiError as exc:
        print(f"error ({exc.code.value}): {exc.detail}", file=sys.stderr)
        return 2
    return _write(args.output, data, f"{summary['transactions_count']} transactions, "
                                     f"{summary['rejected_count']} rejected, VAT {summary['total_tax_amount']} EUR")


def _write(output: str | None, data: bytes, what: str) -> int:
    """``data`` to the ``--output`` file (saying what was written on stderr) or to stdout."""
    if output:
        Path(output).write_bytes(data)
        print(f"wrote {output}: {what}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def cmd_thresholds(args: argparse.Namespace) -> int:
    import json
    from datetime import date

    from taxapi.errors import TaxApiError
    from taxapi.ledgers.thresholds import evaluate_ledger
    from taxapi.thresholds.schemas import ThresholdsResponse, check_as_of, parse_exchange_rates
    from taxapi.thresholds.service import Seller

    try:
        as_of = date.fromisoformat(args.as_of)
        check_as_of(as_of)
    except ValueError as exc:
        print(f"--as-of {args.as_of!r}: {exc}", file=sys.stderr)
        return 2
    others = tuple(c.strip().upper() for c in args.seller_other_establishments.split(",") if c.strip())
    seller = Seller(args.seller_country.upper(), args.seller_region.upper() if args.seller_region else None, others)
    try:
        rates = parse_exchange_rates(args.exchange_rate, ["--exchange-rate"])
        result = evaluate_ledger(args.ledger, seller=seller, as_of=as_of, eu_destination_option=args.eu_destination_option,
                                 engine=args.engine, workers=args.workers, scheduler=args.scheduler, exchange_rates=rates)
    except TaxApiError as exc:
        print(f"error ({exc.code.value}): {exc.detail}", file=sys.stderr)
        return 2
    body = ThresholdsResponse.model_validate(result).model_dump(mode="json")
    data = (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode()
    crossed = [j["jurisdiction"] for j in body["jurisdictions"] if j["exceeded"] and j["applicable"]]
    open_ = [j["jurisdiction"] for j in body["jurisdictions"] if j.get("error")]
    return _write(args.output, data, f"{body['rows_counted']} rows counted, {len(body['rejected'])} rejected; "
                                     f"exceeded: {', '.join(crossed) or 'none'}"
                                     + (f"; not evaluated (exchange rate missing): {', '.join(open_)}" if open_ else ""))


def add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", default="local", choices=["local", "dask"],
                   help="local: this process; dask: the files of a partitioned ledger on a Dask cluster")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="with --engine dask: a local cluster of N worker processes (default 2)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="the scheduler of an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (implies --engine dask)")


def build_parser() -> argparse.ArgumentParser:
    from taxapi import __version__

    parser = argparse.ArgumentParser(prog="taxapi", description="VAT, GST and sales-tax calculation API")
    parser.add_argument("--version", action="version", version=f"taxapi {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server (uvicorn, taxapi.app:app)")
    serve.add_argument("--host", help="address to listen on (default: TAXAPI_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=_port, help="TCP port (default: TAXAPI_PORT, 8000)")
    serve.add_argument("--workers", type=_workers,
                       help="worker processes, one per core is a good start (default: TAXAPI_WORKERS, 1)")
    serve.add_argument("--forwarded-allow-ips",
                       help="proxies whose X-Forwarded-* headers are trusted (default: TAXAPI_FORWARDED_ALLOW_IPS, 127.0.0.1)")
    serve.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"],
                       help="default: TAXAPI_LOG_LEVEL, info")
    serve.add_argument("--no-access-log", action="store_true", help="same as TAXAPI_ACCESS_LOG=false")
    serve.set_defaults(func=cmd_serve)

    rates = sub.add_parser("rates", help="rate tables")
    rates_sub = rates.add_subparsers(dest="rates_command", required=True)
    check = rates_sub.add_parser("check", help="validate the rate tables and print rates_version")
    check.add_argument("dir", nargs="?", help="rates directory (default: the one the server uses)")
    check.set_defaults(func=cmd_rates_check)
    install = rates_sub.add_parser("install", help="check a rates directory and make it TAXAPI_DATA_DIR/rates")
    install.add_argument("dir", help="rates directory of the new release (with RELEASE)")
    install.set_defaults(func=cmd_rates_install)
    readme = rates_sub.add_parser("readme", help="rewrite the supported-jurisdictions table in README.md")
    readme.add_argument("--readme", default="README.md")
    readme.set_defaults(func=cmd_rates_readme)
    from taxapi.us_local.commands import register as register_us_local_imports

    register_us_local_imports(rates_sub)

    oa = sub.add_parser("openapi", help="write openapi.yaml from the app")
    oa.add_argument("-o", "--output", default=OPENAPI_FILE)
    oa.add_argument("--check", action="store_true", help="fail if the file differs from the app's schema")
    oa.set_defaults(func=cmd_openapi)

    ecb_p = sub.add_parser("ecb", help="ECB reference rates")
    ecb_sub = ecb_p.add_subparsers(dest="ecb_command", required=True)
    refresh = ecb_sub.add_parser("refresh", help="download the ECB history into TAXAPI_DATA_DIR (the server then reads it)")
    refresh.add_argument("--source", default="https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip",
                         help="URL or local file of eurofxref-hist.zip / .csv")
    refresh.add_argument("--dest", help="file to write, .zip or .csv (default: TAXAPI_DATA_DIR/ecb/eurofxref-hist.zip)")
    refresh.set_defaults(func=cmd_ecb_refresh)

    oss = sub.add_parser("oss-summary", help="OSS / IOSS return data from a ledger (CSV, Parquet, Arrow; offline)")
    oss.add_argument("ledger", help="ledger file (CSV, Parquet, Arrow IPC), a directory or glob of partitions, "
                                    "or - for CSV on stdin")
    add_engine_options(oss)
    oss.add_argument("--scheme", required=True, choices=["union", "non_union", "ioss"])
    oss.add_argument("--period", required=True, help="2026-Q3 or 2026-07")
    oss.add_argument("--msi", required=True, help="Member State of identification, e.g. DE")
    oss.add_argument("--format", default="json", choices=["json", "csv", "bzst", "html"])
    oss.add_argument("-o", "--output", help="write to this file instead of stdout")
    oss.add_argument("--establishment-vat-id", action="append", default=[], metavar="CC:NUMBER",
                     help="VAT (or tax) number in a dispatch / establishment Member State (BZSt file)")
    oss.add_argument("--bzst-corrections", default="refuse", choices=["refuse", "manual"])
    bar = oss.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="show a progress bar on stderr (default: only when stderr is a terminal)")
    bar.add_argument("--no-progress", dest="progress", action="store_false")
    oss.set_defaults(func=cmd_oss_summary)

    th = sub.add_parser("thresholds", help="registration thresholds from a ledger (CSV, Parquet, Arrow; offline)")
    th.add_argument("ledger", help="ledger file (CSV, Parquet, Arrow IPC) or a directory or glob of partitions")
    th.add_argument("--seller-country", required=True, help="where the seller is established, e.g. DE")
    th.add_argument("--seller-region", help="the seller's state or province (US, CA)")
    th.add_argument("--seller-other-establishments", default="", metavar="CC,CC",
                    help="other countries where the seller has an establishment")
    th.add_argument("--as-of", required=True, help="evaluation date, YYYY-MM-DD (sales after it are rejected)")
    th.add_argument("--eu-destination-option", action="store_true",
                    help="the seller opted for destination taxation below EUR 10,000 (Art. 59c(3))")
    th.add_argument("--exchange-rate", action="append", default=[], metavar="FROM:TO:RATE[:DATE]",
                    help="a rate for a conversion the ECB rates cannot make (e.g. USD:TWD:32.5:2025-04-07: TWD per USD "
                         "from that day; without a date, every day); repeat for more")
    th.add_argument("-o", "--output", help="write the JSON to this file instead of stdout")
    add_engine_options(th)
    th.set_defaults(func=cmd_thresholds)
    return parser


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, not {value}")
        return value

    return parse


_port = _bounded_int(1, 65535)
_workers = _bounded_int(1, 512)


def failure_line(exc: BaseException) -> str | None:
    """The one line a known failure is reported as, or None for a bug (which keeps its traceback)."""
    from taxapi.ecb import EcbDataError
    from taxapi.errors import InvalidRateTable, TaxApiError
    from taxapi.settings import SettingsError

    if isinstance(exc, InvalidRateTable):
        return f"invalid rate table: {exc.detail}"
    if isinstance(exc, TaxApiError):
        return f"error ({exc.code.value}): {exc.detail}"
    if isinstance(exc, (SettingsError, EcbDataError)):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (Exception, KeyboardInterrupt) as exc:
        line = "interrupted" if isinstance(exc, KeyboardInterrupt) else failure_line(exc)
        if line is None:
            raise
        print(f"taxapi: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
