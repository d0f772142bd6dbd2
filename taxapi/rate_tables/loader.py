"""Strict loader for ``rates/**/*.json``.

Schema rules (types, enums, patterns) come from ``schemas/rate-table.schema.json``;
the rules a schema cannot express are checked here: duplicate keys, float-typed
numbers, newest-first unique dates, every category mapped from the start of the
table, every referenced rate kind present in every period it overlaps, a
currency babel knows, unambiguous address matching. Any violation raises
:class:`~taxapi.errors.InvalidRateTable` naming the file and the field, and the
server refuses to start.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from taxapi.categories import NUMERIC_KINDS, Category, RateKind
from taxapi.errors import InvalidRateTable
from taxapi.money import supported_currencies
from taxapi.rate_tables.model import CategoryPeriod, Jurisdiction, MatchRule, RateBook, RatePeriod
from taxapi.rate_tables.parameters import load_parameters
from taxapi.settings import get_settings

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent
RELEASE_FILE = "RELEASE"
#: Country-code aliases accepted wherever a jurisdiction id is (VAT prefix EL for Greece).
ALIASES = {"EL": "GR"}


def default_rates_dir() -> Path:
    """``TAXAPI_RATES_DIR``; else ``TAXAPI_DATA_DIR/rates`` when it holds a release; else the installed tables."""
    settings = get_settings()
    if settings.rates_dir is not None:
        return settings.rates_dir
    if settings.data_dir is not None and (settings.data_dir / "rates" / RELEASE_FILE).is_file():
        return settings.data_dir / "rates"
    packaged = PACKAGE_DIR / "_data" / "rates"
    if packaged.is_dir():
        return packaged
    return REPO_DIR / "rates"


def default_schema_path(name: str = "rate-table.schema.json") -> Path:
    """The shipped JSON Schema ``name`` (packaged copy first, else the repository's ``schemas/``)."""
    packaged = PACKAGE_DIR / "_data" / "schemas" / name
    if packaged.is_file():
        return packaged
    return REPO_DIR / "schemas" / name


class _Strict:
    """json.load hooks that refuse duplicate keys and binary floats."""

    def __init__(self, file: str):
        self.file = file

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise InvalidRateTable(self.file, key, "duplicate key")
            out[key] = value
        return out

    def number(self, text: str) -> Any:
        raise InvalidRateTable(self.file, text, "numbers must be decimal strings (e.g. \"19\"), not JSON numbers")


def read_json_strict(path: Path, rel: str) -> Any:
    hooks = _Strict(rel)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRateTable(rel, "(file)", f"not UTF-8: {exc}") from None
    try:
        return json.loads(
            text,
            object_pairs_hook=hooks.pairs,
            parse_float=hooks.number,
            parse_int=lambda t: _int_ok(t, rel),
        )
    except json.JSONDecodeError as exc:
        raise InvalidRateTable(rel, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None


def _int_ok(text: str, rel: str) -> int:
    # Integers are allowed only where the schema wants one (schema_version).
    return int(text)


@lru_cache(maxsize=4)
def schema_validator(schema_path: str) -> jsonschema.protocols.Validator:
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _loc(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(root)"


def validate_against_schema(doc: Any, rel: str, schema_path: Path) -> None:
    """Raise :class:`InvalidRateTable` for the first schema violation (in path order), naming the field."""
    errors = sorted(schema_validator(str(schema_path)).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise InvalidRateTable(rel, _loc(errors[0]), errors[0].message)


def _date(value: str, rel: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRateTable(rel, field, f"'{value}' is not a calendar date (YYYY-MM-DD)") from None


def newest_first_starts(raw_periods: list[dict[str, Any]], rel: str, loc: str) -> list[date]:
    """The ``effective_from`` dates of ``loc``'s periods, checked to be calendar dates, newest first and distinct."""
    starts = [_date(p["effective_from"], rel, f"{loc}/{i}/effective_from") for i, p in enumerate(raw_periods)]
    for i in range(1, len(starts)):
        if starts[i] >= starts[i - 1]:
            raise InvalidRateTable(
                rel,
                f"{loc}/{i}/effective_from",
                f"periods must be newest first with distinct dates: {starts[i]} follows {starts[i - 1]} "
                "(unsorted or overlapping periods)",
            )
    return starts


def parse_table(doc: Any, rel: str, schema_path: Path | None = None) -> Jurisdiction:
    validate_against_schema(doc, rel, schema_path or default_schema_path())

    jid = doc["jurisdiction"]
    stem = Path(rel).stem
    if stem != jid:
        raise InvalidRateTable(rel, "jurisdiction", f"'{jid}' does not match the file name '{stem}.json'")
    if doc["currency"] not in supported_currencies():
        raise InvalidRateTable(rel, "currency", f"'{doc['currency']}' is not a currency known to CLDR/babel")

    # Rate periods: newest first, strictly decreasing dates.
    raw_periods = doc["periods"]
    starts = newest_first_starts(raw_periods, rel, "periods")
    periods: list[RatePeriod] = []
    for i in range(len(raw_periods) - 1, -1, -1):
        p = raw_periods[i]
        end = starts[i - 1] - timedelta(days=1) if i > 0 else None
        rates = {RateKind(k): Decimal(v) for k, v in p["rates_percent"].items()}
        periods.append(RatePeriod(starts[i], end, rates, p["source"], p.get("note")))

    # Category periods.
    categories: dict[Category, tuple[CategoryPeriod, ...]] = {}
    for cat_name, raw in doc["categories"].items():
        try:
            cat = Category(cat_name)
        except ValueError:
            raise InvalidRateTable(rel, f"categories/{cat_name}", "unknown product tax category") from None
        cstarts = newest_first_starts(raw, rel, f"categories/{cat_name}")
        if cstarts[-1] > starts[-1]:
            raise InvalidRateTable(
                rel, f"categories/{cat_name}",
                f"mapping starts on {cstarts[-1]} but the rate table starts on {starts[-1]}: "
                "every category must be mapped from the first day of the table",
            )
        cperiods: list[CategoryPeriod] = []
        for i in range(len(raw) - 1, -1, -1):
            c = raw[i]
            end = cstarts[i - 1] - timedelta(days=1) if i > 0 else None
            cperiods.append(CategoryPeriod(cstarts[i], end, RateKind(c["rate_kind"]), c["source"], c.get("note")))
        # Every numeric kind used must exist in every rate period it overlaps.
        for cp in cperiods:
            if cp.rate_kind not in NUMERIC_KINDS:
                continue
            for rp in periods:
                overlaps = (cp.effective_to is None or rp.effective_from <= cp.effective_to) and (
                    rp.effective_to is None or cp.effective_from <= rp.effective_to
                )
                if overlaps and cp.rate_kind not in rp.rates_percent:
                    raise InvalidRateTable(
                        rel, f"categories/{cat_name}",
                        f"maps to rate kind '{cp.rate_kind.value}' from {cp.effective_from}, but the period "
                        f"starting {rp.effective_from} has no such rate",
                    )
        categories[cat] = tuple(cperiods)

    if not doc["match"] and not doc.get("parent"):
        raise InvalidRateTable(rel, "match", "a table no address selects (empty match) must name its parent")
    match: list[MatchRule] = []
    for i, m in enumerate(doc["match"]):
        pattern = None
        if "postal_code" in m:
            try:
                pattern = re.compile(m["postal_code"])
            except re.error as exc:
                raise InvalidRateTable(rel, f"match/{i}/postal_code", f"invalid regular expression: {exc}") from None
        cities = tuple(m["city"]) if "city" in m else None
        match.append(MatchRule(m["country"], m.get("region"), pattern, cities, m.get("note")))

    period_tuple = tuple(periods)
    return Jurisdiction(
        id=jid,
        name=doc["name"],
        tax_name=doc["tax_name"],
        country=doc["country"],
        parent=doc.get("parent"),
        currency=doc["currency"],
        regime=doc["regime"],
        tax_type=doc.get("tax_type"),
        note=doc.get("note"),
        file=rel,
        match=tuple(match),
        periods=period_tuple,
        categories=categories,
        _period_starts=tuple(p.effective_from for p in period_tuple),
        _category_starts={c: tuple(p.effective_from for p in ps) for c, ps in categories.items()},
    )


def table_files(rates_dir: Path) -> list[Path]:
    """The jurisdiction tables: every ``*.json`` under ``rates_dir`` except the shared parameter files."""
    return sorted(
        p for p in rates_dir.rglob("*.json")
        if p.is_file() and p.parent.name not in {"thresholds", "parameters"}
        and "us-local" not in p.relative_to(rates_dir).parts  # local tables: taxapi.us_local
    )


def content_hash(rates_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in rates_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(rates_dir).as_posix()
        digest.update(rel.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def load_rate_book(rates_dir: Path | None = None, schema_path: Path | None = None) -> RateBook:
    rates_dir = Path(rates_dir or default_rates_dir())
    if not rates_dir.is_dir():
        raise InvalidRateTable(str(rates_dir), "(directory)", "rate-table directory not found")
    release_path = rates_dir / RELEASE_FILE
    if not release_path.is_file():
        raise InvalidRateTable(RELEASE_FILE, "(file)", "missing: it names the release and its as-of date")
    release_doc = read_json_strict(release_path, RELEASE_FILE)
    try:
        release = str(release_doc["release"])
        as_of = date.fromisoformat(release_doc["as_of"])
    except (KeyError, TypeError, ValueError):
        raise InvalidRateTable(RELEASE_FILE, "release/as_of", "needs {\"release\": \"...\", \"as_of\": \"YYYY-MM-DD\"}") from None

    jurisdictions: dict[str, Jurisdiction] = {}
    by_country: dict[tuple[str, str | None], str] = {}
    postcode_rules: dict[str, list[tuple[MatchRule, str]]] = {}
    for path in table_files(rates_dir):
        rel = path.relative_to(rates_dir).as_posix()
        doc = read_json_strict(path, rel)
        j = parse_table(doc, rel, schema_path)
        if j.id in jurisdictions:
            raise InvalidRateTable(rel, "jurisdiction", f"'{j.id}' is also defined in {jurisdictions[j.id].file}")
        jurisdictions[j.id] = j
        for i, rule in enumerate(j.match):
            if rule.postal_code is not None:
                postcode_rules.setdefault(rule.country, []).append((rule, j.id))
                continue
            key = (rule.country, rule.region)
            if key in by_country:
                raise InvalidRateTable(
                    rel, f"match/{i}",
                    f"country {rule.country}{'/' + rule.region if rule.region else ''} is already matched by "
                    f"{jurisdictions[by_country[key]].file}",
                )
            by_country[key] = j.id
    if not jurisdictions:
        raise InvalidRateTable(str(rates_dir), "(directory)", "no rate tables found")
    for j in jurisdictions.values():
        if j.parent is not None and j.parent not in jurisdictions:
            raise InvalidRateTable(j.file, "parent", f"unknown parent jurisdiction '{j.parent}'")

    parameters, eu_members = load_parameters(rates_dir)
    version = f"{release}+{content_hash(rates_dir)}"
    from taxapi.us_local.store import local_table_for  # validates the US local tables with the rates

    local_table = local_table_for(rates_dir)
    local = local_table.fingerprint
    if local is not None:
        version += f"+us.{local}"
    from taxapi.ecb import override_fingerprint  # the ECB history, when it is not the one in rates_dir

    ecb = override_fingerprint() if rates_dir == default_rates_dir() else None
    if ecb is not None:
        version += f"+ecb.{ecb}"
    book = RateBook(
        version=version,
        release=release,
        as_of=as_of,
        jurisdictions=dict(sorted(jurisdictions.items())),
        aliases=dict(ALIASES),
        _by_country=by_country,
        _postcode_rules={k: tuple(v) for k, v in postcode_rules.items()},
        parameters=parameters,
        eu_members=eu_members,
    )
    from taxapi.regimes import check_book  # the regimes read the book's types: imported late

    check_book(book)
    book.cache("us_local")["table"] = local_table  # the US regime's local rates go with this book
    from taxapi.regimes import prepare_book

    prepare_book(book)
    return book


@lru_cache(maxsize=1)
def get_rate_book() -> RateBook:
    """The process-wide rate book, loaded once (at app start-up)."""
    return load_rate_book()
