"""Immutable, pre-indexed rate tables.

A :class:`Jurisdiction` holds its rate periods and category periods as parallel
sorted tuples, so a lookup is one ``bisect`` (OpenFisca's ``_get_at_instant``:
the newest period whose ``effective_from`` is on or before the date).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from decimal import Decimal

from taxapi.categories import NUMERIC_KINDS, Category, RateKind
from taxapi.errors import CategoryNotMapped, DateOutOfRange, RateNotFound, UnknownJurisdiction
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
    #: Towns (as written in the table) a shared postcode must name to match; None = the postcode alone decides.
    cities: tuple[str, ...] | None = None
    #: Where the rule comes from (the sources of the postcode and of the territory's status).
    note: str | None = None

    def names_city(self, city: str) -> bool:
        wanted = normalise_city(city)
        return any(normalise_city(c) == wanted for c in self.cities or ())


@dataclass(frozen=True, slots=True)
class CityDependent:
    """A postcode that some towns share with a special territory: the city decides, and none was given."""

    postal_code: str  # as normalised
    territory: str  # the jurisdiction id the listed towns belong to
    territory_name: str
    towns: tuple[str, ...]
    fallback: str  # the jurisdiction id used instead
    fallback_name: str

    @property
    def detail(self) -> str:
        return (
            f"Postcode {self.postal_code} is shared by several towns: in {' / '.join(self.towns)} it is "
            f"{self.territory_name} ({self.territory}), elsewhere {self.fallback_name} ({self.fallback}). The city "
            f"was not given, so the address was taxed as {self.fallback_name}; send it (ship_to.city, or city in "
            "/v1/price and /v1/batch) to decide."
        )


@dataclass(frozen=True, slots=True)
class Location:
    """Where an address resolves to, and whether a missing city left that open."""

    jurisdiction: Jurisdiction
    needs_city: CityDependent | None = None


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

    def maps(self, category: Category) -> bool:
        """Whether the table maps ``category`` (every table maps all but the optional categories)."""
        return category in self._category_starts

    def category_on(self, category: Category, day: date) -> CategoryPeriod:
        starts = self._category_starts.get(category)
        if starts is None:
            raise CategoryNotMapped.at(["category"], self.id, category.value)
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
    _postcode_rules: dict[str, tuple[tuple[MatchRule, str], ...]] = field(default_factory=dict, repr=False)
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

    def resolve(self, country: str, region: str | None = None, postal_code: str | None = None,
                city: str | None = None) -> Jurisdiction:
        """The jurisdiction of an address: postcode rules first, then region, then country."""
        return self.locate(country, region, postal_code, city).jurisdiction

    def locate(self, country: str, region: str | None = None, postal_code: str | None = None,
               city: str | None = None) -> Location:
        """:meth:`resolve`, also saying when a shared postcode needed the city to decide.

        A postcode rule with ``cities`` matches only when ``city`` names one of them; without a city
        the address falls through to the region or country and the answer carries ``needs_city``.
        """
        cc = country.strip().upper()
        undecided: tuple[MatchRule, str] | None = None
        pc = ""
        if postal_code:
            pc = normalise_postcode(postal_code, cc)
            for rule, jid in self._postcode_rules.get(cc, ()):
                assert rule.postal_code is not None
                if not rule.postal_code.match(pc):
                    continue
                if rule.cities is None:
                    return Location(self.jurisdictions[jid])
                if city and city.strip():
                    if rule.names_city(city):
                        return Location(self.jurisdictions[jid])
                elif undecided is None:
                    undecided = (rule, jid)
        found = self._by_region_or_country(cc, region, country)
        if undecided is None:
            return Location(found)
        rule, jid = undecided
        special = self.jurisdictions[jid]
        assert rule.cities is not None
        return Location(found, CityDependent(pc, special.id, special.name, rule.cities, found.id, found.name))

    def _by_region_or_country(self, cc: str, region: str | None, country: str) -> Jurisdiction:
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

    def has_postcode_rules(self, country: str) -> bool:
        """Whether a postcode can decide the jurisdiction of an address in ``country``."""
        return country.strip().upper() in self._postcode_rules

    def knows_region(self, country: str, region: str) -> bool:
        return (country.strip().upper(), region.strip().upper()) in self._by_country


#: Letter codes people write before a postcode, per country, besides its ISO 3166-1 alpha-2 code:
#: the distinguishing signs of vehicles in international traffic (UN Convention on Road Traffic,
#: 1968, Annex 3), which European postal administrations used as postcode prefixes before the ISO
#: codes replaced them ("D-78266", "A-6691", "E-35001", "I-23041", "F-20000"), and for Finland
#: Åland's own ISO code, the usual way to write an Åland postcode ("AX-22100").
POSTCODE_PREFIXES: dict[str, tuple[str, ...]] = {
    "AT": ("A",), "BE": ("B",), "CH": ("CH",), "CY": ("CY",), "CZ": ("CZ",), "DE": ("D",), "DK": ("DK",),
    "EE": ("EST",), "ES": ("E",), "IC": ("E", "ES"), "FI": ("FIN", "SF", "AX"), "AX": ("FI", "FIN", "SF"),
    "FR": ("F",), "GB": ("UK",), "GR": ("GR",), "HR": ("HR",), "HU": ("H",), "IE": ("IRL",), "IT": ("I",),
    "LI": ("FL",), "LT": ("LT",), "LU": ("L",), "LV": ("LV",), "MC": ("MC",), "MT": ("M",), "NL": ("NL",),
    "NO": ("N",), "PL": ("PL",), "PT": ("P",), "RO": ("RO",), "SE": ("S",), "SI": ("SLO",), "SK": ("SK",),
    "SM": ("RSM",), "VA": ("V",),
}


def _prefix_pattern(country: str) -> re.Pattern[str]:
    codes = sorted({country, *POSTCODE_PREFIXES.get(country, ())}, key=len, reverse=True)
    # A prefix counts when a hyphen follows it, or a digit (the space is already gone): "D-78266",
    # "AX22100" (from "AX 22100"). A letter after it belongs to the postcode ("MST1000" in Malta).
    return re.compile(f"^(?:{'|'.join(map(re.escape, codes))})(?:-(?=.)|(?=[0-9]))")


_PREFIX_PATTERNS: dict[str, re.Pattern[str]] = {}


def normalise_postcode(postal_code: str, country: str | None = None) -> str:
    """A postcode as the tables' ``match`` rules see it: upper case, no spaces, no country prefix.

    ``normalise_postcode("ax 22100", "FI") == "22100"``; without ``country`` only spaces and case change.
    """
    pc = "".join(postal_code.split()).upper().replace("\u2013", "-").replace("\u2014", "-")
    if not country:
        return pc
    pattern = _PREFIX_PATTERNS.get(country)
    if pattern is None:
        pattern = _prefix_pattern(country)
        if len(_PREFIX_PATTERNS) < 1_000:
            _PREFIX_PATTERNS[country] = pattern
    m = pattern.match(pc)
    return pc[m.end():] if m else pc


def is_northern_ireland_postcode(postal_code: str | None, country: str = "GB") -> bool:
    """Whether a UK postcode is in Northern Ireland (``BT`` followed by a digit, written any way
    :func:`normalise_postcode` reads: ``bt1 1aa``, ``GB-BT1 1AA``)."""
    if not postal_code:
        return False
    pc = normalise_postcode(postal_code, country)
    return pc.startswith("BT") and pc[2:3].isdigit()


def normalise_city(city: str) -> str:
    """A town name compared without case, accents, spaces or punctuation ("Campione d’Italia" = "CAMPIONE D ITALIA")."""
    decomposed = unicodedata.normalize("NFKD", city)
    return "".join(ch for ch in decomposed if ch.isalnum()).casefold()
