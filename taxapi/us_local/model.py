"""US local sales-tax jurisdictions and the ZIP boundaries that bind them, as immutable lookups.

An *import* is one directory of data (see :mod:`taxapi.us_local.store`) covering some states from
an effective date on. Several imports coexist; for a state and a tax date the newest import covering
that state whose ``effective_from`` is on or before the date answers. Inside an import, rates and
boundary records are dated too (SST files carry begin and end dates per record).

Resolution follows the Streamlined Sales and Use Tax Agreement's database rules: the most specific
record wins (ZIP+4 over ZIP5); where a ZIP5 holds several jurisdiction sets with different combined
rates and no ZIP+4 decides, the **lowest combined rate** in the ZIP5 area applies (Streamlined Sales
and Use Tax Agreement, section 305) and the resolution says the ZIP5 spans several rates.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

ZERO = Decimal(0)
_ONE_DAY = timedelta(days=1)
#: The rule applied when a ZIP5 holds several combined rates and nothing more specific decides.
LOWEST_COMBINED_RATE = "sst.lowest_combined_rate_in_zip5"
#: At most this many places' answers are kept (a few hundred bytes each).
ANSWER_CACHE_SIZE = 200_000


class Level(StrEnum):
    state = "state"
    county = "county"
    city = "city"
    special = "special"


class ResolvedBy(StrEnum):
    zip4 = "zip4"  # a ZIP+4 (or address) record of the ZIP+4 decided
    zip5 = "zip5"  # the ZIP5's records decided
    state = "state"  # no boundary data for this place: only the state part is known


class RecordKind(StrEnum):
    zip5 = "zip5"
    zip4 = "zip4"
    address = "address"


@dataclass(frozen=True, slots=True, eq=False)
class LocalJurisdiction:
    """One taxing jurisdiction's rate over a period (``effective_to`` inclusive, None = open).

    One object per period of a loaded table, shared by every boundary record that binds it: it compares
    (and hashes) by identity."""

    id: str
    level: Level
    name: str
    rate_percent: Decimal
    food_rate_percent: Decimal | None
    effective_from: date
    effective_to: date | None


@dataclass(frozen=True, slots=True, eq=False)
class LocalResolution:
    """Which jurisdictions tax a delivery to a place of ``state``, and why.

    The answer holds for every tax date from ``valid_from`` to ``valid_to`` (inclusive; None: open),
    the dates over which neither the import in force, nor the boundary records, nor the rates change.
    It names no ZIP code: every ZIP5 of one tax area shares one answer, built when the table loads
    (:class:`LocalTable`), so an answer is the same object wherever and whenever it holds, and
    compares (and hashes) by identity."""

    state: str
    valid_from: date
    valid_to: date | None
    resolved_by: ResolvedBy
    jurisdictions: tuple[LocalJurisdiction, ...]  # state first, then county, city, special
    combined_rate_percent: Decimal
    import_id: str | None  # the import that answered (None: no import covers the state on that day)
    effective_from: date | None  # that import's effective date
    source: str | None  # that import's source
    spans_several_rates: bool  # the ZIP5 holds more than one combined rate
    rates_in_zip5: tuple[Decimal, ...]  # the distinct combined rates seen (ascending)
    rule: str | None  # LOWEST_COMBINED_RATE when the ZIP5 spans and no ZIP+4 decided
    local_taxes: bool  # the state has local sales taxes at all (False: the state rate is the whole rate)

    @property
    def local_jurisdictions(self) -> tuple[LocalJurisdiction, ...]:
        return tuple(j for j in self.jurisdictions if j.level is not Level.state)


@dataclass(frozen=True, slots=True)
class ExemptLocality:
    """A locality whose local rule applies from ``effective_from`` to ``effective_to`` (None: open): it exempts an
    item from its local taxes, or (Alaska) it is a member whose taxes remote sellers collect."""

    name: str
    effective_from: date
    effective_to: date | None
    source: str


@dataclass(frozen=True, slots=True)
class TaxCap:
    """A place's cap on the amount its local taxes apply to, from ``effective_from`` to ``effective_to`` (None: open):
    only the first ``amount`` of each item (``per == "item"``) or of each sale (``per == "sale"``) is taxed."""

    name: str
    per: str
    amount: Decimal
    effective_from: date
    effective_to: date | None
    source: str

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True, slots=True)
class CapAnswer:
    """What is known of a place's cap on a day: the cap, or (``cap`` None) why it is not known; no answer at all
    (:meth:`LocalTable.tax_cap` returns None) when the place is not known to cap."""

    cap: TaxCap | None
    unknown: str | None = None


@dataclass(frozen=True, slots=True)
class GroceryDistrict:
    """A special district whose tax on groceries applies in the ZIP codes it lists, at ``rate_percent`` from
    ``effective_from`` to ``effective_to`` (None: open); Illinois's Regional Transportation Authority."""

    id: str
    name: str
    rate_percent: Decimal
    effective_from: date
    effective_to: date | None
    source: str


@dataclass(frozen=True, slots=True)
class GroceryLocality:
    """A place that imposes (``rate_percent``) or is known not to impose (``rate_percent`` 0) a local tax on
    groceries from ``effective_from`` on; ``kind`` is ``municipality`` (inside its limits) or ``county`` (its
    unincorporated areas)."""

    name: str
    kind: str
    rate_percent: Decimal
    effective_from: date
    source: str


@dataclass(frozen=True, slots=True)
class BoundaryRecord:
    kind: RecordKind
    low: int  # zip5, or zip5 * 10_000 + zip4 when ``zip4``
    high: int
    effective_from: date
    effective_to: date | None
    jurisdiction_ids: tuple[str, ...]
    zip4: bool = False  # low and high are ZIP+4 keys


class _RangeIndex:
    """Sorted ranges ``low..high`` with a running maximum of ``high``: all ranges holding a key in
    O(log n + hits) even when ranges overlap."""

    __slots__ = ("lows", "max_high", "records")

    def __init__(self, records: list[BoundaryRecord], typecode: str):
        records.sort(key=lambda r: (r.low, r.high))
        self.records = tuple(records)
        self.lows = array(typecode, (r.low for r in records))
        running = array(typecode)
        top = 0
        for r in records:
            top = max(top, r.high)
            running.append(top)
        self.max_high = running

    def holding(self, key: int) -> list[BoundaryRecord]:
        return self.intersecting(key, key)

    def intersecting(self, lo: int, hi: int) -> list[BoundaryRecord]:
        """Every range that shares a key with ``lo..hi``."""
        i = bisect.bisect_right(self.lows, hi) - 1
        out: list[BoundaryRecord] = []
        max_high, records = self.max_high, self.records
        while i >= 0 and max_high[i] >= lo:
            r = records[i]
            if r.high >= lo:
                out.append(r)
            i -= 1
        return out

    def __len__(self) -> int:
        return len(self.records)


#: (valid from, valid to, jurisdictions in force, their combined rate)
_Bound = tuple[date, date | None, tuple[LocalJurisdiction, ...], Decimal]


@dataclass(frozen=True, eq=False)
class StateData:
    """One state's part of one import."""

    state: str
    jurisdictions: dict[str, tuple[LocalJurisdiction, ...]]  # id -> dated rows, oldest first
    zip5_index: _RangeIndex  # zip5 and address records, keyed by zip5
    zip4_index: _RangeIndex  # zip4 and address records with a ZIP+4, keyed by zip5 * 10_000 + zip4
    # id set -> its _Bound on the last day asked; at most one entry per distinct id set
    _rate_cache: dict[tuple[str, ...], _Bound] = field(default_factory=dict, repr=False)

    def jurisdiction_on(self, jid: str, day: date) -> LocalJurisdiction | None:
        for row in reversed(self.jurisdictions[jid]):
            if row.effective_from <= day and (row.effective_to is None or day <= row.effective_to):
                return row
        return None

    def bound(self, ids: tuple[str, ...], day: date) -> _Bound:
        """The jurisdictions of a boundary record in force on ``day``, their combined rate, and the dates
        over which that answer holds (cached per id set: the next tax date inside the same rate periods
        is a dictionary hit)."""
        hit = self._rate_cache.get(ids)
        if hit is not None and hit[0] <= day and (hit[1] is None or day <= hit[1]):
            return hit
        valid_from, valid_to = date.min, None
        rows = []
        for jid in ids:
            periods = self.jurisdictions[jid]
            row = None
            for i in range(len(periods) - 1, -1, -1):
                p = periods[i]
                if p.effective_from <= day:
                    if p.effective_to is None or day <= p.effective_to:
                        row = p
                        valid_from = max(valid_from, p.effective_from)
                        if p.effective_to is not None:
                            valid_to = p.effective_to if valid_to is None else min(valid_to, p.effective_to)
                    else:  # in a gap after this period: valid from the day after it ended
                        valid_from = max(valid_from, p.effective_to + _ONE_DAY)
                    break
                # ``day`` lies before this period: the answer holds at most until the day before it starts
                end = p.effective_from - _ONE_DAY
                valid_to = end if valid_to is None else min(valid_to, end)
            if row is not None:
                rows.append(row)
        rows.sort(key=lambda j: _LEVEL_ORDER[j.level])
        result = (valid_from, valid_to, tuple(rows), sum((j.rate_percent for j in rows), ZERO))
        self._rate_cache[ids] = result
        return result


_LEVEL_ORDER = {Level.state: 0, Level.county: 1, Level.city: 2, Level.special: 3}


@dataclass(frozen=True, eq=False)
class LocalImport:
    """One import directory: its manifest facts and its per-state data."""

    id: str
    path: str
    effective_from: date
    source: str
    licence: str
    kind: str
    fingerprint: str  # sha256 of the manifest (which itself pins every data file's sha256)
    states: dict[str, StateData]


class _Window:
    """The dates around a tax date over which a lookup's answer stays the same, narrowed step by step."""

    __slots__ = ("day", "start", "end")

    def __init__(self, day: date, start: date = date.min, end: date | None = None):
        self.day, self.start, self.end = day, start, end

    def within(self, start: date, end: date | None) -> None:
        if start > self.start:
            self.start = start
        if end is not None and (self.end is None or end < self.end):
            self.end = end

    def record(self, r: BoundaryRecord) -> bool:
        """Narrow to the span over which ``r`` stays in or out of force; whether it is in force."""
        day = self.day
        if day < r.effective_from:
            self.within(date.min, r.effective_from - _ONE_DAY)
            return False
        if r.effective_to is not None and day > r.effective_to:
            self.within(r.effective_to + _ONE_DAY, None)
            return False
        self.within(r.effective_from, r.effective_to)
        return True


def _choose(data: StateData, records: list[BoundaryRecord], window: _Window):
    """The jurisdictions and combined rate of the records in force with the lowest combined rate, and
    every distinct combined rate among them; None when no record is in force."""
    options = []
    for r in records:
        if window.record(r):
            bound = data.bound(r.jurisdiction_ids, window.day)
            window.within(bound[0], bound[1])
            options.append(bound)
    if not options:
        return None
    if len(options) == 1:  # the usual case: one record for the ZIP5 (or ZIP+4)
        return options[0], (options[0][3],)
    rates = tuple(sorted({o[3] for o in options}))
    # Lowest combined rate; among equal rates the set with fewer jurisdictions, then by ids (deterministic).
    best = min(options, key=lambda o: (o[3], len(o[2]), tuple(j.id for j in o[2])))
    return best, rates


def _zip5s_of(data: StateData) -> set[str]:
    """Every ZIP5 that a boundary record of ``data`` holds (a ZIP+4 range: each ZIP5 it touches)."""
    out: set[int] = set()
    for r in data.zip5_index.records:
        out.update(range(r.low, r.high + 1))
    for r in data.zip4_index.records:
        out.update(range(r.low // 10_000, r.high // 10_000 + 1))
    return {f"{z:05d}" for z in out}


def _answer(state: str, imp: LocalImport | None, window: _Window, how: ResolvedBy, found: Any,
            local_taxes: bool) -> LocalResolution:
    """The answer of a lookup: ``found`` as :func:`_choose` gives it, the dates it holds for in ``window``."""
    if found is None:
        return LocalResolution(
            state=state, valid_from=window.start, valid_to=window.end, resolved_by=ResolvedBy.state, jurisdictions=(),
            combined_rate_percent=ZERO, import_id=None if imp is None else imp.id,
            effective_from=None if imp is None else imp.effective_from, source=None if imp is None else imp.source,
            spans_several_rates=False, rates_in_zip5=(), rule=None, local_taxes=local_taxes,
        )
    assert imp is not None
    (_, _, rows, rate), rates = found
    spans = len(rates) > 1
    return LocalResolution(
        state=state, valid_from=window.start, valid_to=window.end, resolved_by=how, jurisdictions=rows,
        combined_rate_percent=rate, import_id=imp.id, effective_from=imp.effective_from, source=imp.source,
        spans_several_rates=spans, rates_in_zip5=rates, rule=LOWEST_COMBINED_RATE if spans else None,
        local_taxes=local_taxes,
    )


def _spans(state: str, imp: LocalImport, data: StateData, records: list[BoundaryRecord], start: date,
           end: date | None, local_taxes: bool) -> tuple[LocalResolution, ...]:
    """The answers of a ZIP5 lookup over ``records`` (the ZIP5's records of ``imp``) for every tax date from
    ``start`` to ``end`` (None: open) on which one of them is in force, one per span, oldest first."""
    out = []
    day = start
    while True:
        window = _Window(day, start, end)
        found = _choose(data, records, window)
        if found is not None:
            out.append(_answer(state, imp, window, ResolvedBy.zip5, found, local_taxes))
        if window.end is None or window.end == end or window.end == date.max:
            return tuple(out)
        day = window.end + _ONE_DAY


@dataclass(frozen=True, eq=False)
class LocalTable:
    """Every loaded import, and which states levy local taxes at all.

    At construction every ZIP5 of every import gets its answers for a ZIP5 lookup, one per span of tax
    dates over which it stays the same (:attr:`LocalResolution.valid_from` / ``valid_to``): the ZIP5s of
    one tax area (the same boundary dates and jurisdictions) share them. A lookup is then a dictionary
    look-up and a date comparison, the first one of a ZIP included; ZIP+4 lookups where ZIP+4 records
    exist, and places no record covers, take the full path (cached per place).
    """

    imports: tuple[LocalImport, ...]
    local_tax_states: frozenset[str]
    #: The imports loaded from ``TAXAPI_US_LOCAL_DIR`` (the shipped ones are part of the rates directory).
    imported_ids: frozenset[str] = frozenset()
    #: The USPS state of each three-digit ZIP prefix and of the ZIP5s of another state under one
    #: (``rates/us-local/zip-prefixes.json``): where no boundary record places a ZIP, these do.
    zip_prefixes: dict[str, str] = field(default_factory=dict, repr=False)
    #: state -> zip5 -> the localities that exempt clothing under the state's limit from their local taxes
    #: (``rates/us-local/clothing-localities.json``: New York's, Publication 718-C).
    clothing_localities: dict[str, dict[str, tuple[ExemptLocality, ...]]] = field(default_factory=dict, repr=False)
    #: Alaska's places whose local taxes remote sellers collect under the ARSSTC Uniform Code, by place name
    #: (case-folded), with the date collection begins (``rates/us-local/arsstc-members.json``).
    arsstc_members: dict[str, ExemptLocality] = field(default_factory=dict, repr=False)
    #: Alaska's places whose local taxes apply only up to a cap, by place name (case-folded): the verified caps,
    #: and the places that cap on dates no verified cap covers (``rates/us-local/arsstc-caps.json``).
    tax_caps: dict[str, tuple[TaxCap, ...]] = field(default_factory=dict, repr=False)
    unverified_caps: dict[str, str] = field(default_factory=dict, repr=False)
    #: state -> (the day the list starts, place name (case-folded) -> the places of that name that impose a local
    #: grocery tax or are known not to) (``rates/us-local/il-grocery-localities.json``: Illinois from 2026-01-01).
    grocery_localities: dict[str, tuple[date, dict[str, tuple[GroceryLocality, ...]]]] = field(default_factory=dict, repr=False)
    #: state -> zip5 -> the special districts that tax groceries there (``rates/us-local/il-grocery-localities.json``,
    #: ``districts``: the RTA's 1.25 % in Cook County, 0.75 % in the collar counties).
    grocery_districts: dict[str, dict[str, tuple[GroceryDistrict, ...]]] = field(default_factory=dict, repr=False)
    #: state -> zip5 -> the localities with different clothing rules that the ZIP5 spans, and the source saying so
    #: (``rates/us-local/clothing-localities.json``, ``spanning``).
    clothing_spans: dict[str, dict[str, tuple[tuple[str, ...], str]]] = field(default_factory=dict, repr=False)
    # state -> imports with boundaries covering it, oldest effective date first, and their dates
    _by_state: dict[str, tuple[tuple[date, ...], tuple[LocalImport, ...]]] = field(default_factory=dict, repr=False)
    # state -> zip5 -> the answers of a ZIP5 lookup, oldest span first (built at construction)
    _zip5: dict[str, dict[str, tuple[LocalResolution, ...]]] = field(default_factory=dict, repr=False)
    # state -> the ZIP5s with ZIP+4 records in some import (a ZIP+4 lookup there takes the full path)
    _zip4_zips: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)
    # zip5 -> the states whose boundary records hold it, in the order of the imports
    _zip_states: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    # (state, zip5, zip4) -> the last answer of the full path for that place, with the dates it holds for
    _answers: dict[tuple[str, str, str | None], LocalResolution] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        by_state: dict[str, list[LocalImport]] = {}
        owners: dict[str, list[str]] = {}
        for imp in self.imports:
            for st, data in imp.states.items():
                if len(data.zip5_index) or len(data.zip4_index):
                    by_state.setdefault(st, []).append(imp)
                for z in _zip5s_of(data):
                    states = owners.setdefault(z, [])
                    if st not in states:
                        states.append(st)
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        for z, states in owners.items():
            key = tuple(states)
            self._zip_states[z] = shared.setdefault(key, key)
        for st, imps in by_state.items():
            imps.sort(key=lambda i: (i.effective_from, i.id))
            starts = tuple(i.effective_from for i in imps)
            self._by_state[st] = (starts, tuple(imps))
            self._zip5[st], self._zip4_zips[st] = self._answers_of_state(st, starts, tuple(imps))

    def _answers_of_state(self, state: str, starts: tuple[date, ...], imports: tuple[LocalImport, ...]):
        """Every ZIP5's answers in ``state`` over the spans of the imports, and the ZIP5s with ZIP+4 records."""
        out: dict[str, tuple[LocalResolution, ...]] = {}
        zip4_zips: set[int] = set()
        local_taxes = state in self.local_tax_states
        for i, imp in enumerate(imports):
            data = imp.states[state]
            for r in data.zip4_index.records:
                zip4_zips.update(range(r.low // 10_000, r.high // 10_000 + 1))
            start = starts[i]
            end = starts[i + 1] - _ONE_DAY if i + 1 < len(starts) else None
            if end is not None and end < start:
                continue  # another import of the same date answers
            by_zip: dict[int, list[BoundaryRecord]] = {}
            for r in data.zip5_index.records:
                for z in range(r.low, r.high + 1):
                    by_zip.setdefault(z, []).append(r)
            areas: dict[tuple[Any, ...], tuple[LocalResolution, ...]] = {}
            for z, records in by_zip.items():
                area = tuple(sorted((r.effective_from, r.effective_to or date.max, r.jurisdiction_ids) for r in records))
                answers = areas.get(area)
                if answers is None:
                    answers = areas[area] = _spans(state, imp, data, records, start, end, local_taxes)
                key = f"{z:05d}"
                earlier = out.get(key)
                out[key] = answers if earlier is None else earlier + answers
        return out, frozenset(zip4_zips)

    @property
    def fingerprint(self) -> str | None:
        """A short hash of the manifests of the imports from ``TAXAPI_US_LOCAL_DIR`` (None when there are none).

        Each manifest pins the sha256 of its data files, so the hash changes with any data change."""
        imported = sorted((i for i in self.imports if i.id in self.imported_ids), key=lambda i: i.id)
        if not imported:
            return None
        import hashlib

        digest = hashlib.sha256()
        for imp in imported:
            digest.update(imp.id.encode() + b"\0" + imp.fingerprint.encode() + b"\0")
        return digest.hexdigest()[:12]

    def answers_by_zip5(self) -> dict[str, dict[str, tuple[LocalResolution, ...]]]:
        """state -> zip5 -> the answers of a ZIP5 lookup built at construction, oldest span first (the ZIP5s of
        one tax area share the tuple)."""
        return self._zip5

    def import_for(self, state: str, day: date) -> LocalImport | None:
        """The newest import with boundaries for ``state`` in force on ``day``."""
        entry = self._by_state.get(state)
        if entry is None:
            return None
        i = bisect.bisect_right(entry[0], day) - 1
        return entry[1][i] if i >= 0 else None

    def lookup(self, state: str, zip5: str, zip4: str | None, day: date) -> LocalResolution:
        """The jurisdictions that tax a delivery to ``zip5`` (and ``zip4``) in ``state`` on ``day``.

        ``state`` is the two-letter code (``CA``), ``zip5`` five digits, ``zip4`` four digits or None.
        Without an import covering the place, ``resolved_by`` is ``state`` and ``jurisdictions`` is empty:
        the caller applies its state rate and, where ``local_taxes`` is true, says the local rate is unknown.

        A ZIP5 lookup (or a ZIP+4 lookup where the ZIP5 has no ZIP+4 records) reads the answers built at
        construction; other answers are cached per place with the dates they hold for
        (:attr:`LocalResolution.valid_from` and ``valid_to``), so a place asked again on any date in that
        span costs a dictionary look-up too.
        """
        answers = self.zip5_answers(state, zip5, zip4)
        if answers is not None:
            for res in answers:
                if res.valid_from <= day and (res.valid_to is None or day <= res.valid_to):
                    return res
        key = (state, zip5, zip4)
        hit = self._answers.get(key)
        if hit is not None and hit.valid_from <= day and (hit.valid_to is None or day <= hit.valid_to):
            return hit
        res = self._resolve(state, zip5, zip4, day)
        if len(self._answers) < ANSWER_CACHE_SIZE:
            self._answers[key] = res
        return res

    def zip5_answers(self, state: str, zip5: str, zip4: str | None = None) -> tuple[LocalResolution, ...] | None:
        """The answers built at construction for a lookup of ``zip5`` (and ``zip4``) in ``state``, oldest span first;
        None where a lookup takes the full path (a ZIP+4 where ZIP+4 records exist, a place no record covers)."""
        zips = self._zip5.get(state)
        if zips is None or (zip4 is not None and int(zip5) in self._zip4_zips[state]):
            return None
        return zips.get(zip5)

    def _resolve(self, state: str, zip5: str, zip4: str | None, day: date) -> LocalResolution:
        window = _Window(day)
        imp = None
        entry = self._by_state.get(state)
        if entry is not None:
            starts, imports = entry
            i = bisect.bisect_right(starts, day) - 1
            if i + 1 < len(starts):
                window.within(date.min, starts[i + 1] - _ONE_DAY)
            if i >= 0:
                imp = imports[i]
                window.within(starts[i], None)
            else:
                window.within(date.min, starts[0] - _ONE_DAY)
        local_taxes = state in self.local_tax_states
        how, found = ResolvedBy.state, None
        if imp is not None:
            data = imp.states[state]
            z5 = int(zip5)
            if zip4 is not None:
                found = _choose(data, data.zip4_index.holding(z5 * 10_000 + int(zip4)), window)
                how = ResolvedBy.zip4
            if found is None:
                found = _choose(data, data.zip5_index.holding(z5), window)
                how = ResolvedBy.zip5
        return _answer(state, imp, window, how, found, local_taxes)

    def zip_in_state(self, state: str, zip5: str) -> bool | None:
        """Whether ``zip5`` is a ZIP code of ``state`` by the loaded boundary data.

        True or False when some import with boundaries knows the ZIP5 (in any state) or covers
        ``state``; None when nothing loaded can tell.
        """
        states = self._zip_states.get(zip5, ())
        if state in states:
            return True
        if state in self._by_state or states:
            return False  # the state's boundaries do not hold it, or it is another state's ZIP
        return None

    def clothing_exempt_locality(self, state: str, zip5: str, day: date) -> ExemptLocality | None:
        """The locality of ``zip5`` that exempts clothing under the state's limit from its local taxes on ``day``."""
        for loc in self.clothing_localities.get(state, {}).get(zip5, ()):
            if loc.effective_from <= day and (loc.effective_to is None or day <= loc.effective_to):
                return loc
        return None

    def arsstc_member(self, place: str, day: date) -> ExemptLocality | None:
        """The ARSSTC member whose local taxes a remote seller collects in ``place`` on ``day`` (None: not a member then)."""
        member = self.arsstc_members.get(place.casefold())
        return member if member is not None and member.effective_from <= day else None

    def tax_cap(self, place: str, day: date) -> CapAnswer | None:
        """The cap on the amount ``place``'s local taxes apply to on ``day`` (None: the place is not known to cap)."""
        key = place.casefold()
        for cap in self.tax_caps.get(key, ()):
            if cap.in_force(day):
                return CapAnswer(cap)
        note = self.unverified_caps.get(key)
        return None if note is None else CapAnswer(None, note)

    def grocery_locality(self, state: str, places: tuple[str, ...], municipal: bool, day: date) -> GroceryLocality | None:
        """The first of ``places`` (a ZIP's place names, most specific first) listed for ``state``'s local grocery tax
        on ``day``, as a municipality or, where the place has no municipal tax (``municipal`` false), as a county;
        None when none is listed (the tax there is not known)."""
        entry = self.grocery_localities.get(state)
        if entry is None or day < entry[0]:
            return None
        for place in places:
            for loc in entry[1].get(place.casefold(), ()):
                if loc.effective_from <= day and (loc.kind == "municipality" or not municipal):
                    return loc
        return None

    def grocery_districts_in(self, state: str, zip5: str, day: date) -> tuple[GroceryDistrict, ...]:
        """The special districts that tax groceries in ``zip5`` on ``day`` (none: the ZIP code is in no such district)."""
        return tuple(d for d in self.grocery_districts.get(state, {}).get(zip5, ())
                     if d.effective_from <= day and (d.effective_to is None or day <= d.effective_to))

    def grocery_list_starts(self, state: str) -> date | None:
        """The day from which ``state``'s local grocery taxes follow a list of places (None: no list)."""
        entry = self.grocery_localities.get(state)
        return None if entry is None else entry[0]

    def clothing_locality_named(self, state: str, name: str, day: date) -> ExemptLocality | None:
        """The locality of ``state`` named ``name`` that exempts clothing under the state's limit on ``day``."""
        for localities in self.clothing_localities.get(state, {}).values():
            for loc in localities:
                if loc.name == name and loc.effective_from <= day and (loc.effective_to is None or day <= loc.effective_to):
                    return loc
        return None

    def clothing_span(self, state: str, zip5: str) -> tuple[tuple[str, ...], str] | None:
        """The localities with different clothing rules that ``zip5`` spans, and the source (None: it spans none)."""
        return self.clothing_spans.get(state, {}).get(zip5)

    def postal_state(self, zip5: str) -> str | None:
        """The state (or territory) of ``zip5`` by the USPS ZIP lists (:attr:`zip_prefixes`)."""
        return self.zip_prefixes.get(zip5) or self.zip_prefixes.get(zip5[:3])

    def state_of_zip(self, zip5: str) -> str | None:
        """The state whose loaded boundary data holds ``zip5`` (None when none does)."""
        states = self._zip_states.get(zip5)
        return states[0] if states else None

    def jurisdictions_named(self, state: str, name: str, day: date) -> tuple[LocalJurisdiction, ...]:
        """Jurisdictions of ``state`` whose name is ``name`` (case-insensitive) on ``day``, newest import first.

        For rate-only imports without boundaries (e.g. the shipped CDTFA table of California places)."""
        wanted = name.strip().casefold()
        out: list[LocalJurisdiction] = []
        for imp in sorted(self.imports, key=lambda i: i.effective_from, reverse=True):
            if imp.effective_from > day or state not in imp.states:
                continue
            data = imp.states[state]
            for jid, rows in data.jurisdictions.items():
                if rows[0].name.casefold() == wanted:
                    row = data.jurisdiction_on(jid, day)
                    if row is not None:
                        out.append(row)
            if out:
                break
        return tuple(out)
