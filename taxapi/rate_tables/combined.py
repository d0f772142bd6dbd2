"""The combined rate of a jurisdiction: the one answer ``/v1/rates``, ``/v1/calculate`` and ``/v1/price`` give.

A jurisdiction's rate can be the sum of several levels (a Canadian province adds its part to the
federal GST); which levels add up is the regime's to say (:meth:`taxapi.regimes.base.Regime.levels`).
The rate kind and source are the jurisdiction's own, unless it levies nothing of its own for the
category (Alberta: no provincial tax), when the level that does tax decides: Alberta's general rate
is the ``standard`` federal GST everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from taxapi.categories import Category, RateKind
from taxapi.money import fmt_percent
from taxapi.rate_tables.model import Jurisdiction, RateBook, RateLookup

if TYPE_CHECKING:
    from taxapi.orders.results import AddressResolution
    from taxapi.orders.service import LevelSplit

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Level:
    """One level of a combined rate."""

    jurisdiction: str
    level: str  # national, territory, federal, provincial, state
    rate_kind: RateKind
    rate_percent: Decimal
    source: str
    name: str = ""  # the jurisdiction's name (Ontario, New York City)


@dataclass(frozen=True, slots=True)
class CombinedRate:
    """The rate of a category in a jurisdiction on a day, all levels added."""

    jurisdiction: str  # "" when no jurisdiction applies
    rate_percent: Decimal  # as written: Decimal("19"), Decimal("5.5"), Decimal("14.975")
    rate_fraction: Decimal
    rate_kind: RateKind
    source: str
    own: RateLookup | None  # the jurisdiction's own lookup (its effective dates and category source)
    levels: tuple[Level, ...]
    itemised: bool  # the regime shows the tax per level on every line (more than one level, or the US state)
    #: How a US address was resolved to its local jurisdictions (None elsewhere).
    address: AddressResolution | None = None
    #: The levels laid out for splitting a line's tax, where the rate is built once for many orders (a US tax
    #: area; :func:`taxapi.orders.service.level_split`); None: the tax is split by ``levels`` on each line.
    split: LevelSplit | None = None


NO_RATE = CombinedRate("", ZERO, ZERO, RateKind.none, "", None, (), False)


def combined_rate(book: RateBook, j: Jurisdiction | None, category: Category, day: date) -> CombinedRate:
    """The combined rate of ``j`` for ``category`` on ``day`` (cached in the book: its tables are immutable)."""
    if j is None:
        return NO_RATE
    cache = book.memo.get("combined_rate") or book.cache("combined_rate")
    key = (j.id, category, day)
    hit = cache.get(key)
    if hit is None:
        hit = _combined(book, j, category, day)
        if len(cache) < 100_000:
            cache[key] = hit
    return hit  # type: ignore[return-value]


def _combined(book: RateBook, j: Jurisdiction, category: Category, day: date) -> CombinedRate:
    from taxapi.regimes import regime_of  # regimes read the rate tables: imported late

    regime = regime_of(j)
    found = [(level_j, level, level_j.lookup(category, day)) for level_j, level in regime.levels(book, j)]
    own = next(f for lj, _, f in found if lj is j)
    main = own
    if main.rate_kind is RateKind.none:  # e.g. Alberta: no provincial tax, the federal GST decides
        main = next((f for _, _, f in found if f.rate_kind is not RateKind.none), main)
    total = sum((f.rate_percent for _, _, f in found), ZERO)
    percent = Decimal(fmt_percent(total))
    levels = tuple(Level(lj.id, level, f.rate_kind, Decimal(fmt_percent(f.rate_percent)), f.source, lj.name) for lj, level, f in found)
    return CombinedRate(j.id, percent, percent / 100, main.rate_kind, main.source, own, levels,
                        len(levels) > 1 or regime.always_breakdown)
