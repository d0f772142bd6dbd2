"""Dated legal parameters of the tax regimes, loaded strictly from ``rates/parameters/*.json``.

One file per regime (``MX.json``, ``IN.json`` ...), validated by ``schemas/parameters.schema.json``
and by the loader's conventions, with the rate-table loader's helpers: duplicate keys and JSON
numbers refused, periods newest first with distinct dates, a ``source`` per period. A parameter is
not in force before its oldest period, nor in a period with ``"in_force": false``.

Its ``kind`` says what a period holds: a ``limit`` is an amount in a currency (a value limit) or
nothing (a rule that starts on a date); a ``percent``, ``count``, ``code`` or ``flag`` is the
period's ``value``. A withholding rate also names its tax, its base, the share of the base, who
collects it and the facts it applies under (``conditions``), so the regime's code reads them
instead of restating them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Union

from taxapi.errors import InvalidRateTable
from taxapi.money import supported_currencies
from taxapi.rate_tables.loader import (
    default_rates_dir,
    default_schema_path,
    newest_first_starts,
    read_json_strict,
    validate_against_schema,
)

PARAMETERS_DIR = "parameters"
SCHEMA = "parameters.schema.json"
#: The value of a period: Decimal (percent), int (count), str (code), bool (flag), None (a limit's period).
Value = Union[Decimal, int, str, bool, None]
_PERCENT = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,6})?$")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Limit:
    """A value limit in force on a day: ``amount`` in ``currency``, since ``since``."""

    amount: Decimal
    currency: str
    since: date
    source: str


@dataclass(frozen=True, slots=True)
class ParameterPeriod:
    effective_from: date
    effective_to: date | None  # inclusive last day, None = open-ended
    in_force: bool
    amount: Decimal | None
    currency: str | None
    value: Value
    source: str
    note: str | None = None
    unverified: str | None = None


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    periods: tuple[ParameterPeriod, ...]  # oldest first
    kind: str = "limit"  # limit | percent | count | code | flag
    tax: str | None = None
    base: str | None = None
    base_fraction: str | None = None
    collected_by: str | None = None
    conditions: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    _starts: tuple[date, ...] = field(repr=False, default=())

    def on(self, day: date) -> ParameterPeriod | None:
        """The period in force on ``day``, or None before the first one."""
        i = bisect.bisect_right(self._starts, day) - 1
        return self.periods[i] if i >= 0 else None

    def in_force(self, day: date) -> bool:
        period = self.on(day)
        return period is not None and period.in_force

    def limit(self, day: date) -> Limit | None:
        """The value limit in force on ``day`` (None when the rule does not apply then)."""
        period = self.on(day)
        if period is None or not period.in_force or period.amount is None or period.currency is None:
            return None
        return Limit(period.amount, period.currency, period.effective_from, period.source)

    def value(self, day: date) -> Value:
        """The percent, count, code or flag in force on ``day`` (None when the rule does not apply then)."""
        period = self.on(day)
        return period.value if period is not None and period.in_force else None

    @property
    def starts_on(self) -> date:
        return self.periods[0].effective_from

    @property
    def nominal(self) -> Limit | None:
        """The newest value limit of the parameter, in force or not (to word a comparison with it)."""
        for period in reversed(self.periods):
            if period.amount is not None and period.currency is not None:
                return Limit(period.amount, period.currency, period.effective_from, period.source)
        return None


@dataclass(frozen=True, slots=True)
class RegimeParameters:
    """The parameters of one regime file."""

    regime: str
    file: str
    parameters: dict[str, Parameter]
    note: str | None = None

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[name]


def _value(kind: str, raw: Any, rel: str, where: str) -> Value:
    if kind == "flag":
        if not isinstance(raw, bool):
            raise InvalidRateTable(rel, where, "a flag is true or false")
        return raw
    if not isinstance(raw, str):
        raise InvalidRateTable(rel, where, f"a {kind} is a string")
    if kind == "percent":
        if not _PERCENT.match(raw) or Decimal(raw) > 100:
            raise InvalidRateTable(rel, where, f"'{raw}' is not a percent: a decimal string from 0 to 100")
        return Decimal(raw)
    if kind == "count":
        if not (raw.isascii() and raw.isdigit()):
            raise InvalidRateTable(rel, where, f"'{raw}' is not a whole number")
        return int(raw)
    if not _CODE.match(raw):
        raise InvalidRateTable(rel, where, f"'{raw}' is not a lower-case code")
    return raw


def _period(p: dict[str, Any], kind: str, start: date, end: date | None, rel: str, where: str) -> ParameterPeriod:
    in_force = p.get("in_force", True)
    if not in_force and ("amount" in p or "value" in p):
        raise InvalidRateTable(rel, where, "a period that is not in force has no amount or value")
    if kind == "limit":
        if "value" in p:
            raise InvalidRateTable(rel, f"{where}/value", "a limit has an amount and currency, not a value")
        if "currency" in p and p["currency"] not in supported_currencies():
            raise InvalidRateTable(rel, f"{where}/currency", f"'{p['currency']}' is not a currency known to CLDR/babel")
        value = None
    else:
        if "amount" in p:
            raise InvalidRateTable(rel, f"{where}/amount", f"a {kind} has a value, not an amount")
        if in_force and "value" not in p:
            raise InvalidRateTable(rel, where, f"a {kind} period in force needs a value")
        value = _value(kind, p["value"], rel, f"{where}/value") if in_force else None
    amount = Decimal(p["amount"]) if "amount" in p else None
    return ParameterPeriod(start, end, in_force, amount, p.get("currency"), value, p["source"], p.get("note"), p.get("unverified"))


def parse_parameters(doc: Any, rel: str, schema_path: Path | None = None) -> RegimeParameters:
    validate_against_schema(doc, rel, schema_path or default_schema_path(SCHEMA))
    code = doc["regime"]
    if Path(rel).stem != code:
        raise InvalidRateTable(rel, "regime", f"'{code}' does not match the file name '{Path(rel).stem}.json'")
    params: dict[str, Parameter] = {}
    for name, raw in doc["parameters"].items():
        where = f"parameters/{name}/periods"
        kind = raw.get("kind", "limit")
        starts = newest_first_starts(raw["periods"], rel, where)
        periods = []
        for i in range(len(starts) - 1, -1, -1):
            end = starts[i - 1] - timedelta(days=1) if i > 0 else None
            periods.append(_period(raw["periods"][i], kind, starts[i], end, rel, f"{where}/{i}"))
        params[name] = Parameter(
            name=name,
            description=raw["description"],
            periods=tuple(periods),
            kind=kind,
            tax=raw.get("tax"),
            base=raw.get("base"),
            base_fraction=raw.get("base_fraction"),
            collected_by=raw.get("collected_by"),
            conditions=dict(raw.get("conditions", {})),
            note=raw.get("note"),
            _starts=tuple(p.effective_from for p in periods),
        )
    return RegimeParameters(code, rel, params, doc.get("note"))


def load_parameters(rates_dir: Path | None = None, schema_path: Path | None = None) -> dict[str, RegimeParameters]:
    """Every ``rates/parameters/*.json`` file, by regime code (no folder: no parameters)."""
    rates_dir = Path(rates_dir or default_rates_dir())
    folder = rates_dir / PARAMETERS_DIR
    out: dict[str, RegimeParameters] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        rel = path.relative_to(rates_dir).as_posix()
        params = parse_parameters(read_json_strict(path, rel), rel, schema_path)
        out[params.regime] = params
    return out


@lru_cache(maxsize=1)
def get_parameters() -> dict[str, RegimeParameters]:
    """The process-wide parameters, loaded once (at app start-up)."""
    return load_parameters()
