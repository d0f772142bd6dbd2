"""Tax for one order: ``compute_order``.

Steps: validate the amounts, establish where the order's goods and services are
taxed (:mod:`taxapi.orders.rules`, the destination's regime in :mod:`taxapi.regimes`), look up
the combined rate of each line's category in force on the tax date, apportion shipping over the
lines by value, then the line math (tax-exclusive: net fixed, tax added; tax-inclusive: gross
fixed, tax carved out, net derived — gross is never re-derived), rounded per line or per
document (one rounding per rate group, the difference spread deterministically: largest
remainder first, ties broken by line content, not position).

The answer is an :class:`~taxapi.orders.results.OrderResult` (``Decimal`` amounts, enum fields);
errors name fields relative to the request (``("lines", 0, "amount")``), the edge adds where the
request came from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import gcd
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from taxapi.categories import OPTIONAL_CATEGORIES, Category, RateKind
from taxapi.countries import ACCEPTED_COUNTRIES, country_problem
from taxapi.ecb import EcbRates
from taxapi.errors import (
    CategoryNotMapped, ExciseGoodsNotSupported, InvalidTaxId, TaxApiError, UnknownJurisdiction, ValidationFailed,
)
from taxapi.money import exponent, minor_units, supported_currencies
from taxapi.orders import notes as N
from taxapi.orders.results import (
    ApportionedShipping, BreakdownEntry, Conversion, LineResult, OrderResult, ShippingPart, Totals, Warning, Withholding,
)
from taxapi.orders.rules import Context, Treatment, decide_line, place_of
from taxapi.orders.schemas import CalculateRequest
from taxapi.rate_tables.combined import CombinedRate, Level, combined_rate
from taxapi.rate_tables.model import RateBook
from taxapi.regimes import rule_source
from taxapi.regimes.base import Collector, Info, Reason, Rule, SupplyKind, supply_kind
from taxapi.tax_ids import validate_tax_id

ZERO = Decimal(0)
ONE = Decimal(1)
MAX_QUANTITY_PLACES = 6
MAX_UNIT_PRICE_PLACES = 6

#: The taxability reason a rate kind implies, unless the treatment fixes one.
_REASON_BY_KIND = {
    RateKind.standard: Reason.standard_rated,
    RateKind.reduced: Reason.reduced_rated,
    RateKind.second_reduced: Reason.reduced_rated,
    RateKind.super_reduced: Reason.reduced_rated,
    RateKind.second_super_reduced: Reason.reduced_rated,
    RateKind.parking: Reason.reduced_rated,
    RateKind.zero: Reason.zero_rated,
    RateKind.exempt: Reason.product_exempt,
    RateKind.none: Reason.outside_scope,
}
#: Exempt or outside the scope: nobody collects anything.
_NOT_TAXED = frozenset({RateKind.exempt, RateKind.none})
_PERCENT_EXP = Decimal("0.0001")  # effective shipping rate: 4 places
_NO_REMAINDER = Decimal(-1)  # below every remainder
_KIND_BY_CATEGORY = {c: supply_kind(c) for c in Category}
# Enum members read once: a member looked up on its class costs ~0.2 us on CPython 3.11 (a plain
# constant 0.02), and the loops below would do it some twenty times per order.
_GOODS, _SERVICES, _ADMISSION = SupplyKind.goods, SupplyKind.services, SupplyKind.admission
_SELLER, _MARKETPLACE, _NOBODY = Collector.seller, Collector.marketplace, Collector.none
_REVERSE_CHARGE, _IMPORT = Info.reverse_charge, Info.import_
_SHIPPING_APPORTIONED = Rule.shipping_apportioned
#: A named tuple built without its Python-level __new__ (a keyword-free call through a generated lambda): the
#: records of an answer are built from every field, in order.
_new_tuple = tuple.__new__


@dataclass(slots=True)
class Item:
    """One taxable amount: a line, or a line's share of shipping."""

    index: int
    line_id: str | None
    category: Category
    base: Decimal  # price as given (net if exclusive, gross if inclusive), in minor units
    treatment: Treatment
    rate: CombinedRate
    raw_tax: Decimal = ZERO
    tax: Decimal = ZERO  # tax on this bill
    info_tax: Decimal = ZERO  # reverse-charged / due at import, not on this bill
    net: Decimal = ZERO
    gross: Decimal = ZERO
    withholdings: tuple[Withholding, ...] = ()  # what the marketplace withholds (the regime's withhold())
    #: The tax by level when the regime computed it itself (Brazil's import tax and ICMS); None: split by the rates.
    breakdown: tuple[BreakdownEntry, ...] | None = None


def _places(value: Decimal) -> int:
    """Number of fraction digits as written ("1.50" has 2)."""
    text = str(value)  # cheaper than as_tuple(); falls back for exponent notation ("1E-7")
    if "E" in text:
        exp = value.as_tuple().exponent
        return -exp if isinstance(exp, int) and exp < 0 else 0
    dot = text.find(".")
    return len(text) - dot - 1 if dot >= 0 else 0


def _validate(order: CalculateRequest, exp: Decimal, digits: int) -> list[Decimal]:
    """Each line's base amount in minor units, or a 422 naming every bad field.

    The common case (nothing wrong) is checked in one tight pass; anything unusual goes to
    :func:`_validate_reporting`, which applies the same tests and names every bad field.
    """
    seller = order.seller
    if not (seller.country in ACCEPTED_COUNTRIES and order.ship_to.country in ACCEPTED_COUNTRIES
            and order.ship_from.country in ACCEPTED_COUNTRIES
            and ACCEPTED_COUNTRIES.issuperset(seller.other_establishments)):
        return _validate_reporting(order, exp, digits)
    bases: list[Decimal] = []
    # ``x.same_quantum(exp)`` (written with exactly the currency's places) is the cheap usual case of
    # "no more places than allowed"; only other spellings are counted.
    for line in order.lines:
        q, price, amount, discount = line.quantity, line.unit_price, line.amount, line.discount
        if (line.excise_goods or q <= ZERO or (price is None) == (amount is None)
                or not q.same_quantum(ONE) and _places(q) > MAX_QUANTITY_PLACES):
            return _validate_reporting(order, exp, digits)
        if price is not None:
            if price < ZERO or not price.same_quantum(exp) and _places(price) > MAX_UNIT_PRICE_PLACES:
                return _validate_reporting(order, exp, digits)
            base = (price * q).quantize(exp, ROUND_HALF_UP)
        else:
            if amount < ZERO or not amount.same_quantum(exp) and _places(amount) > digits:  # type: ignore[union-attr,operator]
                return _validate_reporting(order, exp, digits)
            base = amount.quantize(exp)  # type: ignore[union-attr]
        if discount is not None:
            if discount < ZERO or not discount.same_quantum(exp) and _places(discount) > digits or discount > base:
                return _validate_reporting(order, exp, digits)
            base -= discount
        bases.append(base)
    if order.shipping is not None:
        s = order.shipping.amount
        if s < ZERO or not s.same_quantum(exp) and _places(s) > digits:
            return _validate_reporting(order, exp, digits)
    return bases


def _validate_reporting(order: CalculateRequest, exp: Decimal, digits: int) -> list[Decimal]:
    """:func:`_validate` for an order with something wrong: raises naming every bad field."""
    errors: list[dict[str, Any]] = []

    def bad(loc: list[str | int], msg: str) -> None:
        errors.append({"loc": loc, "msg": msg, "type": "value_error"})

    countries: list[tuple[list[str | int], str]] = [
        (["seller", "country"], order.seller.country),
        *((["seller", "other_establishments", i], c) for i, c in enumerate(order.seller.other_establishments)),
        (["ship_from", "country"], order.ship_from.country),
        (["ship_to", "country"], order.ship_to.country),
    ]
    for where, code in countries:
        problem = country_problem(code)
        if problem:
            bad(where, problem)
    bases: list[Decimal] = []
    for i, line in enumerate(order.lines):
        loc: list[str | int] = ["lines", i]
        if line.excise_goods:
            raise ExciseGoodsNotSupported(
                "Excise goods (alcohol, tobacco, energy products) follow their own rules and are not computed.",
                errors=[{"loc": [*loc, "excise_goods"], "msg": "excise goods are not supported"}],
            )
        q = line.quantity
        if q <= 0:
            bad([*loc, "quantity"], "must be greater than 0")
        elif _places(q) > MAX_QUANTITY_PLACES:
            bad([*loc, "quantity"], f"at most {MAX_QUANTITY_PLACES} decimal places")
        if (line.unit_price is None) == (line.amount is None):
            bad([*loc, "amount"], "give exactly one of unit_price and amount")
            bases.append(ZERO)
            continue
        if line.unit_price is not None:
            if line.unit_price < 0:
                bad([*loc, "unit_price"], "must not be negative (record refunds as negative ledger rows)")
            if _places(line.unit_price) > MAX_UNIT_PRICE_PLACES:
                bad([*loc, "unit_price"], f"at most {MAX_UNIT_PRICE_PLACES} decimal places")
            base = (line.unit_price * q).quantize(exp, ROUND_HALF_UP) if q > 0 else ZERO
        else:
            assert line.amount is not None
            if line.amount < 0:
                bad([*loc, "amount"], "must not be negative (record refunds as negative ledger rows)")
            if _places(line.amount) > digits:
                bad([*loc, "amount"], f"has more than {digits} decimal places for {order.currency}, which cannot be honoured")
            base = line.amount
        if line.discount is not None:
            if line.discount < 0:
                bad([*loc, "discount"], "must not be negative")
            elif _places(line.discount) > digits:
                bad([*loc, "discount"], f"has more than {digits} decimal places for {order.currency}, which cannot be honoured")
            elif line.discount > base:
                bad([*loc, "discount"], "is larger than the line amount")
            else:
                base -= line.discount
        bases.append(base.quantize(exp))
    if order.shipping is not None:
        s = order.shipping.amount
        if s < 0:
            bad(["shipping", "amount"], "must not be negative")
        elif _places(s) > digits:
            bad(["shipping", "amount"], f"has more than {digits} decimal places for {order.currency}, which cannot be honoured")
    if errors:
        raise ValidationFailed.listing(errors)
    return bases


def _place(book: RateBook, addr: Any, loc: str, goods: bool, day: Any, city: str | None = None):
    try:
        return place_of(book, addr.country, addr.region, addr.postal_code, goods=goods, day=day, loc=loc, city=city)
    except UnknownJurisdiction as exc:
        raise ValidationFailed.at([loc, "country"], exc.detail) from None


def _context(order: CalculateRequest, book: RateBook, fx: EcbRates, goods: bool) -> Context:
    seller = order.seller
    members = book.eu_members.on(order.date)
    eu = frozenset(filter(members.__contains__, [seller.country, *seller.other_establishments]))
    customer = order.customer
    b2b = False
    tax_country = None
    warnings: dict[str, str] = {}
    if customer.type == "business":
        if customer.tax_id:
            try:
                result = validate_tax_id(customer.tax_id)
            except TaxApiError:
                result = None
            if result is None or not result.valid:
                reason = result.reason if result is not None else "country prefix not recognised"
                raise InvalidTaxId(
                    f"customer.tax_id '{customer.tax_id}' is not a valid tax number: {reason}",
                    errors=[{"loc": ["customer", "tax_id"], "msg": f"invalid: {reason}"}],
                )
            b2b = True
            tax_country = "GR" if result.country == "EL" else result.country
            if customer.tax_id.strip().upper().startswith("XI"):
                tax_country = "XI"
        else:
            warnings["business_without_tax_id"] = (
                "A business customer without a tax id is treated as a consumer (CIR 282/2011 Art. 18(2))."
            )
    ctx = Context(
        order=order,
        book=book,
        fx=fx,
        day=order.date,
        dest=_place(book, order.ship_to, "ship_to", goods, order.date, order.ship_to.city),
        origin=_place(book, order.ship_from, "ship_from", goods, order.date),
        seller_country=seller.country,
        seller_eu_establishments=eu,
        b2b=b2b,
        customer_tax_country=tax_country,
        facilitated=order.marketplace is not None and order.marketplace.facilitates,
        registrations=frozenset(seller.registrations) if seller.registrations is not None else None,
    )
    ctx.warnings.update(warnings)
    if ctx.dest.needs_city is not None:
        ctx.warn("territory_depends_on_city", ctx.dest.needs_city.detail)
    return ctx


@lru_cache(maxsize=4096)
def _scaled(weights: tuple[Decimal, ...]) -> tuple[tuple[int, ...], int] | None:
    """``weights`` as integers of one scale, and their sum (None when that is not a positive whole number).

    Splitting whole minor units by integer weights is exact, so the shares are those the Decimal division
    gives: its 28 digits cannot move a quotient across a minor unit, nor reorder distinct remainders."""
    places = 0
    for w in weights:
        e = w.as_tuple().exponent
        if not isinstance(e, int) or w < 0:
            return None
        places = max(places, -e)
    ints = tuple(int(w.scaleb(places)) for w in weights)
    total = sum(ints)
    return (ints, total) if total > 0 else None


#: The digits of the Decimal division :func:`_allocate` falls back to (the default context's precision).
_DIVISION_DIGITS = 28


def _exact_remainders(largest: int, isum: int, rest: list[int]) -> bool:
    """Whether the Decimal division of :func:`_allocate` computes every share exactly, remainders included: each
    remainder over ``isum`` is a decimal of the digits the 28 of the division leave (``largest``, the largest product
    of the total and a weight, bounds the product and the quotient). Equal remainders are then equal there too, and
    ranked by content; otherwise the division's rounding ranks them, and only it can say how."""
    k = _DIVISION_DIGITS - len(str(largest))
    return k >= 0 and not pow(10, k, isum // gcd(isum, *rest))  # 10**k % ..., without building 10**k


def _split_units(units: int, ints: tuple[int, ...], isum: int, floors: list[list[int]] | None = None) -> list[int] | None:
    """``units`` whole minor units split by the integer weights ``ints`` (summing to ``isum``): floor, then the
    remaining units to the largest remainders; None when equal remainders compete (:func:`_allocate` ranks
    those by content: it passes ``floors``, which then receives the floors and the remainders, so that it need
    not compute them again)."""
    shares: list[int] = []
    rest: list[int] = []
    for w in ints:  # one product and one divmod per weight, in a plain loop (no comprehension frames)
        share, remainder = divmod(units * w, isum)
        shares.append(share)
        rest.append(remainder)
    left = units - sum(shares)
    if not left:
        return shares
    n = len(ints)
    if len(set(rest)) != n:
        if floors is not None:
            floors += (shares, rest)
        return None
    if left == 1:  # the usual case: one unit left, to the largest remainder
        shares[rest.index(max(rest))] += 1
        return shares
    # ``left`` < n units, one to each of the ``left`` largest remainders (all distinct): those at least the
    # left-th largest.
    cut = sorted(rest, reverse=True)[left - 1]
    for i, remainder in enumerate(rest):
        if remainder >= cut:
            shares[i] += 1
    return shares


class LevelSplit(NamedTuple):
    """The levels of a combined rate laid out once for the many orders that use it (a US tax area): the integer
    weights that split a line's tax over them (:func:`_scaled`), and each level's breakdown fields but the amount."""

    ints: tuple[int, ...]
    isum: int
    heads: tuple[tuple[str, str, Decimal, str], ...]  # jurisdiction, level, rate_percent, name


def level_split(levels: Sequence[Level], heads: Sequence[tuple[str, str, Decimal, str]] | None = None) -> LevelSplit | None:
    """The :class:`LevelSplit` of ``levels`` (``heads``: their breakdown fields, where the caller shares them between
    rates); None for one level, or weights that do not split in whole units."""
    scaled = _scaled(tuple([lv.rate_percent for lv in levels])) if len(levels) > 1 else None
    if scaled is None:
        return None
    if heads is None:
        heads = [(lv.jurisdiction, lv.level, lv.rate_percent, lv.name) for lv in levels]
    return LevelSplit(scaled[0], scaled[1], tuple(heads))


def _allocate(total: Decimal, weights: list[Decimal], exp: Decimal,
              keys: Callable[[], list[tuple[Any, ...]]]) -> list[Decimal]:
    """Split ``total`` (in minor units) by ``weights``: floor, then the remaining units to the largest remainders.

    ``keys()`` gives each share's tie-break key; it is only called when equal remainders compete.
    """
    n = len(weights)
    if n == 0:
        return []
    scaled = _scaled(tuple(weights))
    if scaled is not None:  # in whole minor units and integer weights: exact, and a few times cheaper
        ints, isum = scaled
        units = int(total / exp)
        floors_rest: list[list[int]] = []
        shares = _split_units(units, ints, isum, floors_rest)
        if shares is not None:
            return [q * exp for q in shares]
        shares, rest = floors_rest  # equal remainders compete
        if n == 2:
            # Two shares tie only as halves: their remainders add up to ``isum`` times the units left (fewer than
            # two), so one unit is left and each remainder is isum / 2. _exact_remainders then reduces to the product
            # leaving the division a digit to spare (isum // gcd(isum, *rest) is 2), and the ranking below to its
            # first pair: the second share takes the unit only with the smaller key.
            a, b = ints
            if len(str(units * (a if a > b else b))) < _DIVISION_DIGITS:
                tie = keys()
                shares[1 if tie[1] < tie[0] else 0] += 1
                return [shares[0] * exp, shares[1] * exp]
        elif _exact_remainders(units * max(ints), isum, rest):  # as the division below finds them: ranked by content
            tie = keys()
            ranked = []
            for j in range(n):  # the index last: a stable sort's order among equal keys, without a key function
                ranked.append((-rest[j], tie[j], j))
            ranked.sort()
            for k in range(units - sum(shares)):
                shares[ranked[k % n][2]] += 1
            return [q * exp for q in shares]
    wsum = sum(weights, ZERO)
    if wsum == 0:
        return [total] + [ZERO] * (n - 1)
    floors: list[Decimal] = []
    rems: list[Decimal] = []
    for w in weights:  # a plain loop: cheaper than comprehensions for the usual two or three shares
        raw = total * w / wsum
        floor = raw.quantize(exp, ROUND_FLOOR)
        floors.append(floor)
        rems.append(raw - floor)
    left = int((total - sum(floors, ZERO)) / exp)  # exact: total and the floors are whole minor units
    if left:
        order = sorted(range(n), key=rems.__getitem__, reverse=True)  # largest remainder first
        previous = _NO_REMAINDER  # a Decimal: comparing one with None asks numbers.Rational (an ABC check, ~1 us)
        for i in order:
            if rems[i] == previous:  # equal remainders: ranked by content instead
                tie = keys()
                order = sorted(range(n), key=lambda j: (-rems[j], tie[j]))
                break
            previous = rems[i]
        for k in range(left):
            floors[order[k % n]] += exp
    return floors


def compute_order(*, order: CalculateRequest, book: RateBook, fx: EcbRates) -> OrderResult:
    currency = order.currency
    if currency not in supported_currencies():
        raise ValidationFailed.at(["currency"], f"'{currency}' is not a supported ISO 4217 currency")
    digits = minor_units(currency)
    exp = exponent(digits)
    bases = _validate(order, exp, digits)
    inclusive = order.prices_include_tax
    day = order.date
    lines = order.lines

    kinds = [_KIND_BY_CATEGORY[line.category] for line in lines]
    ctx = _context(order, book, fx, goods=_GOODS in kinds)
    shipping_amount = order.shipping.amount.quantize(exp) if order.shipping is not None else ZERO

    # Values the rules need: goods value net of VAT (estimated at the destination rate for inclusive prices).
    dest_j = ctx.dest.jurisdiction
    dest_rate = inclusive and dest_j is not None and day >= dest_j.starts_on
    goods_value = distance_value = ZERO
    for i, (line, base, kind) in enumerate(zip(lines, bases, kinds)):
        if line.category in OPTIONAL_CATEGORIES and dest_j is not None and not dest_j.maps(line.category):
            raise CategoryNotMapped.at(["lines", i, "category"], dest_j.id, line.category.value)
        if kind is _GOODS:
            goods_value += base / (ONE + dest_j.lookup(line.category, day).rate_fraction) if dest_rate else base  # type: ignore[union-attr]
        if kind is not _SERVICES and kind is not _ADMISSION:
            distance_value += base
    ctx.goods_value = goods_value
    ctx.shipping_value = shipping_amount
    ctx.distance_value = distance_value + shipping_amount

    # Treatments and rates per line.
    order_level: dict[SupplyKind, Treatment] = {}
    items: list[Item] = []
    item_values = ctx.dest.regime.per_item_goods
    for i, (line, base, kind) in enumerate(zip(lines, bases, kinds)):
        unit_value = base
        if item_values:
            unit_value = base / line.quantity
            if dest_rate:
                unit_value = unit_value / (ONE + dest_j.lookup(line.category, day).rate_fraction)  # type: ignore[union-attr]
        treatment = decide_line(ctx, kind, line.category, unit_value, order_level)
        try:
            rate = combined_rate(book, treatment.jurisdiction, line.category, day)
        except CategoryNotMapped as exc:
            raise CategoryNotMapped.at(["lines", i, "category"], exc.fields["jurisdiction"], line.category.value) from None
        items.append(Item(i, line.id, line.category, base, treatment, rate))

    ship_items = _shipping_items(items, shipping_amount, exp) if order.shipping is not None else []
    all_items = items + ship_items if ship_items else items
    zq = ZERO.quantize(exp)
    per_line = order.rounding == "per_line"
    own = ctx.dest.regime.own_tax_rules
    for it in all_items:
        r = it.rate.rate_fraction
        t = it.treatment
        if own and t.rule in own:  # the regime's finish computes it
            it.tax = zq
        elif r and t.on_bill:
            raw = it.base * r / (ONE + r) if inclusive else it.base * r
            it.raw_tax = raw
            it.tax = raw.quantize(exp, ROUND_HALF_UP) if per_line else zq
        else:
            it.tax = zq
            if r and t.info and not t.exempt_import:
                it.info_tax = (it.base * r).quantize(exp, ROUND_HALF_UP)
    ctx.dest.regime.finish(ctx, all_items)
    if not per_line:
        _round_per_document(all_items, exp, zq)

    base_total = tax_total = by_seller = by_marketplace = reverse = at_import = zq
    for it in all_items:
        tax = it.tax
        base = it.base
        if inclusive:
            it.gross = base
            it.net = base - tax
        else:
            it.net = base
            it.gross = base + tax
        base_total += base
        tax_total += tax
        t = it.treatment
        if t.collected_by is _SELLER:
            by_seller += tax
        elif t.collected_by is _MARKETPLACE:
            by_marketplace += tax
        if t.info is _REVERSE_CHARGE:
            reverse += it.info_tax
        elif t.info is _IMPORT:
            at_import += it.info_tax
    withheld = zq
    regime = ctx.dest.regime
    if regime.withholds and ctx.facilitated:  # only a marketplace withholds from the seller's payout
        withheld = regime.withhold(ctx, all_items, exp)  # the sum of the items' withholdings
    if inclusive:  # every item's net + tax = gross, so the totals are too
        gross_total, net_total = base_total, base_total - tax_total
    else:
        net_total, gross_total = base_total, base_total + tax_total
    proceeds = gross_total - by_marketplace - withheld
    totals = _new_tuple(Totals, (net_total, tax_total, gross_total, by_seller, by_marketplace, reverse, at_import, withheld,
                                 proceeds, proceeds - by_seller))
    dest_country = ctx.dest.country
    return _new_tuple(OrderResult, (
        book.version, day, currency, inclusive, order.rounding,
        tuple([_line_result(it, it.line_id, it.category, zq, exp, dest_country) for it in items]),
        _shipping_result(ship_items, zq, exp, dest_country) if ship_items else None,
        totals,
        N.invoice_notes(ctx, [it.treatment for it in items]),
        tuple([_new_tuple(Warning, kv) for kv in ctx.warnings.items()]) if ctx.warnings else (),
        tuple([Conversion(**c) for c in ctx.conversions.values()]) if ctx.conversions else (),
    ))


def _shipping_items(items: list[Item], amount: Decimal, exp: Decimal) -> list[Item]:
    """Shipping follows the goods: apportioned by value over the lines' treatments and rates.

    One share per group of lines with the same treatment and rate; each share is carried by the
    group's representative line (see :func:`_representative`).
    """
    groups: dict[tuple[Any, ...], list[Any]] = {}  # key -> [representative, weight]
    for it in items:
        rate = it.rate
        group = groups.setdefault((it.treatment, rate.rate_percent, rate.rate_kind), [it, ZERO])  # one hash per line
        group[1] += it.base
        if group[0] is not it and _representative(it) < _representative(group[0]):
            group[0] = it
    parts = list(groups.values())
    if len(parts) == 1:
        shares = [amount]
    else:
        shares = _allocate(amount, [w for _, w in parts], exp,
                           lambda: [(str(it.rate.rate_percent), it.treatment.rule, it.rate.rate_kind) for it, _ in parts])
    return [Item(-1, it.line_id, it.category, share, it.treatment, it.rate) for (it, _), share in zip(parts, shares)]


def _representative(it: Item) -> tuple[Any, ...]:
    return (it.line_id or "", it.base, it.index)


def _round_per_document(items: list[Item], exp: Decimal, zq: Decimal) -> None:
    """One rounding per rate group, the difference spread by largest remainder (ties by line content)."""
    groups: dict[tuple[Any, ...], list[Item]] = {}
    for it in items:
        it.tax = zq
        if it.treatment.on_bill:
            groups.setdefault((it.treatment, it.rate.rate_percent), []).append(it)
    for group in groups.values():
        total = sum((it.raw_tax for it in group), ZERO).quantize(exp, ROUND_HALF_UP)
        for it in group:
            it.tax = it.raw_tax.quantize(exp, ROUND_FLOOR)
        left = int(((total - sum((it.tax for it in group), ZERO)) / exp).to_integral_value())
        ranked = sorted(group, key=lambda it: (-(it.raw_tax - it.tax), -it.base, it.line_id or "", it.category.value, it.index))
        for k in range(left):
            ranked[k % len(ranked)].tax += exp


def _breakdown(rate: CombinedRate, tax: Decimal, exp: Decimal) -> tuple[BreakdownEntry, ...]:
    """The tax of a multi-level rate (Canadian GST + PST, US state) split over its levels."""
    split = rate.split
    if split is not None and tax:  # laid out when the rate was built: only the amounts are left to fill
        shares = _split_units(int(tax / exp), split.ints, split.isum)
        if shares is not None:
            entries = []
            for (jid, level, pct, name), q in zip(split.heads, shares):  # a loop: cheaper than a comprehension here
                entries.append(_new_tuple(BreakdownEntry, (jid, level, pct, q * exp, name)))
            return tuple(entries)
    if len(rate.levels) == 1:  # one level (a US state alone, India's IGST): it carries the whole tax
        lv = rate.levels[0]
        return (_new_tuple(BreakdownEntry, (lv.jurisdiction, lv.level, lv.rate_percent, tax, lv.name)),)
    pcts = [lv.rate_percent for lv in rate.levels]
    split = _allocate(tax, pcts, exp, lambda: [(lv.jurisdiction,) for lv in rate.levels]) if tax else [ZERO] * len(pcts)
    return tuple([_new_tuple(BreakdownEntry, (lv.jurisdiction, lv.level, lv.rate_percent, t, lv.name))
                  for lv, t in zip(rate.levels, split)])


def _line_result(it: Item, line_id: str | None, category: str, zq: Decimal, exp: Decimal, dest_country: str) -> LineResult:
    t, rate = it.treatment, it.rate
    info = t.info
    info_tax = it.info_tax if info is not None and it.info_tax else zq
    kind = rate.rate_kind
    return _new_tuple(LineResult, (
        line_id, category, it.net, it.tax if it.tax else zq, it.gross, rate.rate_percent, kind,
        rate.jurisdiction or (t.jurisdiction.id if t.jurisdiction else dest_country),
        t.reason or _REASON_BY_KIND[kind],
        _NOBODY if t.on_bill and kind in _NOT_TAXED else t.collected_by,
        t.scheme, t.rule, rate.source or rule_source(t.rule),
        it.breakdown if it.breakdown is not None else _breakdown(rate, it.tax if t.on_bill else it.info_tax, exp) if rate.itemised else (),
        info_tax if info is _REVERSE_CHARGE else zq,
        info_tax if info is _IMPORT else zq,
        it.withholdings,
        rate.address,
    ))


def _shipping_result(ship_items: list[Item], zq: Decimal, exp: Decimal, dest_country: str) -> LineResult | ApportionedShipping:
    if len(ship_items) == 1:
        return _line_result(ship_items[0], None, "shipping", zq, exp, dest_country)
    net = tax = gross = reverse = at_import = zq
    main = ship_items[0]  # the largest share (then the higher rate) lends its fields
    parts = []
    for part in ship_items:
        net += part.net
        tax += part.tax
        gross += part.gross
        t, rate = part.treatment, part.rate
        if t.info is _REVERSE_CHARGE:
            reverse += part.info_tax
        elif t.info is _IMPORT:
            at_import += part.info_tax
        if part.base > main.base or (part.base == main.base and rate.rate_percent > main.rate.rate_percent):
            main = part
        parts.append(_new_tuple(ShippingPart, (
            part.line_id, part.net, part.tax, rate.rate_percent, rate.rate_kind,
            rate.jurisdiction or (t.jurisdiction.id if t.jurisdiction else dest_country),
            _NOBODY if t.on_bill and rate.rate_kind in _NOT_TAXED else t.collected_by, t.scheme, t.rule,
        )))
    eff = Decimal(_percent_text((tax / net * 100).quantize(_PERCENT_EXP, ROUND_HALF_UP))) if net and tax else ZERO
    lead = parts[ship_items.index(main)]
    t, rate = main.treatment, main.rate
    return _new_tuple(ApportionedShipping, (
        None, "shipping", net, tax, gross, eff, rate.rate_kind, lead.jurisdiction, t.reason or _REASON_BY_KIND[rate.rate_kind],
        lead.collected_by, t.scheme, _SHIPPING_APPORTIONED, rate.source or rule_source(t.rule), (), reverse, at_import,
        ship_items[0].withholdings,  # the regime's withhold() sums them over the shares on the first
        rate.address, tuple(parts),
    ))


def _percent_text(rate: Decimal) -> str:
    """A rate with four places as :func:`~taxapi.money.fmt_percent` writes it (15.7895, 15.5, 15)."""
    text = str(rate)  # plain notation: four places, at most 100
    return text.rstrip("0").rstrip(".") if "." in text else text
