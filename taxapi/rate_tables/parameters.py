"""Dated legal parameters of the tax regimes, loaded strictly from ``rates/parameters/*.json``.

One file per regime (``EU.json``, ``GB.json``, ``MX.json`` ...), validated by
``schemas/parameters.schema.json`` and by the loader's conventions, with the rate-table loader's
helpers: duplicate keys and JSON numbers refused, periods newest first with distinct dates, a
``source`` per period. A parameter is not in force before its oldest period, nor in a period with
``"in_force": false``.

Its ``kind`` says what a period holds: a ``limit`` is an amount in a currency (a value limit) or
nothing (a rule that starts on a date); a ``percent``, ``count``, ``code`` or ``flag`` is the
period's ``value``. A withholding rate also names its tax, its base, the share of the base, who
collects it and the facts it applies under (``conditions``), so the regime's code reads them
instead of restating them. ``EU.json`` also holds the dated list of EU Member States, the one
list every part of taxapi uses (orders, OSS, thresholds, tax-id checks).

The files are part of the rate release: ``rates_version`` hashes them with the rate tables, and
``taxapi rates check`` validates them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Union

from taxapi.errors import InvalidRateTable
from taxapi.money import supported_currencies

PARAMETERS_DIR = "parameters"
#: The file holding the dated list of EU Member States.
EU_FILE = "EU"
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
    source: str
    note: str | None = None
    value: Value = None
    unverified: str | None = None


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    description: str
    periods: tuple[ParameterPeriod, ...]  # oldest first
    _starts: tuple[date, ...] = field(repr=False, default=())
    _limits: tuple[Limit | None, ...] = field(repr=False, default=())  # the value limit in force in each period
    kind: str = "limit"  # limit | percent | count | code | flag
    tax: str | None = None  # the tax a withholding rate is about (vat, income_tax, tcs ...)
    base: str | None = None  # what a percent applies to (net_price, tax_collected, gross_remittance ...)
    base_fraction: str | None = None  # the share of the base ("1/2")
    collected_by: str | None = None
    conditions: dict[str, Any] = field(default_factory=dict)
    note: str | None = None

    @classmethod
    def of(cls, name: str, description: str, periods: tuple[ParameterPeriod, ...], **attrs: Any) -> Parameter:
        limits = tuple(
            Limit(p.amount, p.currency, p.effective_from, p.source) if p.in_force and p.amount is not None and p.currency else None
            for p in periods
        )
        return cls(name, description, periods, tuple(p.effective_from for p in periods), limits, **attrs)

    def on(self, day: date) -> ParameterPeriod | None:
        """The period in force on ``day``, or None before the first one."""
        i = bisect.bisect_right(self._starts, day) - 1
        return self.periods[i] if i >= 0 else None

    def in_force(self, day: date) -> bool:
        period = self.on(day)
        return period is not None and period.in_force

    def limit(self, day: date) -> Limit | None:
        """The value limit in force on ``day`` (None when the rule does not apply then)."""
        i = bisect.bisect_right(self._starts, day) - 1
        return self._limits[i] if i >= 0 else None

    def value(self, day: date) -> Value:
        """The percent, count, code or flag in force on ``day`` (None when the rule does not apply then)."""
        period = self.on(day)
        return period.value if period is not None and period.in_force else None

    @property
    def starts_on(self) -> date:
        return self._starts[0]

    @property
    def nominal(self) -> Limit | None:
        """The newest value limit of the parameter, in force or not (to word a comparison with it)."""
        for period in reversed(self.periods):
            if period.amount is not None and period.currency is not None:
                return Limit(period.amount, period.currency, period.effective_from, period.source)
        return None


@dataclass(frozen=True, slots=True)
class Subdivision:
    """A state or province of a regime (India's states and union territories): its ISO 3166-2 code, name,
    the tax it levies (``sgst``, ``utgst``), when it exists under the regime, and the other codes an address
    may carry for it (a former ISO code, a national code)."""

    code: str
    name: str
    tax: str
    start: date
    end: date | None  # last day, inclusive
    codes: tuple[str, ...]
    source: str

    def exists_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class RegimeParameters:
    """The parameters of one regime file."""

    regime: str
    file: str
    parameters: dict[str, Parameter]
    note: str | None = None
    subdivisions: dict[str, Subdivision] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[name]

    def subdivision(self, code: str, day: date) -> Subdivision | None:
        """The subdivision an address's region ``code`` names on ``day``: its ISO code, else one of its other codes."""
        code = code.strip().upper()
        found = self.subdivisions.get(code)
        if found is not None and found.exists_on(day):
            return found
        return next((s for s in self.subdivisions.values() if code in s.codes and s.exists_on(day)), None)


@dataclass(frozen=True, slots=True)
class MemberState:
    code: str
    start: date
    end: date | None  # last day of membership, inclusive
    goods_only: bool
    source: str


@dataclass(frozen=True)
class Membership:
    """The dated list of EU Member States (ISO codes; ``XI`` for Northern Ireland, goods only)."""

    states: dict[str, MemberState]
    _on: dict[tuple[date, bool], frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    def on(self, day: date, *, goods: bool = False) -> frozenset[str]:
        """Member States on ``day``; ``goods=True`` adds the territories inside for goods only (XI)."""
        key = (day, goods)
        hit = self._on.get(key)
        if hit is None:
            hit = frozenset(
                s.code for s in self.states.values()
                if s.start <= day and (s.end is None or day <= s.end) and (goods or not s.goods_only)
            )
            if len(self._on) < 10_000:
                self._on[key] = hit
        return hit

    def is_member(self, code: str, day: date, *, goods: bool = False) -> bool:
        return code in self.on(day, goods=goods)


def _date(value: str, rel: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRateTable(rel, where, f"'{value}' is not a calendar date (YYYY-MM-DD)") from None


def default_schema_path() -> Path:
    from taxapi.rate_tables.loader import default_schema_path

    return default_schema_path(SCHEMA)


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
    return ParameterPeriod(start, end, in_force, amount, p.get("currency"), p["source"], p.get("note"), value, p.get("unverified"))


def parse_parameters(doc: object, rel: str, schema_path: Path | None = None) -> tuple[RegimeParameters, Membership | None]:
    from taxapi.rate_tables.loader import newest_first_starts, validate_against_schema

    validate_against_schema(doc, rel, schema_path or default_schema_path())
    assert isinstance(doc, dict)
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
        params[name] = Parameter.of(
            name, raw["description"], tuple(periods),
            kind=kind, tax=raw.get("tax"), base=raw.get("base"), base_fraction=raw.get("base_fraction"),
            collected_by=raw.get("collected_by"), conditions=dict(raw.get("conditions", {})), note=raw.get("note"),
        )
    subdivisions: dict[str, Subdivision] = {}
    for sc, entry in doc.get("subdivisions", {}).items():
        start = _date(entry["from"], rel, f"subdivisions/{sc}/from")
        end = _date(entry["to"], rel, f"subdivisions/{sc}/to") if "to" in entry else None
        if end is not None and end < start:
            raise InvalidRateTable(rel, f"subdivisions/{sc}/to", "ends before it starts")
        subdivisions[sc] = Subdivision(sc, entry["name"], entry["tax"], start, end, tuple(entry.get("codes", ())), entry["source"])
    for sub in subdivisions.values():  # an address's code names one subdivision on any day
        for other in subdivisions.values():
            clash = other is not sub and (sub.code in other.codes or set(sub.codes) & set(other.codes))
            if clash and sub.start <= (other.end or date.max) and other.start <= (sub.end or date.max):
                raise InvalidRateTable(rel, f"subdivisions/{sub.code}", f"shares a code with {other.code} while both exist")
    membership = None
    if "member_states" in doc:
        if code != EU_FILE:
            raise InvalidRateTable(rel, "member_states", f"the Member States are listed in {EU_FILE}.json only")
        states = {}
        for cc, entry in doc["member_states"].items():
            start = _date(entry["from"], rel, f"member_states/{cc}/from")
            end = _date(entry["to"], rel, f"member_states/{cc}/to") if "to" in entry else None
            if end is not None and end < start:
                raise InvalidRateTable(rel, f"member_states/{cc}/to", "membership ends before it starts")
            states[cc] = MemberState(cc, start, end, bool(entry.get("goods_only", False)), entry["source"])
        membership = Membership(states)
    elif code == EU_FILE:
        raise InvalidRateTable(rel, "member_states", "the EU file must list the Member States")
    return RegimeParameters(code, rel, params, doc.get("note"), subdivisions), membership


def load_parameters(rates_dir: Path, schema_path: Path | None = None) -> tuple[dict[str, RegimeParameters], Membership]:
    """Every ``rates/parameters/*.json`` file, by regime code, and the EU membership list."""
    from taxapi.rate_tables.loader import read_json_strict

    folder = rates_dir / PARAMETERS_DIR
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    out: dict[str, RegimeParameters] = {}
    membership = None
    for path in files:
        rel = path.relative_to(rates_dir).as_posix()
        params, found = parse_parameters(read_json_strict(path, rel), rel, schema_path)
        out[params.regime] = params
        if found is not None:
            membership = found
    if membership is None:
        raise InvalidRateTable(f"{PARAMETERS_DIR}/{EU_FILE}.json", "(file)", "missing: it lists the EU Member States")
    return out, membership
