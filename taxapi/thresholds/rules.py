"""Threshold rules: dated parameters loaded strictly from ``rates/thresholds/*.json``.

A threshold is data, not code: each rule (the EU-wide EUR 10,000 rule, a US
state's economic-nexus test, a country's non-resident registration threshold)
is a list of effective-dated periods, each citing its source. Schema rules
come from ``schemas/thresholds.schema.json``; what a schema cannot express
(duplicate keys, JSON numbers for amounts, newest-first unique dates, unique
jurisdictions, currencies known to CLDR) is checked here, and a violation
stops the server at boot naming the file and field.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any


from taxapi.errors import InvalidRateTable
from taxapi.money import supported_currencies
from taxapi.rate_tables.loader import (
    default_rates_dir,
    default_schema_path,
    newest_first_starts,
    read_json_strict,
    validate_against_schema,
)
from taxapi.rate_tables.parameters import Membership, load_parameters

THRESHOLDS_DIR = "thresholds"
SUPPLIES = ("goods", "digital_services", "services")


@dataclass(frozen=True, slots=True)
class Measurement:
    kind: str  # annual | rolling_12_months | rolling_12_calendar_months | rolling_4_quarters
    start_month: int = 1
    years: str = "current_or_previous"  # annual only

    def describe(self) -> str:
        if self.kind == "annual":
            year = "calendar year" if self.start_month == 1 else f"12 months starting on day 1 of month {self.start_month}"
            return {
                "current_or_previous": f"current or previous {year}",
                "previous": f"previous {year}",
                "second_previous": f"{year} two years before (base period)",
            }[self.years]
        if self.kind == "rolling_12_months":
            return "any 12 months"
        if self.kind == "rolling_12_calendar_months":
            return "the month and the 11 calendar months before"
        quarters = "calendar quarters" if self.start_month == 1 else f"quarters starting in month {self.start_month}"
        return f"the quarter and the 3 before ({quarters})"


@dataclass(frozen=True, slots=True)
class Period:
    effective_from: date
    effective_to: date | None
    amount: Decimal | None
    amount_test: str
    transactions: int | None
    transactions_test: str
    combine: str
    worldwide_amount: Decimal | None
    worldwide_test: str
    measurement: Measurement
    sales_counted: str
    customer_types: frozenset[str]
    supplies: frozenset[str]
    goods_dispatched_from: str
    marketplace_supplies: frozenset[str]
    source: str
    note: str | None
    unverified: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    jurisdiction: str
    name: str
    kind: str
    currency: str
    country: str | None  # destination country (None for EU)
    region: str | None
    note: str | None
    file: str
    periods: tuple[Period, ...]  # oldest first
    _starts: tuple[date, ...] = field(repr=False, default=())

    def period_on(self, day: date) -> Period | None:
        i = bisect.bisect_right(self._starts, day) - 1
        return self.periods[i] if i >= 0 else None


@dataclass(frozen=True)
class ThresholdRules:
    rules: tuple[Rule, ...]
    member_states: Membership  # the one dated list of EU Member States (rates/parameters/EU.json)

    def get(self, jurisdiction: str) -> Rule:
        for rule in self.rules:
            if rule.jurisdiction == jurisdiction:
                return rule
        raise KeyError(jurisdiction)

    def is_member_state(self, country: str, day: date, *, goods: bool) -> bool:
        return self.member_states.is_member(country, day, goods=goods)


def _date(value: str, rel: str, loc: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRateTable(rel, loc, f"'{value}' is not a calendar date (YYYY-MM-DD)") from None


def _period(raw: dict[str, Any], start: date, end: date | None) -> Period:
    m = raw["measurement"]
    amount = raw.get("amount")
    ww = raw.get("worldwide_amount")
    return Period(
        effective_from=start,
        effective_to=end,
        amount=Decimal(amount) if amount is not None else None,
        amount_test=raw.get("amount_test", "exceeds"),
        transactions=raw.get("transactions"),
        transactions_test=raw.get("transactions_test", "reaches"),
        combine=raw.get("combine", "or"),
        worldwide_amount=Decimal(ww) if ww is not None else None,
        worldwide_test=raw.get("worldwide_test", "exceeds"),
        measurement=Measurement(m["kind"], m.get("start_month", 1), m.get("years", "current_or_previous")),
        sales_counted=raw.get("sales_counted", "gross"),
        customer_types=frozenset(raw.get("customer_types", ("consumer", "business"))),
        supplies=frozenset(raw.get("supplies", SUPPLIES)),
        goods_dispatched_from=raw.get("goods_dispatched_from", "anywhere"),
        marketplace_supplies=frozenset(raw.get("marketplace_supplies_counted", SUPPLIES)),
        source=raw["source"],
        note=raw.get("note"),
        unverified=tuple(raw.get("unverified", ())),
    )


def parse_rules_file(doc: Any, rel: str, schema_path: Path | None = None) -> list[Rule]:
    validate_against_schema(doc, rel, schema_path or default_schema_path("thresholds.schema.json"))
    rules: list[Rule] = []
    for r_i, raw in enumerate(doc["rules"]):
        loc = f"rules/{r_i}"
        if raw["currency"] not in supported_currencies():
            raise InvalidRateTable(rel, f"{loc}/currency", f"'{raw['currency']}' is not a currency known to CLDR/babel")
        kind = raw["kind"]
        dest = raw.get("destination")
        if (kind == "eu_distance_sales") != (dest is None):
            raise InvalidRateTable(rel, f"{loc}/destination", "required for every rule but the EU rule, and not allowed there")
        if kind == "us_economic_nexus" and (dest is None or dest["country"] != "US" or "region" not in dest):
            raise InvalidRateTable(rel, f"{loc}/destination", "a US economic-nexus rule needs country US and a state region")
        if dest is not None:
            expected = dest["country"] + (f"-{dest['region']}" if "region" in dest else "")
            if raw["jurisdiction"] != expected:
                raise InvalidRateTable(rel, f"{loc}/jurisdiction", f"'{raw['jurisdiction']}' does not match its destination {expected}")
        raw_periods = raw["periods"]
        starts = newest_first_starts(raw_periods, rel, f"{loc}/periods")
        periods: list[Period] = []
        for i in range(len(raw_periods) - 1, -1, -1):
            p = raw_periods[i]
            ploc = f"{loc}/periods/{i}"
            if p.get("amount") is None and p.get("transactions") is None and p.get("worldwide_amount") is None:
                raise InvalidRateTable(rel, ploc, "a period needs an amount, a transaction count or a worldwide amount")
            m = p["measurement"]
            if m["kind"] != "annual" and "years" in m:
                raise InvalidRateTable(rel, f"{ploc}/measurement/years", "only annual measurements have years")
            if m["kind"] in ("rolling_12_months", "rolling_12_calendar_months") and "start_month" in m:
                raise InvalidRateTable(rel, f"{ploc}/measurement/start_month", "rolling 12-month windows have no start month")
            end = None
            if i > 0:
                end = date.fromordinal(starts[i - 1].toordinal() - 1)
            periods.append(_period(p, starts[i], end))
        rules.append(
            Rule(
                jurisdiction=raw["jurisdiction"],
                name=raw["name"],
                kind=kind,
                currency=raw["currency"],
                country=dest["country"] if dest else None,
                region=dest.get("region") if dest else None,
                note=raw.get("note"),
                file=rel,
                periods=tuple(periods),
                _starts=tuple(p.effective_from for p in periods),
            )
        )
    return rules


def load_threshold_rules(rates_dir: Path | None = None, schema_path: Path | None = None) -> ThresholdRules:
    rates_dir = Path(rates_dir or default_rates_dir())
    folder = rates_dir / THRESHOLDS_DIR
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        raise InvalidRateTable(f"{THRESHOLDS_DIR}/", "(directory)", "no threshold files found")
    rules: dict[str, Rule] = {}
    for path in files:
        rel = path.relative_to(rates_dir).as_posix()
        for rule in parse_rules_file(read_json_strict(path, rel), rel, schema_path):
            if rule.jurisdiction in rules:
                raise InvalidRateTable(rel, "jurisdiction", f"'{rule.jurisdiction}' is also defined in {rules[rule.jurisdiction].file}")
            rules[rule.jurisdiction] = rule
    _, member_states = load_parameters(rates_dir)
    order = {"eu_distance_sales": 0, "non_resident_registration": 1, "us_economic_nexus": 2}
    ordered = sorted(rules.values(), key=lambda r: (order[r.kind], r.jurisdiction))
    return ThresholdRules(rules=tuple(ordered), member_states=member_states)


@lru_cache(maxsize=1)
def get_threshold_rules() -> ThresholdRules:
    return load_threshold_rules()
