"""Immutable, pre-indexed rate tables.

A :class:`Jurisdiction` holds its rate periods and category periods as parallel
sorted tuples, so a lookup is one ``bisect`` (OpenFisca's ``_get_at_instant``:
the newest period whose ``effective_from`` is on or before the date).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from decimal import Decimal

from taxapi.categories import NUMERIC_KINDS, Category, RateKind
from taxapi.errors import DateOutOfRange, RateNotFound, UnknownJurisdiction
from taxapi.rate_tables.parameters import Membership, RegimeParameters

HUNDRED = Decimal(100)


def _tax_date_error(msg: str) -> dict[str, str | list[str | int]]:
    """The error of a look-up the tax date cannot be served for, located at the request's tax date
    (``date`` in every request that has one; the edge puts ``body`` or ``query`` before it)."""
    return {"loc": ["date"], "msg": msg}


@dataclass(frozen=True, slots=True)
class RatePeriod:
    effective_from: date
    effective_to: date | None  # inclusive last day, None = open-ended
    rates_percent: dict[RateKind, Decimal]
    source: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CategoryPeriod:
    effective_from: date
    effective_to: date | None
    rate_kind: RateKind
    source: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RateLookup:
    """The answer to "which rate applies to this category here on this day"."""

    jurisdiction: str
    category: Category
    rate_kind: RateKind
    rate_percent: Decimal
    rate_fraction: Decimal
    source: str
    category_source: str
    effective_from: date
    effective_to: date | None


@dataclass(frozen=True, slots=True)
class MatchRule:
    country: str
    region: str | None
    postal_code: re.Pattern[str] | None


@dataclass(frozen=True, eq=False)
class Jurisdiction:
    id: str
    name: str
    tax_name: str
    country: str
    parent: str | None
    currency: str
    regime: str
    tax_type: str | None
    note: str | None
    file: str
    match: tuple[MatchRule, ...]
    periods: tuple[RatePeriod, ...]  # oldest first
    categories: dict[Category, tuple[CategoryPeriod, ...]]  # oldest first
    _period_starts: tuple[date, ...] = field(repr=False, default=())
    _category_starts: dict[Category, tuple[date, ...]] = field(repr=False, default_factory=dict)
    _cache: dict[tuple[Category, date], RateLookup] = field(repr=False, default_factory=dict, compare=False)

    @property
    def starts_on(self) -> date:
        return self.periods[0].effective_from

    def period_on(self, day: date) -> RatePeriod:
        i = bisect.bisect_right(self._period_starts, day) - 1
        if i < 0:
            raise DateOutOfRange(
                f"The rate table for {self.id} starts on {self.starts_on.isoformat()}; "
                f"{day.isoformat()} is before it.",
                errors=[_tax_date_error(f"before the rate table for {self.id}, which starts on {self.starts_on.isoformat()}")],
                jurisdiction=self.id,
                date=day.isoformat(),
                table_starts=self.starts_on.isoformat(),
            )
        return self.periods[i]

    def category_on(self, category: Category, day: date) -> CategoryPeriod:
        starts = self._category_starts[category]
        i = bisect.bisect_right(starts, day) - 1
        if i < 0:
            raise DateOutOfRange(
                f"The category table of {self.id} for {category.value} starts on {starts[0].isoformat()}; "
                f"{day.isoformat()} is before it.",
                errors=[_tax_date_error(f"before the category table of {self.id} for {category.value}, which starts on "
                                        f"{starts[0].isoformat()}")],
                jurisdiction=self.id,
                date=day.isoformat(),
            )
        return self.categories[category][i]

    def rate_percent(self, kind: RateKind, day: date) -> Decimal:
        if kind not in NUMERIC_KINDS:
            return Decimal(0)
        period = self.period_on(day)
        try:
            return period.rates_percent[kind]
        except KeyError:
            raise RateNotFound(
                f"No {kind.value} rate for {self.id} on {day.isoformat()}.",
                errors=[_tax_date_error(f"{self.id} has no {kind.value} rate on this date")],
                jurisdiction=self.id,
                rate_kind=kind.value,
                date=day.isoformat(),
            ) from None

    def lookup(self, category: Category, day: date) -> RateLookup:
        """The rate kind and percentage for ``category`` on ``day`` (cached: tables are immutable)."""
        key = (category, day)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        period = self.period_on(day)
        cat = self.category_on(category, day)
        percent = self.rate_percent(cat.rate_kind, day)
        starts = [period.effective_from, cat.effective_from]
        ends = [d for d in (period.effective_to, cat.effective_to) if d is not None]
        result = RateLookup(
            jurisdiction=self.id,
            category=category,
            rate_kind=cat.rate_kind,
            rate_percent=percent,
            rate_fraction=percent / HUNDRED,
            source=period.source if cat.rate_kind in NUMERIC_KINDS else cat.source,
            category_source=cat.source,
            effective_from=max(starts),
            effective_to=min(ends) if ends else None,
        )
        if len(self._cache) < 50_000:
            self._cache[key] = result
        return result

    def change_dates(self) -> list[date]:
        """Every date on which a rate or a category mapping of this jurisdiction changes."""
        days = {p.effective_from for p in self.periods[1:]}
        for periods in self.categories.values():
            days.update(p.effective_from for p in periods[1:])
        return sorted(days)


@dataclass(frozen=True)
class RateBook:
    """All jurisdictions of one rate-table release."""

    version: str
    release: str
    as_of: date
    jurisdictions: dict[str, Jurisdiction]
    aliases: dict[str, str] = field(default_factory=dict)
    # (country, region) -> country-level jurisdiction; postcode rules per country
    _by_country: dict[tuple[str, str | None], str] = field(default_factory=dict, repr=False)
    _postcode_rules: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = field(default_factory=dict, repr=False)
    #: Dated legal parameters by regime code (``rates/parameters/``), and the EU Member States.
    parameters: dict[str, RegimeParameters] = field(default_factory=dict, repr=False)
    eu_members: Membership = field(default_factory=lambda: Membership({}), repr=False)
    #: What is derived from the tables alone (places, combined rates), cached here: the book is
    #: immutable, and a cache it owns lives and dies with it. Keyed by cache name, then by the inputs.
    memo: dict[str, dict[object, object]] = field(default_factory=dict, repr=False, compare=False)

    def cache(self, name: str) -> dict[object, object]:
        """The book's cache ``name`` (created on first use)."""
        found = self.memo.get(name)
        if found is None:
            found = self.memo[name] = {}
        return found

    def get(self, jurisdiction_id: str) -> Jurisdiction:
        key = jurisdiction_id.strip().upper()
        key = self.aliases.get(key, key)
        try:
            return self.jurisdictions[key]
        except KeyError:
            raise UnknownJurisdiction(
                f"Unknown jurisdiction '{jurisdiction_id}'. GET /v1/jurisdictions lists the supported ones.",
                jurisdiction=jurisdiction_id,
            ) from None

    def resolve(self, country: str, region: str | None = None, postal_code: str | None = None) -> Jurisdiction:
        """The jurisdiction of an address: postcode rules first, then region, then country."""
        cc = country.strip().upper()
        if postal_code:
            pc = normalise_postcode(postal_code)
            for pattern, jid in self._postcode_rules.get(cc, ()):
                if pattern.match(pc):
                    return self.jurisdictions[jid]
        if region:
            jid = self._by_country.get((cc, region.strip().upper()))
            if jid is not None:
                return self.jurisdictions[jid]
        jid = self._by_country.get((cc, None))
        if jid is None:
            raise UnknownJurisdiction(
                f"No rate table covers country '{country}'. GET /v1/jurisdictions lists the supported ones.",
                country=country,
            )
        return self.jurisdictions[jid]

    def knows_country(self, country: str) -> bool:
        return (country.strip().upper(), None) in self._by_country

    @cached_property
    def _region_countries(self) -> frozenset[str]:
        return frozenset(c for c, r in self._by_country if r is not None)

    def has_regions(self, country: str) -> bool:
        return country.strip().upper() in self._region_countries

    def knows_region(self, country: str, region: str) -> bool:
        return (country.strip().upper(), region.strip().upper()) in self._by_country


def normalise_postcode(postal_code: str) -> str:
    return "".join(postal_code.split()).upper()
