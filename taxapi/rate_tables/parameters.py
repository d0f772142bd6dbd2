"""Dated legal parameters of the tax regimes, loaded strictly from ``rates/parameters/*.json``.

One file per regime (``EU.json``, ``GB.json`` ...), validated by ``schemas/parameters.schema.json``
and by the loader's conventions (duplicate keys refused, amounts as decimal strings, periods
newest first with distinct dates, a ``source`` per period). A parameter is a value limit
(``amount`` + ``currency``) or a rule that starts (and may stop) on a date; before its oldest
period it is not in force. ``EU.json`` also holds the dated list of EU Member States, the one
list every part of taxapi uses (orders, OSS, thresholds, tax-id checks).

The files are part of the rate release: ``rates_version`` hashes them with the rate tables, and
``taxapi rates check`` validates them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from taxapi.errors import InvalidRateTable

PARAMETERS_DIR = "parameters"
#: The file holding the dated list of EU Member States.
EU_FILE = "EU"


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


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    description: str
    periods: tuple[ParameterPeriod, ...]  # oldest first
    _starts: tuple[date, ...] = field(repr=False, default=())
    _limits: tuple[Limit | None, ...] = field(repr=False, default=())  # the value limit in force in each period

    @classmethod
    def of(cls, name: str, description: str, periods: tuple[ParameterPeriod, ...]) -> Parameter:
        limits = tuple(
            Limit(p.amount, p.currency, p.effective_from, p.source) if p.in_force and p.amount is not None and p.currency else None
            for p in periods
        )
        return cls(name, description, periods, tuple(p.effective_from for p in periods), limits)

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
class RegimeParameters:
    """The parameters of one regime file."""

    regime: str
    file: str
    parameters: dict[str, Parameter]

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[name]


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
    from taxapi.rate_tables.loader import PACKAGE_DIR, REPO_DIR

    packaged = PACKAGE_DIR / "_data" / "schemas" / "parameters.schema.json"
    if packaged.is_file():
        return packaged
    return REPO_DIR / "schemas" / "parameters.schema.json"


def parse_parameters(doc: object, rel: str, schema_path: Path | None = None) -> tuple[RegimeParameters, Membership | None]:
    from taxapi.rate_tables.loader import schema_validator

    validator = schema_validator(str(schema_path or default_schema_path()))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = errors[0]
        raise InvalidRateTable(rel, "/".join(str(p) for p in first.absolute_path) or "(root)", first.message)
    assert isinstance(doc, dict)
    code = doc["regime"]
    if Path(rel).stem != code:
        raise InvalidRateTable(rel, "regime", f"'{code}' does not match the file name '{Path(rel).stem}.json'")
    params: dict[str, Parameter] = {}
    for name, raw in doc["parameters"].items():
        where = f"parameters/{name}/periods"
        starts = [_date(p["effective_from"], rel, f"{where}/{i}/effective_from") for i, p in enumerate(raw["periods"])]
        for i in range(1, len(starts)):
            if starts[i] >= starts[i - 1]:
                raise InvalidRateTable(rel, f"{where}/{i}/effective_from",
                                       f"periods must be newest first with distinct dates: {starts[i]} follows {starts[i - 1]}")
        periods = []
        for i in range(len(starts) - 1, -1, -1):
            p = raw["periods"][i]
            end = starts[i - 1] - timedelta(days=1) if i > 0 else None
            in_force = p.get("in_force", True)
            if in_force is False and "amount" in p:
                raise InvalidRateTable(rel, f"{where}/{i}/amount", "a period that is not in force has no amount")
            amount = Decimal(p["amount"]) if "amount" in p else None
            periods.append(ParameterPeriod(starts[i], end, in_force, amount, p.get("currency"), p["source"], p.get("note")))
        params[name] = Parameter.of(name, raw["description"], tuple(periods))
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
    return RegimeParameters(code, rel, params), membership


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
