"""Dated legal parameters: ``rates/parameters/<CC>.json``, checked strictly.

A parameter is a named value with effective-dated periods, newest first, each
citing its source: a low-value import limit (amount and currency), a
marketplace withholding rate with its base and the facts it depends on, the
start date of a regime. Schema rules come from ``schemas/parameters.schema.json``;
what a schema cannot express is checked here with the rate-table loader's
helpers: duplicate keys and JSON numbers (refused by :func:`read_json_strict`),
newest-first distinct dates, a value of the parameter's kind (decimal strings
for percents and amounts, a percent within 0-100, a real calendar date), a
currency for amounts and only for them, and the file named after its country.
Any violation raises :class:`~taxapi.errors.InvalidRateTable` naming the file
and the field.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Union

from taxapi.errors import InvalidRateTable
from taxapi.money import supported_currencies
from taxapi.rate_tables.loader import (
    _date,
    default_rates_dir,
    default_schema_path,
    newest_first_starts,
    read_json_strict,
    validate_against_schema,
)

PARAMETERS_DIR = "parameters"
SCHEMA = "parameters.schema.json"
Value = Union[Decimal, int, date, bool, str, None]
_DECIMAL = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class ParameterPeriod:
    effective_from: date
    effective_to: date | None  # inclusive; None = open
    value: Value  # None: the rule does not apply in this period
    source: str
    note: str | None
    unverified: str | None


@dataclass(frozen=True)
class Parameter:
    id: str
    description: str
    kind: str  # percent | amount | count | date | flag | code
    currency: str | None
    tax: str | None
    base: str | None
    base_fraction: str | None
    collected_by: str | None
    conditions: dict[str, Any]
    note: str | None
    periods: tuple[ParameterPeriod, ...]  # oldest first
    _starts: tuple[date, ...] = field(repr=False, default=())

    def period_on(self, day: date) -> ParameterPeriod | None:
        """The period in force on ``day``, or None before the first one."""
        i = bisect.bisect_right(self._starts, day) - 1
        return self.periods[i] if i >= 0 else None

    def value_on(self, day: date) -> Value:
        """The value on ``day``; None before the first period or where the rule does not apply."""
        period = self.period_on(day)
        return None if period is None else period.value


@dataclass(frozen=True)
class ParameterSet:
    country: str
    name: str
    note: str | None
    file: str
    parameters: dict[str, Parameter]

    def get(self, parameter_id: str) -> Parameter:
        return self.parameters[parameter_id]


def _value(kind: str, raw: Any, rel: str, loc: str) -> Value:
    if raw is None:
        return None
    if kind == "flag":
        if not isinstance(raw, bool):
            raise InvalidRateTable(rel, loc, "a flag is true or false")
        return raw
    if not isinstance(raw, str):
        raise InvalidRateTable(rel, loc, f"a {kind} is a string")
    if kind in ("percent", "amount"):
        if not _DECIMAL.match(raw):
            raise InvalidRateTable(rel, loc, f"'{raw}' is not a decimal string (e.g. \"0.5\")")
        try:
            number = Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            raise InvalidRateTable(rel, loc, f"'{raw}' is not a decimal") from None
        if number < 0 or (kind == "percent" and number > 100):
            raise InvalidRateTable(rel, loc, f"'{raw}' is outside 0-100" if kind == "percent" else f"'{raw}' is negative")
        return number
    if kind == "count":
        if not raw.isdigit() or not raw.isascii():
            raise InvalidRateTable(rel, loc, f"'{raw}' is not a whole number")
        return int(raw)
    if kind == "date":
        return _date(raw, rel, loc)
    if not _CODE.match(raw):
        raise InvalidRateTable(rel, loc, f"'{raw}' is not a lower-case code")
    return raw


def parse_parameters(doc: Any, rel: str, schema_path: Path | None = None) -> ParameterSet:
    validate_against_schema(doc, rel, schema_path or default_schema_path(SCHEMA))
    country = doc["country"]
    if Path(rel).stem != country:
        raise InvalidRateTable(rel, "country", f"'{country}' does not match the file name '{Path(rel).stem}.json'")
    parameters: dict[str, Parameter] = {}
    for pid, raw in doc["parameters"].items():
        loc = f"parameters/{pid}"
        kind = raw["kind"]
        currency = raw.get("currency")
        if (kind == "amount") != (currency is not None):
            raise InvalidRateTable(rel, f"{loc}/currency", "required for an amount, and only for an amount")
        if currency is not None and currency not in supported_currencies():
            raise InvalidRateTable(rel, f"{loc}/currency", f"'{currency}' is not a currency known to CLDR/babel")
        raw_periods = raw["periods"]
        starts = newest_first_starts(raw_periods, rel, f"{loc}/periods")
        periods: list[ParameterPeriod] = []
        for i in range(len(raw_periods) - 1, -1, -1):
            p = raw_periods[i]
            end = starts[i - 1] - timedelta(days=1) if i > 0 else None
            value = _value(kind, p["value"], rel, f"{loc}/periods/{i}/value")
            periods.append(ParameterPeriod(starts[i], end, value, p["source"], p.get("note"), p.get("unverified")))
        parameters[pid] = Parameter(
            id=pid,
            description=raw["description"],
            kind=kind,
            currency=currency,
            tax=raw.get("tax"),
            base=raw.get("base"),
            base_fraction=raw.get("base_fraction"),
            collected_by=raw.get("collected_by"),
            conditions=dict(raw.get("conditions", {})),
            note=raw.get("note"),
            periods=tuple(periods),
            _starts=tuple(p.effective_from for p in periods),
        )
    return ParameterSet(country=country, name=doc["name"], note=doc.get("note"), file=rel, parameters=parameters)


def load_parameters(rates_dir: Path | None = None, schema_path: Path | None = None) -> dict[str, ParameterSet]:
    """Every ``parameters/*.json`` under ``rates_dir``, by country (an absent folder is no parameters)."""
    rates_dir = Path(rates_dir or default_rates_dir())
    folder = rates_dir / PARAMETERS_DIR
    sets: dict[str, ParameterSet] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        rel = path.relative_to(rates_dir).as_posix()
        ps = parse_parameters(read_json_strict(path, rel), rel, schema_path)
        sets[ps.country] = ps
    return sets


@lru_cache(maxsize=1)
def get_parameters() -> dict[str, ParameterSet]:
    """The process-wide parameters, loaded once (at app start-up)."""
    return load_parameters()
