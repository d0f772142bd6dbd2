"""Indian GST (Goods and Services Tax, वस्तु एवं सेवा कर).

Central GST Act 2017, the States' GST Acts, the Union Territory GST Act 2017 and the Integrated GST
Act 2017: the rate tables hold the full GST rate. A supply whose supplier and place of supply are in
one state or union territory is intra-state and bears CGST and SGST (UTGST in a union territory
without legislature) at half the rate each; any other supply, and every import, bears IGST at the
whole rate (IGST Act s.7, s.8). Each line's ``breakdown`` names the taxes: ``cgst`` + ``sgst`` /
``utgst``, or ``igst``. Each half is computed on the line's value and rounded by itself (they are two
taxes), so a line's tax is twice the CGST.

Goods: the supplier is where they start (``ship_from.region``) and the place of supply where they
are delivered (``ship_to.region``, IGST Act s.10(1)(a)); both are needed and an unknown code is a
problem naming the field. Services sold by a seller in India: the supplier is ``seller.region`` and
the place of supply the customer's ``ship_to.region``, or the supplier's own state when no address of
the customer is given (IGST Act s.12(2)). The states and union territories, with their ISO 3166-2:IN
codes, the former codes an address may still carry and the GST state codes, are dated data in
``rates/parameters/IN.json`` (``subdivisions``).

Non-resident providers of online information and database access or retrieval services (OIDAR)
register and charge IGST, with no threshold (IGST Act s.14). There is no low-value import relief:
customs collects IGST at import.

An e-commerce operator that collects the consideration collects tax at source (TCS, CGST Act s.52)
on the net value of the taxable supplies made through it: 1 %, 0.5 % from 2024-07-10; half CGST and
half SGST/UTGST on an intra-state supply, IGST otherwise.

The dated limits, start dates and withholding rates are in ``rates/parameters/IN.json``.

More information:

* https://cbic-gst.gov.in/
* https://www.gst.gov.in/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("in_gst").code
'IN'
>>> from taxapi.rate_tables.loader import get_rate_book
>>> from datetime import date
>>> states = get_rate_book().parameters["IN"]
>>> states.subdivision("MH", date(2026, 3, 2)).name, states.subdivision("27", date(2026, 3, 2)).code
('Maharashtra', 'MH')
>>> states.subdivision("LA", date(2019, 10, 30)) is None  # Ladakh was part of Jammu and Kashmir
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from taxapi.errors import ValidationFailed
from taxapi.money import fmt_percent
from taxapi.rate_tables.combined import CombinedRate, Level
from taxapi.rate_tables.model import Jurisdiction, RateBook
from taxapi.rate_tables.parameters import Subdivision
from taxapi.regimes.base import Collector, Context, SupplyKind, Treatment, Withholding
from taxapi.regimes.market import _HALF_UP, _NET, _SUPPLY, MarketRegime, market_rules

Rule = market_rules("in", domestic_intra_state="domestic.intra_state", domestic_inter_state="domestic.inter_state")

_ZERO = Decimal(0)
_TWO = Decimal(2)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_new_tuple = tuple.__new__  # a named tuple without its Python-level __new__
_MARKETPLACE = Collector.marketplace
# Read once: an enum member looked up on its class costs ~0.2 us.
_INTRA_STATE, _INTER_STATE = Rule.domestic_intra_state, Rule.domestic_inter_state
#: The rules of services whose supplier, when it is in India, supplies from a state (the state test decides the taxes).
_DOMESTIC_SERVICES = frozenset({Rule.services_domestic, Rule.services_b2b_domestic, Rule.tbe_seller})


class InGst(MarketRegime):
    code: ClassVar[str] = "IN"
    table_regimes: ClassVar[tuple[str, ...]] = ("in_gst",)
    parameters: ClassVar[tuple[str, ...]] = ()
    rule_sources: ClassVar[dict[str, str]] = {"in": "https://cbic-gst.gov.in/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    withholds: ClassVar[bool] = True
    always_breakdown: ClassVar[bool] = True  # every line names its tax: IGST, or CGST + SGST/UTGST
    own_tax_rules: ClassVar[frozenset[StrEnum]] = frozenset({_INTRA_STATE})  # CGST + SGST/UTGST: :meth:`finish`

    def levels(self, book: RateBook, j: Jurisdiction) -> Sequence[tuple[Jurisdiction, str]]:
        """The whole rate is IGST; an intra-state supply splits it into CGST + SGST/UTGST (:meth:`finish`)."""
        return [(j, "igst")]

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is not self:
            return super().goods(ctx)  # imports: IGST at the border
        order = ctx.order
        start, end = order.ship_from.region, order.ship_to.region
        supplier = self._subdivision(ctx, start) if start else None
        place = self._subdivision(ctx, end) if end else None
        if supplier is None or place is None:  # a problem naming every missing or unknown one
            self._states(ctx, (["ship_from", "region"], start, "where the goods start"),
                         (["ship_to", "region"], end, "where they are delivered"))
        return self.domestic_sale(ctx, rule=_INTRA_STATE if supplier is place else _INTER_STATE)

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        treatment = super().services(ctx, kind)
        if treatment.rule in _DOMESTIC_SERVICES and ctx.seller_country == self.code:
            self.intra_state_services(ctx)  # a missing or unknown state is a problem here, before any arithmetic
        return treatment

    def intra_state_services(self, ctx: Context) -> Subdivision | None:
        """The state of a service supplied by a seller in India when it is intra-state (None: IGST)."""
        order = ctx.order
        if order.ship_to.region:
            supplier, place = self._states(ctx, (["seller", "region"], order.seller.region, "where the seller supplies from"),
                                           (["ship_to", "region"], order.ship_to.region, "where the customer is"))
        else:  # IGST Act s.12(2)(b): no address of the customer on record, the supplier's location
            supplier = place = self._states(ctx, (["seller", "region"], order.seller.region, "where the seller supplies from"))[0]
        return supplier if supplier is place else None

    def _states(self, ctx: Context, *wanted: tuple[list[str | int], str | None, str]) -> list[Subdivision]:
        """The state or union territory of each (location, region code, what it is) on the order date; a problem
        naming every missing or unknown one."""
        found: list[Subdivision] = []
        errors: list[dict[str, Any]] = []
        for loc, code, what in wanted:
            if not code:
                errors.append({"loc": loc, "type": "value_error",
                               "msg": f"the state or union territory {what} is required in India (ISO 3166-2:IN code such as "
                                      "MH, KA or DL): it decides CGST + SGST or IGST"})
                continue
            sub = self._subdivision(ctx, code)
            if sub is None:
                errors.append({"loc": loc, "type": "value_error",
                               "msg": f"'{code}' is not a state or union territory of India on {ctx.day.isoformat()} "
                                      "(ISO 3166-2:IN codes such as MH, KA or DL, or the GST state code)"})
                continue
            found.append(sub)
        if errors:
            raise ValidationFailed.listing(errors)
        return found

    def _subdivision(self, ctx: Context, code: str) -> Subdivision | None:
        """The state or union territory region ``code`` names on the order date (None: none), kept in the rate book
        per code and day."""
        key = (code, ctx.day)
        cache = ctx.book.memo.get("in_subdivision") or ctx.book.cache("in_subdivision")
        try:
            return cache[key]  # type: ignore[return-value]
        except KeyError:
            found = ctx.book.parameters[self.code].subdivision(code, ctx.day)
            if len(cache) < 10_000:
                cache[key] = found
            return found

    def _intra_state(self, ctx: Context, rule: Any) -> Subdivision | None:
        if rule is _INTRA_STATE:
            return self._subdivision(ctx, ctx.order.ship_to.region or "")
        if rule in _DOMESTIC_SERVICES and ctx.seller_country == self.code:
            return self.intra_state_services(ctx)
        return None

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        """Intra-state items: CGST and SGST/UTGST at half the rate each, each rounded on the item's value.

        What the items of one rule and category share is found once per order (the state of the rule, the split rate
        with its records' fields, :func:`_split`); per item only the half and its two breakdown records are made, at
        the minor unit of the item's tax as the engine left it. An apportioned share of the shipping shows no
        breakdown of its own, so only a shipping in one share gets one."""
        per_line = ctx.order.rounding == "per_line"
        inclusive = ctx.order.prices_include_tax
        book, day = ctx.book, ctx.day
        quantize = _HALF_UP.quantize
        by_rule: dict[Any, Any] = {}
        shipping: list[Any] = []  # the shipping's taxed shares and their half (a breakdown where it is in one share)
        for it in items:
            rule = it.treatment.rule
            found = by_rule.get(rule)
            if found is None:
                found = by_rule[rule] = (self._intra_state(ctx, rule), {})
            sub, plans = found
            if sub is None:
                continue
            category = it.category
            plan = plans.get(category)
            if plan is None:
                plan = plans[category] = _split(book, it.rate, sub, (category, day))
            rate, half, heads, untaxed = plan
            it.rate = rate
            if not half:  # no tax: each half is nothing
                it.breakdown = untaxed
                continue
            if not it.treatment.on_bill:
                continue
            raw_half = it.base * half / (_ONE + rate.rate_fraction) if inclusive else it.base * half
            if not per_line:  # per document, the document's rounding of the raw tax decides, then it is split by rate
                it.raw_tax = raw_half + raw_half
            else:
                each = quantize(raw_half, it.tax)  # the engine's tax: nothing, at the minor unit
                it.tax = each + each
                if it.index < 0:
                    shipping.append((it, heads, each))
                else:
                    it.breakdown = _halves(heads, each)
        if len(shipping) == 1:  # the shipping is in one share, or the other shares are untaxed (shown by none)
            it, heads, each = shipping[0]
            it.breakdown = _halves(heads, each)

    def withhold(self, ctx: Context, items: Sequence[Any], exp: Decimal) -> Decimal:
        """TCS on each item's net value, in the records :meth:`MarketRegime.withhold` lays out (the parameters whose
        conditions the seller's facts meet, split by :meth:`withholding_layout`), kept in the book per day, facts,
        supply and state; per item only the base and the amount are found.

        The shipping's shares are each withheld on their own value and rounded by themselves, as the market's step
        does; the answer shows their sum per tax, written on the shipping's first share (the other shares carry none), as
        the protocol asks; the sum of every amount is returned. What India's parameters do
        not have is left to the market's step: a condition on a fact the order does not give (the step warns of it),
        or a base that is a fraction of the item's amount."""
        facts = self.withholding_facts(ctx)
        cache = ctx.book.memo.get("in_withholdings") or ctx.book.cache("in_withholdings")
        total = exp * 0  # what is withheld, returned to the engine
        quantize = _HALF_UP.quantize
        plans: dict[Any, Any] = {}
        shipping: dict[Any, list[Any]] = {}  # per record layout of the shipping's shares: [records, base, amount]
        first = None
        for it in items:
            levels = it.rate.levels
            state = levels[1].jurisdiction if len(levels) == 2 else None  # withholding_variant
            supply = _SUPPLY[it.category]
            plan = plans.get((supply, state))
            if plan is None:
                key = (*facts, supply, state)
                plan = cache.get(key)
                if plan is None:
                    _, unknown, found = self._candidates(ctx.book, key[:-1])
                    layout = self.withholding_layout(found, state, it)
                    plan = False if unknown or any(entry[1] is not None for entry in layout) else tuple(
                        (get_base, of_hundred, records) for get_base, _, of_hundred, records in layout)
                    if len(cache) < 10_000:
                        cache[key] = plan
                if plan is False:
                    return super().withhold(ctx, items, exp)
                plans[(supply, state)] = plan
            share = it.index < 0
            if share and first is None:
                first = it
            held: tuple[Withholding, ...] = ()
            for get_base, of_hundred, records in plan:
                base = it.net if get_base is _NET else get_base(it)  # TCS is on the net value: no getter call
                if not base:
                    continue
                amount = quantize(base * of_hundred, exp)
                if share:  # summed over the shares
                    sums = shipping.get(records)
                    if sums is None:
                        shipping[records] = [records, base, amount]
                    else:
                        sums[1] += base
                        sums[2] += amount
                    continue
                for tax, jurisdiction, rate, rule, source in records:
                    held += (_new_tuple(Withholding, (tax, _MARKETPLACE, jurisdiction, rate, base, amount, rule, source)),)
                    total += amount
            if held:
                it.withholdings = held
        if shipping:
            first.withholdings = tuple([_new_tuple(Withholding, (tax, _MARKETPLACE, jurisdiction, rate, base, amount, rule, source))
                                        for records, base, amount in shipping.values()
                                        for tax, jurisdiction, rate, rule, source in records])
            for w in first.withholdings:
                total += w[5]  # the amount
        return total

    def withholding_variant(self, item: Any) -> Any:
        """An intra-state item (two levels: CGST and the state's) has its TCS split too: its state's level."""
        levels = item.rate.levels
        return levels[1].jurisdiction if len(levels) == 2 else None

    def withholding_layout(self, layout: tuple[Any, ...], variant: Any, item: Any) -> tuple[Any, ...]:
        """TCS at the operator's rate: IGST, or on an intra-state supply half CGST and half SGST/UTGST, each rounded."""
        state = item.rate.levels[1] if variant is not None else None
        out = []
        for get_base, fraction, of_hundred, records in layout:
            if records[0][0] != "tcs":
                out.append((get_base, fraction, of_hundred, records))
                continue
            ((tax, jurisdiction, rate, rule, source),) = records
            if state is None:
                out.append((get_base, fraction, of_hundred, ((tax, jurisdiction, rate, rule + ".igst", source),)))
            else:  # half each, on the same base: one amount for both
                half = Decimal(fmt_percent(rate / _TWO))
                out.append((get_base, fraction, half / _HUNDRED, ((tax, jurisdiction, half, rule + ".cgst", source),
                                                                   (tax, state.jurisdiction, half, f"{rule}.{state.level}", source))))
        return tuple(out)


def _halves(heads: tuple[Any, ...], each: Decimal) -> tuple[Any, ...]:
    """The breakdown of an intra-state item whose halves are ``each``: CGST and SGST/UTGST (``heads``, from
    :func:`_split`)."""
    entry, j1, level1, percent1, name1, j2, level2, percent2, name2 = heads
    return (_new_tuple(entry, (j1, level1, percent1, each, name1)), _new_tuple(entry, (j2, level2, percent2, each, name2)))


def _split(book: RateBook, rate: CombinedRate, sub: Subdivision, of: tuple[Any, ...]) -> tuple[Any, ...]:
    """``rate`` (the whole GST, one ``igst`` level) as CGST + SGST/UTGST of ``sub`` at half each, with what an item's
    halves are made of: the half rate as a fraction, the breakdown record and each level's fields but the amount
    (jurisdiction, level, rate, name: see :func:`_halves`), and the breakdown of an untaxed item. Cached in the book
    by what the combined rate is of (``of``: category and day, as :func:`~taxapi.rate_tables.combined.combined_rate`
    keys it)."""
    cache = book.memo.get("in_split_rate") or book.cache("in_split_rate")
    key = (rate.jurisdiction, *of, sub.code)
    hit = cache.get(key)
    if hit is None:
        from taxapi.orders.results import BreakdownEntry  # the results read the regimes' vocabulary: imported late

        whole = rate.levels[0]
        half = Decimal(fmt_percent(whole.rate_percent / _TWO))
        split = replace(rate, levels=(
            Level(whole.jurisdiction, "cgst", whole.rate_kind, half, whole.source, whole.name),
            Level(f"IN-{sub.code}", sub.tax, whole.rate_kind, half, f"{whole.source}; {sub.source}", sub.name),
        ), itemised=True)
        heads = tuple((lv.jurisdiction, lv.level, lv.rate_percent, lv.name) for lv in split.levels)
        hit = (split, split.rate_fraction / _TWO, (BreakdownEntry, *heads[0], *heads[1]),
               tuple(BreakdownEntry(j, level, percent, _ZERO, name) for j, level, percent, name in heads))
        if len(cache) < 10_000:
            cache[key] = hit
    return hit  # type: ignore[return-value]


IN_GST = InGst()
