"""Command line: ``taxapi serve``, ``taxapi rates check``, ``taxapi openapi``, ``taxapi ecb refresh``."""

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


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "taxapi.app:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        log_level=args.log_level,
        access_log=not args.no_access_log,
    )
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taxapi", description="VAT, GST and sales-tax calculation API")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server (uvicorn, taxapi.app:app)")
    serve.add_argument("--host", default=os.environ.get("TAXAPI_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("TAXAPI_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("TAXAPI_WORKERS", "1")),
                       help="worker processes (one per core is a good start)")
    serve.add_argument("--forwarded-allow-ips", default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
                       help="proxies whose X-Forwarded-* headers are trusted")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--no-access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)

    rates = sub.add_parser("rates", help="rate tables")
    rates_sub = rates.add_subparsers(dest="rates_command", required=True)
    check = rates_sub.add_parser("check", help="validate the rate tables and print rates_version")
    check.add_argument("dir", nargs="?", help="rates directory (default: the one the server uses)")
    check.set_defaults(func=cmd_rates_check)
    readme = rates_sub.add_parser("readme", help="rewrite the supported-jurisdictions table in README.md")
    readme.add_argument("--readme", default="README.md")
    readme.set_defaults(func=cmd_rates_readme)

    oa = sub.add_parser("openapi", help="write openapi.yaml from the app")
    oa.add_argument("-o", "--output", default=OPENAPI_FILE)
    oa.add_argument("--check", action="store_true", help="fail if the file differs from the app's schema")
    oa.set_defaults(func=cmd_openapi)

    ecb_p = sub.add_parser("ecb", help="ECB reference rates")
    ecb_sub = ecb_p.add_subparsers(dest="ecb_command", required=True)
    refresh = ecb_sub.add_parser("refresh", help="download the ECB history and replace the shipped copy")
    refresh.add_argument("--source", default="https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip",
                         help="URL or local file of eurofxref-hist.zip / .csv")
    refresh.add_argument("--dest", help="file to write (default: the copy the server uses)")
    refresh.set_defaults(func=cmd_ecb_refresh)
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
