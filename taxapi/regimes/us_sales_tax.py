"""US state and local sales and use taxes (and Arizona's TPT, Hawaii's GET, New Mexico's GRT, Puerto Rico's IVU).

Each state's own law since South Dakota v. Wayfair (2018): a remote seller collects where it has
nexus (physical presence, economic nexus, or a registration), a marketplace facilitator collects
for the sales it facilitates, at the full combined rate. The rate of a line is the state's plus the
county, city and special-district rates of the delivery address, found by ZIP code (ZIP+4 over
ZIP5) in the US local tables (:mod:`taxapi.us_local`); without a table answering, the state rate
table's rate applies and, in a state with local taxes, a warning says the local rate is unknown.

The state rules on top of the rates are dated parameters (``rates/parameters/US.json``): origin
sourcing for in-state sellers (California's hybrid: districts at the destination), separately
stated shipping, clothing limits (New York, Massachusetts, Rhode Island) and local grocery tax.
Each line's tax is broken down by level (state, county, city, special), allocated by largest
remainder so that the parts sum to the line's tax, rounded once for all levels together
(Streamlined Sales and Use Tax Agreement section 324).

More information:

* https://www.streamlinedsalestax.org/
* https://www.supremecourt.gov/opinions/17pdf/17-494_j4el.pdf (South Dakota v. Wayfair, Inc.)

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("us_sales_tax").scheme.value
'us_sales_tax'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, ClassVar, NamedTuple

from taxapi.categories import Category, RateKind
from taxapi.errors import TaxApiError, ValidationFailed
from taxapi.money import exponent, fmt_percent, minor_units
from taxapi.rate_tables.combined import CombinedRate, Level, combined_rate
from taxapi.rate_tables.model import Jurisdiction, RateBook
from taxapi.rate_tables.parameters import Parameter
from taxapi.regimes.base import Collector, Context, Reason, RuleId, Scheme, SupplyKind, Treatment
from taxapi.regimes.common import NationalRegime
from taxapi.us_local.model import LocalResolution, LocalTable, ResolvedBy

ZERO = Decimal(0)
ONE = Decimal(1)
_ZIP = re.compile(r"\s*(\d{5})(?:[- ]?(\d{4}))?\s*")
_FOOD = Category.food
_CLOTHING = frozenset({Category.clothing, Category.children_clothing})
_LEVEL = {"state": "state", "county": "county", "city": "city", "special": "special"}
_BY_STATE = ResolvedBy.state  # read once: an enum member looked up on its class costs ~0.2 us
_GENERAL = Category.general
_ZIP5_SLOTS = 100_000  # one slot per five-digit ZIP code (:func:`_zip_area`)


class Rule(RuleId):
    customer_exempt = "us.customer_exempt"
    marketplace_facilitator = "us.marketplace_facilitator"
    seller_nexus = "us.seller_nexus"
    no_nexus = "us.no_nexus"
    arsstc_member = "us.ak.arsstc_member"  # Alaska: a remote seller collects the local taxes of ARSSTC members
    arsstc_not_member = "us.ak.arsstc_not_member"  # Alaska: a remote seller collects nothing for non-members


def parse_zip(text: str | None) -> tuple[str, str | None] | None:
    """``(zip5, zip4)`` of a ZIP code written ``10001``, ``10001-2062`` or ``100012062``; None otherwise."""
    if not text:
        return None
    if len(text) == 5 and text.isascii() and text.isdigit():  # the usual form, without the expression
        return text, None
    m = _ZIP.fullmatch(text)
    return (m.group(1), m.group(2)) if m else None


def local_table(book: RateBook) -> LocalTable:
    """The US local table loaded with ``book`` (the process-wide one for a book built otherwise)."""
    cache = book.cache("us_local")
    table = cache.get("table")
    if table is None:
        from taxapi.us_local.store import get_local_table

        table = cache["table"] = get_local_table()
    return table  # type: ignore[return-value]


def state_of_zip(book: RateBook, postal_code: str | None, loc: str) -> str | None:
    """The state a ZIP code belongs to by the local tables (None when they cannot tell)."""
    parsed = parse_zip(postal_code)
    if parsed is None:
        return None
    table = local_table(book)
    return table.state_of_zip(parsed[0]) or table.postal_state(parsed[0])


class UsSalesTax(NationalRegime):
    code: ClassVar[str] = "US"
    table_regimes: ClassVar[tuple[str, ...]] = ("us_sales_tax",)
    parameters: ClassVar[tuple[str, ...]] = (
        "clothing_exempt_below_ny", "clothing_exempt_first_ma", "clothing_exempt_first_ri", "origin_sourcing_ca",
    )
    scheme: ClassVar[Scheme] = Scheme.us_sales_tax
    domestic_scheme: ClassVar[Scheme] = Scheme.us_sales_tax
    always_breakdown: ClassVar[bool] = True
    rule_sources: ClassVar[dict[str, str]] = {"us": "https://www.streamlinedsalestax.org/"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def prepare(self, book: RateBook) -> None:
        """Build, as ``book`` loads, the general combined rate of every answer of its local table (on the first day
        the answer holds, with its levels laid out for the split of a line's tax), so that the first order to a
        ZIP finds it; and, per five-digit ZIP code, one record of its answers with those rates (:func:`_zip_area`)."""
        table = local_table(book)
        book.memo["us_zip5"] = table.answers_by_zip5()  # type: ignore[assignment]
        records: dict[tuple[LocalResolution, ...], tuple[Any, ...]] = {}  # the ZIP5s of a tax area share their answers
        slots: list[tuple[Any, ...] | None] = [None] * _ZIP5_SLOTS if table.answers_by_zip5() else []
        for state, zips in table.answers_by_zip5().items():
            j = book.jurisdictions.get(f"US-{state}")
            if j is None:
                continue
            for zip5, answers in zips.items():
                record = records.get(answers)
                if record is None:
                    fields: list[Any] = [state]
                    for res in answers:
                        try:
                            start, end, rate = _rate_held(book, j, state, Category.general, res.valid_from, res, None)
                        except TaxApiError:  # the state's rate table does not reach back to that day
                            continue
                        fields += (start, end, res, rate, res.spans_several_rates)
                    record = records[answers] = tuple(fields)
                if table.zip5_answers(state, zip5, "0000") is None:  # its ZIP+4 records decide a ZIP+4
                    book.cache("us_zip4_zips")[(state, zip5)] = True
                slot = int(zip5)
                if slots[slot] is None:
                    slots[slot] = record
                else:  # a ZIP5 of two states (a few dozen): the other state's record beside the list
                    book.cache("us_zip_areas_shared")[(state, zip5)] = record
        if slots:
            book.memo["us_zip_areas"] = slots  # type: ignore[assignment]

    def levels(self, book: RateBook, j: Jurisdiction) -> Sequence[tuple[Jurisdiction, str]]:
        return [(j, "state")]

    def goods(self, ctx: Context) -> Treatment:
        return self.services(ctx, SupplyKind.goods)

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        """Goods and services alike: the state's sales tax, collected by whoever the state's law makes collect it."""
        j = ctx.dest.jurisdiction
        if j is None:
            raise ValidationFailed.at(["ship_to", "region"], "a US state (e.g. \"CA\") is required for US addresses")
        state = j.id[3:]
        if ctx.order.customer.exemption is not None:  # (a bad ZIP is a 422 all the same: finish() resolves it)
            return Treatment(j, Collector.none, Scheme.none, Rule.customer_exempt, False, reason=Reason.customer_exempt)
        seller = ctx.order.seller
        in_state = ctx.seller_country == "US" and seller.region == state
        # Alaska has no state tax: a remote seller (or marketplace) collects a place's local taxes only where the
        # place's taxing jurisdictions are ARSSTC members that adopted the Uniform Code.
        arsstc = None
        if state == "AK" and not in_state:
            postal_code = ctx.order.ship_to.postal_code
            area = _zip_area(ctx.book, state, postal_code, ctx.day)
            dest = area[3] if area is not None else _resolve(ctx.book, state, postal_code, ctx.day, "ship_to")
            arsstc = _arsstc_members(ctx.book, dest, ctx.day)
        if arsstc is False:
            return Treatment(j, Collector.none, Scheme.none, Rule.arsstc_not_member, False, reason=Reason.not_collecting)
        if ctx.facilitated:
            return Treatment(j, Collector.marketplace, Scheme.us_sales_tax, Rule.marketplace_facilitator, True,
                             reason=Reason.marketplace_collects)
        has_nexus = state in seller.us_nexus or ctx.registered(j.id) or in_state
        if has_nexus:
            return Treatment(j, Collector.seller, Scheme.us_sales_tax, Rule.arsstc_member if arsstc else Rule.seller_nexus, True)
        return Treatment(j, Collector.none, Scheme.none, Rule.no_nexus, False, reason=Reason.not_collecting)

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        """Each US item at its combined state and local rate, with the state rules that change its base."""
        j = ctx.dest.jurisdiction
        if j is None or not items:
            return
        book, day, order = ctx.book, ctx.day, ctx.order
        state = j.id[3:]
        rules = _state_rules(book, state, day)
        postal_code = order.ship_to.postal_code
        area = _zip_area(book, state, postal_code, day)  # a ZIP5 as the table writes it: its answer and general rate
        if area is not None:
            dest, general, warn = area[3], area[4], area[5]  # (a table answer warns only where its ZIP5 spans rates)
        else:
            dest = _resolve(book, state, postal_code, day, "ship_to")  # a malformed ZIP, or another state's, is a 422
            general, warn = None, dest is None or dest.resolved_by is _BY_STATE or dest.spans_several_rates
        origin = None
        seller = order.seller
        if rules.origin and ctx.seller_country == "US" and seller.region == state and order.ship_from.region == state:
            origin = _resolve(book, state, order.ship_from.postal_code, day, "ship_from")
            if origin is not None and origin.resolved_by is ResolvedBy.state:
                origin = None  # the origin's local rates are unknown: the destination's apply
        if origin is not None:
            general = None  # the origin's rates
        if rules.local_taxes and warn:
            _warn_about(ctx, state, dest, postal_code)  # (most answers need no warning: no call)
        exp = exponent(minor_units(order.currency))
        per_line = order.rounding == "per_line"
        inclusive = order.prices_include_tax
        exempt: list[Decimal] = []  # per item: the part of its base a state or local limit leaves untaxed
        for it in items:
            shipping = it.index < 0
            if shipping and rules.shipping_exempt is not None:
                it.rate = _exempt(it.rate, "shipping", rules.shipping_exempt, day)
            else:
                it.rate = general if general is not None and it.category is _GENERAL else _rate(book, j, state, it.category, day, dest, origin)
                if it.category is _FOOD and state in local_table(book).grocery_districts:
                    it.rate = _with_grocery_districts(book, state, it.rate, dest, origin,
                                                      postal_code if origin is None else order.ship_from.postal_code, day)
            exempt_part = ZERO
            if not shipping and it.category in _CLOTHING and it.rate.rate_fraction:
                it.rate, exempt_part = _clothing(ctx, state, it.rate, it.base, order.lines[it.index].quantity)
            exempt.append(exempt_part)
        if state == "AK" and dest is not None and dest.resolved_by is not _BY_STATE:
            _alaska_caps(ctx, dest, items, exempt)
        elif rules.grocery_list is not None and day >= rules.grocery_list and any(it.category is _FOOD for it in items):
            _warn_grocery_unknown(ctx, state, origin or dest, postal_code if origin is None else order.ship_from.postal_code)
        for i, it in enumerate(items):
            exempt_part = exempt[i]
            r = it.rate.rate_fraction
            if not (r and it.treatment.on_bill):
                it.raw_tax, it.tax = ZERO, ZERO.quantize(exp)
                continue
            taxable = it.base - exempt_part
            raw = taxable * r / (ONE + r) if inclusive else taxable * r
            it.raw_tax = raw
            it.tax = raw.quantize(exp, ROUND_HALF_UP) if per_line else ZERO.quantize(exp)


def _alaska_caps(ctx: Context, dest: LocalResolution, items: Sequence[Any], exempt: list[Decimal]) -> None:
    """Tax only the first part of each item, or of the sale, that the place's cap allows (its local sales tax code;
    ``rates/us-local/arsstc-caps.json``), or warn that the place caps but its cap on the day is not known."""
    answers = _cap_answers(ctx.book, dest, ctx.day)
    if answers is None:
        return
    caps = {a.cap for a in answers if a is not None}
    if None in answers or len(caps) != 1 or None in caps:  # some local tax of the place uncapped or its cap unknown
        notes = "; ".join(sorted(a.unknown for a in answers if a is not None and a.unknown))
        ctx.warn("local_tax_cap_unknown", f"The local sales tax of ZIP code {_zip5(ctx.order.ship_to.postal_code)} applies only up to "
                 f"a cap per item or per sale, which is not known for {ctx.day} ({notes or 'its local taxes cap differently'}): "
                 "the whole amount was taxed.")
        return
    cap = caps.pop()
    assert cap is not None
    inclusive = ctx.order.prices_include_tax
    taxed = [i for i, it in enumerate(items) if it.rate.rate_fraction and it.treatment.on_bill]

    def net(i: int) -> Decimal:  # the part of the item's base the tax applies to, before the tax
        it = items[i]
        part = it.base - exempt[i]
        return part / (ONE + it.rate.rate_fraction) if inclusive else part

    capped: list[int] = []
    if cap.per == "item":
        for i in taxed:
            it = items[i]
            quantity = ctx.order.lines[it.index].quantity if it.index >= 0 else ONE
            over = net(i) / quantity - cap.amount
            if over > 0:
                kept = (it.base - exempt[i]) * cap.amount / (cap.amount + over)  # the same share of a gross price
                exempt[i] = it.base - kept
                capped.append(i)
    else:
        total = sum((net(i) for i in taxed), ZERO)
        if total > cap.amount:
            share = cap.amount / total
            for i in taxed:
                it = items[i]
                exempt[i] = it.base - (it.base - exempt[i]) * share
                capped.append(i)
    for i in capped:
        items[i].rate = _with(items[i].rate, source=f"{cap.source}; {items[i].rate.source}")


def _cap_answers(book: RateBook, dest: LocalResolution, day: date) -> frozenset[Any] | None:
    """What is known of the caps of a destination's taxing places on ``day`` (None: no place of it is known to cap),
    cached per table answer and day like the state rules of the day."""
    cache = book.cache("us_ak_caps")
    key = (dest, day)
    if key in cache:
        return cache[key]  # type: ignore[return-value]
    table = local_table(book)
    answers = frozenset({table.tax_cap(p, day) for p in {x.name for x in dest.local_jurisdictions if x.rate_percent}})
    found = None if answers <= {None} else answers
    if len(cache) < 200_000:
        cache[key] = found
    return found


def _grocery_place(book: RateBook, state: str, dest: LocalResolution | None, day: date) -> Any:
    """The listed place of a destination for the state's local grocery tax on ``day`` (None: not known)."""
    if dest is None or dest.resolved_by is ResolvedBy.state:
        return None
    local = dest.local_jurisdictions
    cities = tuple(x.name for x in local if x.level.value == "city")
    names = cities + tuple(x.name for x in local if x.level.value != "city")
    return local_table(book).grocery_locality(state, names, bool(cities), day)


def _with_grocery_districts(book: RateBook, state: str, rate: CombinedRate, dest: LocalResolution | None,
                            origin: LocalResolution | None, postal_code: str | None, day: date) -> CombinedRate:
    """Groceries' ``rate`` (``_rate``'s for ``dest``, ``origin`` and ``day``) with the special districts that tax
    groceries in the ZIP code of the address that sources the sale (Illinois's RTA: 1.25 % in Cook County, 0.75 % in
    the collar counties, also before 2026), where that ZIP code resolved to local rates; cached per ZIP code as
    written (it costs a dictionary look-up once known)."""
    cache = book.cache("us_food_districts")
    key = (state, dest, origin, postal_code, day)
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    res = origin or dest
    parsed = parse_zip(postal_code)
    districts = () if res is None or res.resolved_by is ResolvedBy.state or parsed is None else (
        local_table(book).grocery_districts_in(state, parsed[0], day))
    if districts:
        levels = rate.levels + tuple(_level(state, "special", d.id, d.name, d.rate_percent, RateKind.standard, d.source)
                                     for d in districts)
        percent = Decimal(fmt_percent(sum((lv.rate_percent for lv in levels), ZERO)))
        kind = RateKind.reduced if rate.rate_kind in (RateKind.zero, RateKind.exempt) else rate.rate_kind
        source = "; ".join([*(d.source for d in districts), rate.source])
        rate = CombinedRate(rate.jurisdiction, percent, percent / 100, kind, source, rate.own, levels, True, rate.address)
    if len(cache) < 200_000:
        cache[key] = rate
    return rate


def _warn_grocery_unknown(ctx: Context, state: str, dest: LocalResolution | None, postal_code: str | None) -> None:
    if dest is None or dest.resolved_by is ResolvedBy.state:
        return  # local_rate_unknown says it already
    if _grocery_place(ctx.book, state, dest, ctx.day) is None:
        ctx.warn("local_grocery_tax_unknown", f"Whether the place of ZIP code {_zip5(postal_code)} imposes {state}'s local grocery "
                 "tax is not known: groceries bear only the state part; the local grocery tax, where the place imposes it, is not included.")


def _resolve(book: RateBook, state: str, postal_code: str | None, day: date, loc: str) -> LocalResolution | None:
    """The local jurisdictions of a ZIP code in ``state`` on ``day`` (None without a ZIP code); a ZIP code
    that is malformed, or that the tables place in another state, is a 422 naming ``loc``'s postal code.

    The table's answers are built when it loads and shared by every ZIP of a tax area: a ZIP5 as the
    table writes it is a dictionary look-up, the first order to it included; other spellings are cached."""
    if not postal_code:
        return None
    zips = book.memo.get("us_zip5")  # state -> ZIP5 -> its answers for every date, built with the table
    if zips is None:
        zips = book.memo["us_zip5"] = local_table(book).answers_by_zip5()  # type: ignore[assignment]
    in_state = zips.get(state)
    answers = in_state.get(postal_code) if in_state is not None else None  # type: ignore[attr-defined]
    cache = None
    if answers is None:
        cache = book.cache("us_zip")  # other spellings (ZIP+4 ...) as written -> their answers
        answers = cache.get((state, postal_code))
    if answers is not None:
        for res in answers:  # type: ignore[attr-defined]
            if res.valid_from <= day and (res.valid_to is None or day <= res.valid_to):
                return res  # type: ignore[no-any-return]
    parsed = parse_zip(postal_code)
    if parsed is None:
        raise ValidationFailed.at([loc, "postal_code"], f"'{postal_code}' is not a US ZIP code (5 digits, or ZIP+4 as 10001-2062)")
    zip5 = parsed[0]
    table = local_table(book)
    res = table.lookup(state, zip5, parsed[1], day)
    if res.resolved_by is ResolvedBy.state:
        inside = table.zip_in_state(state, zip5)
        if inside is None:  # no loaded boundaries can tell: the USPS lists can
            owner = table.postal_state(zip5)
            inside = None if owner is None else owner == state
        if inside is False:
            raise ValidationFailed.at([loc, "postal_code"], f"ZIP code {zip5} is not in {state}")
    elif answers is None and cache is not None and len(cache) < 200_000:
        answers = table.zip5_answers(state, zip5, parsed[1])
        if answers is not None:
            cache[(state, postal_code)] = answers
    return res


def _arsstc_members(book: RateBook, dest: LocalResolution | None, day: date) -> bool | None:
    """Whether every local tax of an Alaska destination is an ARSSTC member's in force on ``day`` (True), some is
    not (False), or there is none to collect or the place's local taxes are unknown (None)."""
    if dest is None or dest.resolved_by is ResolvedBy.state:
        return None
    cache = book.cache("us_ak_members")  # per table answer and day, like the state rules of the day
    key = (dest, day)
    if key in cache:
        return cache[key]  # type: ignore[return-value]
    local = [x for x in dest.local_jurisdictions if x.rate_percent]
    table = local_table(book)
    found = all(table.arsstc_member(x.name, day) is not None for x in local) if local else None
    if len(cache) < 200_000:
        cache[key] = found
    return found


def _rate(book: RateBook, j: Jurisdiction, state: str, category: Category, day: date, dest: LocalResolution | None,
          origin: LocalResolution | None) -> CombinedRate:
    """The combined rate of ``category`` at a destination (and origin) on ``day``, cached per table answer (which
    every ZIP of a tax area shares) with the dates over which neither the answers nor the state's rate change;
    food, whose local part follows dated rules, per day. :meth:`UsSalesTax.prepare` builds the general rate
    of every answer when the book loads."""
    return _rate_held(book, j, state, category, day, dest, origin)[2]  # type: ignore[no-any-return]


def _rate_held(book: RateBook, j: Jurisdiction, state: str, category: Category, day: date, dest: LocalResolution | None,
               origin: LocalResolution | None) -> tuple[date, date | None, CombinedRate]:
    """:func:`_rate`'s answer with the first and last day it holds for (None: open)."""
    cache = book.memo.get("us_rates") or book.cache("us_rates")
    key = (dest, origin, category, day) if category is _FOOD else (dest, origin, category)
    hit = cache.get(key)
    if hit is not None and hit[0] <= day and (hit[1] is None or day <= hit[1]):
        return hit  # type: ignore[return-value]
    rate = _combine(book, j, state, category, day, dest, origin)
    start, end = date.min, None
    for held in (dest, origin, rate.own):
        if held is None:
            continue
        frm, to = (held.valid_from, held.valid_to) if isinstance(held, LocalResolution) else (held.effective_from, held.effective_to)
        start = max(start, frm)
        if to is not None:
            end = to if end is None else min(end, to)
    result = (start, end, rate)
    if len(cache) < 200_000:
        cache[key] = result
    return result


def _zip_area(book: RateBook, state: str, postal_code: str | None, day: date) -> tuple[Any, ...] | None:
    """The record of a ZIP code of ``state`` (five digits, or a ZIP+4 where the ZIP5 has no ZIP+4 records) whose span holds on ``day``: ``(state, first day, last day,
    answer, its general rate, whether the ZIP5 spans several rates)`` (:meth:`UsSalesTax.prepare`); None where
    :func:`_resolve` and :func:`_rate` answer (another spelling, a ZIP the table does not hold in ``state``, a day
    outside its records).

    One list slot and one record per order: the tax areas' answers are spread over a large heap, and each object an
    order reads there that the state-only answer does not read costs a cache miss."""
    if postal_code is None:
        return None
    n = len(postal_code)
    if n == 5:
        zip5 = postal_code
    elif n == 9 or (n == 10 and postal_code[5] == "-"):  # a ZIP+4 (10001-2062, 100012062): the ZIP5's answer ...
        zip5, zip4 = postal_code[:5], postal_code[-4:]
        if not zip4.isdigit() or not zip4.isascii() or (state, zip5) in book.cache("us_zip4_zips"):
            return None  # ... unless the ZIP5 has ZIP+4 records, which decide
    else:
        return None
    if not zip5.isdigit() or not zip5.isascii():
        return None
    slots = book.memo.get("us_zip_areas")
    record = slots[int(zip5)] if slots is not None else None  # type: ignore[index]
    if record is None:
        return None
    if record[0] != state:  # a ZIP5 of two states, asked in the other one (or a ZIP of another state)
        record = book.cache("us_zip_areas_shared").get((state, zip5))
        if record is None:
            return None
    if record[1] <= day and (record[2] is None or day <= record[2]):
        return record  # type: ignore[no-any-return]
    for i in range(6, len(record), 5):  # the answers of later (or earlier) spans
        if record[i] <= day and (record[i + 1] is None or day <= record[i + 1]):
            return (state, *record[i:i + 5])
    return None


class _StateRules(NamedTuple):
    local_taxes: bool  # the state has local sales taxes
    origin: bool  # in-state sellers source at origin
    shipping_exempt: Parameter | None  # the rule exempting separately stated shipping, in force
    grocery_list: date | None  # the day from which the state's local grocery taxes follow a list of places


def _state_rules(book: RateBook, state: str, day: date) -> _StateRules:
    cache = book.memo.get("us_state_rules") or book.cache("us_state_rules")
    key = (state, day)
    hit = cache.get(key)
    if hit is None:
        low = state.lower()
        ship = _param(book, f"shipping_exempt_if_separately_stated_{low}")
        table = local_table(book)
        hit = _StateRules(state in table.local_tax_states, _param_on(book, f"origin_sourcing_{low}", day),
                          ship if ship is not None and ship.in_force(day) else None, table.grocery_list_starts(state))
        if len(cache) < 100_000:
            cache[key] = hit
    return hit  # type: ignore[return-value]


def _warn_about(ctx: Context, state: str, res: LocalResolution | None, postal_code: str | None) -> None:
    if res is None:
        ctx.warn("local_rate_unknown", "No ZIP code given: only the state rate is applied; county, city and district rates are not included.")
    elif res.resolved_by is _BY_STATE:
        ctx.warn("local_rate_unknown", f"No local rate table covers ZIP code {_zip5(postal_code)} in {state}: only the state rate is "
                 "applied; county, city and district rates are not included.")
    elif res.spans_several_rates:
        rates = ", ".join(f"{fmt_percent(r)} %" for r in res.rates_in_zip5)
        ctx.warn("zip_spans_jurisdictions", f"ZIP code {_zip5(postal_code)} spans several combined rates ({rates}); without a ZIP+4 "
                 f"that decides, the lowest applies (Streamlined Sales and Use Tax Agreement section 305). Send the ZIP+4 for the exact rate.")


def _zip5(postal_code: str | None) -> str:
    parsed = parse_zip(postal_code)
    return parsed[0] if parsed else ""


def _param(book: RateBook, name: str) -> Parameter | None:
    params = book.parameters.get("US")
    return None if params is None else params.parameters.get(name)


def _param_on(book: RateBook, name: str, day: date) -> bool:
    p = _param(book, name)
    return p is not None and p.in_force(day)


def _address(book: RateBook, res: LocalResolution | None) -> Any:
    """How the address was resolved, as the line reports it (an ``AddressResolution``; one per way and import, which
    the tax areas share: one object an order to any of them reads from a cache line that stays warm)."""
    key = None if res is None or res.resolved_by is ResolvedBy.state else (res.resolved_by, res.import_id, res.effective_from, res.source)
    cache = book.cache("us_address")
    hit = cache.get(key)
    if hit is None:
        from taxapi.orders.results import AddressResolution  # the results read the regimes' vocabulary: imported late

        if key is None:
            hit = AddressResolution(ResolvedBy.state.value, None, None, None)
        else:
            hit = AddressResolution(key[0].value, *key[1:])
        if len(cache) < 200_000:
            cache[key] = hit
    return hit


def _combine(book: RateBook, j: Jurisdiction, state: str, category: Category, day: date,
             dest: LocalResolution | None, origin: LocalResolution | None) -> CombinedRate:
    base = combined_rate(book, j, category, day)  # the state rate table's answer
    table = local_table(book)
    address = _address(book, origin or dest)
    answered = dest is not None and dest.resolved_by is not ResolvedBy.state
    if not answered:
        return _with(base, address=_address(book, dest))
    if state not in table.local_tax_states and dest.combined_rate_percent != base.rate_percent:
        # The state rate is the whole rate (DC, MA ...): the state rate table decides. Where the local table
        # agrees with it, it only splits the rate into its levels (Puerto Rico: 10.5 % state + 1 % municipal IVU).
        return _with(base, address=_address(book, dest))
    # Which jurisdictions: the destination's, or the origin's (California: its districts stay the destination's).
    rows = list(dest.jurisdictions)
    if origin is not None:
        if state == "CA":
            rows = [x for x in origin.jurisdictions if x.level.value != "special"] + [
                x for x in dest.jurisdictions if x.level.value == "special"]
        else:
            rows = list(origin.jurisdictions)
    kind = base.rate_kind
    own = base.own
    no_state_tax = kind is RateKind.none and not any(lv.rate_percent for lv in base.levels)
    local_food = category is _FOOD and _param_on(book, f"grocery_local_tax_{state.lower()}", day)
    if kind in (RateKind.exempt, RateKind.none) and not no_state_tax and not local_food:
        return _with(base, address=address)
    texts = book.cache("us_texts")  # the tax areas of an import and state share one source text
    source = f"{(origin or dest).source} (effective {(origin or dest).effective_from}); state: {base.source}"
    source = texts.setdefault(source, source)  # type: ignore[assignment]
    levels: list[Level] = []
    heads: list[tuple[str, str, Decimal, str]] | None = None  # the levels' breakdown fields, where shared
    if kind is RateKind.standard or no_state_tax:
        cache = book.cache("us_levels")  # one Level per jurisdiction and source: tax areas share most of theirs
        heads = []
        for x in rows:
            key = (x, source)
            hit = cache.get(key)
            if hit is None:
                name = j.name if x.level.value == "state" else x.name
                lv = _level(state, x.level.value, x.id, name, x.rate_percent, RateKind.standard, source)
                hit = (lv, (lv.jurisdiction, lv.level, lv.rate_percent, lv.name))
                if len(cache) < 200_000:
                    cache[key] = hit
            levels.append(hit[0])  # type: ignore[index]
            heads.append(hit[1])  # type: ignore[index]
        kind = RateKind.standard
    else:  # a reduced or zero state rate (food in TN, MO, AR ...): the state table's rate, locals where the law says
        levels.append(_level(state, "state", "", j.name, base.rate_percent, kind, base.source))
        listed = table.grocery_list_starts(state)
        if local_food and listed is not None and day >= listed:
            # A list of the places that impose the local grocery tax (Illinois from 2026-01-01): its rate where the
            # ZIP's place is listed, else none (finish() warns when the place is not known to be listed or not).
            place = _grocery_place(book, state, dest if origin is None else origin, day)
            if place is not None and place.rate_percent:
                x = next((x for x in rows if x.level.value != "state" and x.name.casefold() == place.name.casefold()), None)
                level = "county" if place.kind == "county" else "city"
                source = f"{place.source}; {source}"
                levels.append(_level(state, level, x.id if x is not None else level, place.name, place.rate_percent,
                                     RateKind.standard, source))
        elif local_food:
            # One flat local food rate (North Carolina's 2 %, at the county level) where the state sets one;
            # else each local jurisdiction's food rate (its general rate where the table has none).
            flat = _param(book, f"grocery_local_rate_{state.lower()}")
            flat_rate = flat.value(day) if flat is not None and flat.in_force(day) else None
            flat_source = f"{flat.on(day).source}; {source}" if flat_rate is not None else source
            for x in rows:
                if x.level.value == "state" or (flat_rate is not None and x.level.value != "county"):
                    continue
                if flat_rate is not None:
                    rate = Decimal(fmt_percent(flat_rate))
                else:
                    rate = x.food_rate_percent if x.food_rate_percent is not None else x.rate_percent
                levels.append(_level(state, x.level.value, x.id, x.name, rate, RateKind.standard, flat_source))
    total = sum((lv.rate_percent for lv in levels), ZERO)
    written = fmt_percent(total)
    numbers = texts.get(("percent", written))  # one pair of Decimals per combined rate, shared by its tax areas
    if numbers is None:
        percent = Decimal(written)
        numbers = texts[("percent", written)] = (percent, percent / 100)
    percent, fraction = numbers  # type: ignore[misc]
    if total and kind in (RateKind.zero, RateKind.exempt):
        kind = RateKind.reduced
    from taxapi.orders.service import level_split  # the engine reads the regimes: imported late

    return CombinedRate(j.id, percent, fraction, kind, source, own, tuple(levels), True, address, level_split(levels, heads))


def _level(state: str, level: str, jid: str, name: str, rate: Decimal, kind: RateKind, source: str) -> Level:
    ident = f"US-{state}" if level == "state" else f"US-{state}-{jid}"
    return Level(ident, _LEVEL[level], kind, rate, source, name)  # the tables' rates are written without trailing zeros


def _with(rate: CombinedRate, **changes: Any) -> CombinedRate:
    return replace(rate, **changes)


def _exempt(rate: CombinedRate, what: str, param: Parameter | None, day: date) -> CombinedRate:
    """``rate`` made exempt by a state rule (the parameter's source is the line's source)."""
    period = param.on(day) if param is not None else None
    return _exempt_by(rate, period.source if period is not None else rate.source)


def _exempt_by(rate: CombinedRate, source: str) -> CombinedRate:
    """``rate`` made exempt, by the rule ``source`` names."""
    levels = tuple(Level(lv.jurisdiction, lv.level, RateKind.exempt, ZERO, source, lv.name) for lv in rate.levels[:1])
    return CombinedRate(rate.jurisdiction, ZERO, ZERO, RateKind.exempt, source, rate.own, levels, True, rate.address)


def _clothing(ctx: Context, state: str, rate: CombinedRate, base: Decimal, quantity: Decimal) -> tuple[CombinedRate, Decimal]:
    """The rate and the exempt part of the base of a clothing line under the state's per-item limit."""
    book, day = ctx.book, ctx.day
    unit = base / quantity
    if ctx.order.prices_include_tax:
        unit = unit / (ONE + rate.rate_fraction)
    if state == "NY":
        param = _param(book, "clothing_exempt_below_ny")
        limit = param.limit(day) if param is not None else None
        if limit is None or unit >= limit.amount:
            return rate, ZERO
        parsed = parse_zip(ctx.order.ship_to.postal_code)
        table = local_table(book)
        locality = parsed and table.clothing_exempt_locality(state, parsed[0], day)
        span = parsed and table.clothing_span(state, parsed[0])
        if span:  # the ZIP5 lies in localities whose rules differ: the lowest rate, that of one exempting it
            names, span_source = span
            exempting = [x for x in (table.clothing_locality_named(state, n, day) for n in names) if x is not None]
            if exempting and len(exempting) < len(names):
                ctx.warn("zip_spans_jurisdictions", f"ZIP code {parsed[0]} lies in {' and '.join(names)}, whose taxes on clothing "
                         f"under {limit.amount} {limit.currency} differ: the lowest rate applies ({exempting[0].name} exempts it "
                         "from its local taxes too), as for a ZIP code that spans several rates.")
                locality = replace(exempting[0], source=f"{exempting[0].source}; {span_source}")
        if locality:  # a locality that exempts it too (and so from the MCTD tax): no tax at all
            return _exempt_by(rate, locality.source), ZERO
        # exempt from the state tax; the local taxes (and the MCTD surcharge) of other localities apply
        period = param.on(day)
        src = period.source if period is not None else rate.source
        levels = tuple(Level(lv.jurisdiction, lv.level, RateKind.exempt, ZERO, src, lv.name) if lv.level == "state" else lv
                       for lv in rate.levels)
        total = sum((lv.rate_percent for lv in levels), ZERO)
        if not total:
            return _exempt(rate, "clothing", param, day), ZERO
        percent = Decimal(fmt_percent(total))
        return CombinedRate(rate.jurisdiction, percent, percent / 100, RateKind.reduced, src, rate.own, levels, True, rate.address), ZERO
    name = {"MA": "clothing_exempt_first_ma", "RI": "clothing_exempt_first_ri"}.get(state)
    if name is None:
        return rate, ZERO
    param = _param(book, name)
    limit = param.limit(day) if param is not None else None
    if limit is None:
        return rate, ZERO
    if unit <= limit.amount:
        return _exempt(rate, "clothing", param, day), ZERO
    return _with(rate, source=f"{limit.source}; {rate.source}"), limit.amount * quantity


US_SALES_TAX = UsSalesTax()
