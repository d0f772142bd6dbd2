"""Tax for one order: ``compute_order``.

Steps: validate the amounts, establish where the order's goods and services are
taxed (:mod:`taxapi.orders.rules`), look up the rate of each line's category in
force on the tax date, apportion shipping over the lines by value, then the line
math (tax-exclusive: net fixed, tax added; tax-inclusive: gross fixed, tax
carved out, net derived — gross is never re-derived), rounded per line or per
document (one rounding per rate group, the difference spread deterministically:
largest remainder first, ties broken by line content, not position).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from operator import attrgetter, itemgetter
from typing import Any

from taxapi.categories import Category, RateKind
from taxapi.countries import ACCEPTED_COUNTRIES, country_problem
from taxapi.ecb import EcbRates
from taxapi.errors import ExciseGoodsNotSupported, InvalidTaxId, TaxApiError, UnknownJurisdiction, ValidationFailed
from taxapi.money import exponent, fmt_percent, minor_units, supported_currencies
from taxapi.orders import notes as N
from taxapi.orders import parameters as P
from taxapi.orders.rules import GOODS, ITEM_VALUE_AREAS, SERVICES, Context, Treatment, decide_line, place_of, supply_kind
from taxapi.orders.schemas import CalculateRequest
from taxapi.rate_tables.model import Jurisdiction, RateBook, keep_alive
from taxapi.reference.service import levels
from taxapi.tax_ids import validate_tax_id

ZERO = Decimal(0)
ONE = Decimal(1)
MAX_QUANTITY_PLACES = 6
MAX_UNIT_PRICE_PLACES = 6

_REASON_BY_KIND = {
    RateKind.standard: "standard_rated",
    RateKind.reduced: "reduced_rated",
    RateKind.second_reduced: "reduced_rated",
    RateKind.super_reduced: "reduced_rated",
    RateKind.parking: "reduced_rated",
    RateKind.zero: "zero_rated",
    RateKind.exempt: "product_exempt",
    RateKind.none: "outside_scope",
}
_PERCENT_EXP = Decimal("0.0001")  # effective shipping rate: 4 places
#: Wire text of the enums (a dict lookup is cheaper than ``Enum.value``).
_TEXT: dict[Any, str] = {m: m.value for enum in (Category, RateKind) for m in enum}
_KIND_BY_CATEGORY = {c: supply_kind(c) for c in Category}


@dataclass(slots=True)
class Rate:
    """The combined rate of a treatment for a category, with its levels."""

    percent: Decimal
    fraction: Decimal
    kind: RateKind
    jurisdiction: str
    source: str
    levels: tuple[tuple[str, str, Decimal], ...]  # (jurisdiction, level, percent)
    percent_text: str  # as rendered: 19, 5.5, 9.975
    kind_text: str
    reason: str  # taxability reason the kind implies, unless the treatment fixes one
    not_taxed: bool  # exempt or outside the scope: nobody collects anything


def _make_rate(percent: Decimal, kind: RateKind, jurisdiction: str, source: str,
               levels: tuple[tuple[str, str, Decimal], ...]) -> Rate:
    return Rate(percent, percent / 100, kind, jurisdiction, source, levels, fmt_percent(percent), kind.value,
                _REASON_BY_KIND[kind], kind in (RateKind.exempt, RateKind.none))


NO_RATE = _make_rate(ZERO, RateKind.none, "", "", ())


@dataclass(slots=True)
class Item:
    """One taxable amount: a line, or a line's share of shipping."""

    index: int
    line_id: str | None
    category: Category
    base: Decimal  # price as given (net if exclusive, gross if inclusive), in minor units
    treatment: Treatment
    rate: Rate
    layout: dict[str, Any]  # the output line of this treatment and rate, item fields still None (see _layout)
    raw_tax: Decimal = ZERO
    tax: Decimal = ZERO  # tax on this bill
    info_tax: Decimal = ZERO  # reverse-charged / due at import, not on this bill
    net: Decimal = ZERO
    gross: Decimal = ZERO


def _places(value: Decimal) -> int:
    """Number of fraction digits as written ("1.50" has 2)."""
    text = str(value)  # cheaper than as_tuple(); falls back for exponent notation ("1E-7")
    if "E" in text:
        exp = value.as_tuple().exponent
        return -exp if isinstance(exp, int) and exp < 0 else 0
    dot = text.find(".")
    return len(text) - dot - 1 if dot >= 0 else 0


def _check_precision(value: Decimal, places: int, loc: list[str | int], what: str) -> None:
    if _places(value) > places:
        raise ValidationFailed.at(loc, f"{what} has more than {places} decimal places, which cannot be honoured")


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
        errors.append({"loc": ["body", *loc], "msg": msg})

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
                errors=[{"loc": ["body", *loc, "excise_goods"], "msg": "excise goods are not supported"}],
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
        raise ValidationFailed("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors), errors=errors)
    return bases


def _place(book: RateBook, addr: Any, loc: str, goods: bool, day: Any, city: str | None = None):
    try:
        return place_of(book, addr.country, addr.region, addr.postal_code, goods=goods, day=day, loc=loc, city=city)
    except UnknownJurisdiction as exc:
        raise ValidationFailed.at(["body", loc, "country"], exc.detail) from None


def _context(order: CalculateRequest, book: RateBook, fx: EcbRates, goods: bool) -> Context:
    seller = order.seller
    eu = frozenset(filter(P.EU_MEMBER_STATES.__contains__, [seller.country, *seller.other_establishments]))
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
                    errors=[{"loc": ["body", "customer", "tax_id"], "msg": f"invalid: {reason}"}],
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


_RATE_CACHE: dict[tuple[int, str, Category, Any], Rate] = {}


def _rate(book: RateBook, j: Jurisdiction | None, category: Category, day: Any) -> Rate:
    """Combined rate of ``j`` (plus the federal level for a Canadian province) for a category on a day."""
    if j is None:
        return NO_RATE
    key = (id(book), j.id, category, day)
    hit = _RATE_CACHE.get(key)
    if hit is not None:
        return hit
    found = [(level_j, level, level_j.lookup(category, day)) for level_j, level in levels(book, j)]
    main = next(f for lj, _, f in found if lj is j)
    if main.rate_kind is RateKind.none:  # e.g. Alberta: no provincial tax, the federal GST decides
        main = next((f for _, _, f in found if f.rate_kind is not RateKind.none), main)
    total = sum((f.rate_percent for _, _, f in found), ZERO)
    lv = tuple((lj.id, level, f.rate_percent) for lj, level, f in found)
    rate = _make_rate(total, main.rate_kind, j.id, main.source, lv if len(lv) > 1 or j.regime == "us_sales_tax" else ())
    if len(_RATE_CACHE) < 100_000:
        keep_alive(book)
        _RATE_CACHE[key] = rate
    return rate


def _allocate(total: Decimal, weights: list[Decimal], exp: Decimal,
              keys: Callable[[], list[tuple[Any, ...]]]) -> list[Decimal]:
    """Split ``total`` (in minor units) by ``weights``: floor, then the remaining units to the largest remainders.

    ``keys()`` gives each share's tie-break key; it is only called when equal remainders compete.
    """
    n = len(weights)
    if n == 0:
        return []
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
        previous = None
        for i in order:
            if rems[i] == previous:  # equal remainders: ranked by content instead
                tie = keys()
                order = sorted(range(n), key=lambda j: (-rems[j], tie[j]))
                break
            previous = rems[i]
        for k in range(left):
            floors[order[k % n]] += exp
    return floors


def compute_order(*, order: CalculateRequest, book: RateBook, fx: EcbRates) -> dict[str, Any]:
    currency = order.currency
    if currency not in supported_currencies():
        raise ValidationFailed.at(["body", "currency"], f"'{currency}' is not a supported ISO 4217 currency")
    digits = minor_units(currency)
    exp = exponent(digits)
    bases = _validate(order, exp, digits)
    inclusive = order.prices_include_tax
    day = order.date
    lines = order.lines

    kinds = [_KIND_BY_CATEGORY[line.category] for line in lines]
    ctx = _context(order, book, fx, goods=GOODS in kinds)
    shipping_amount = order.shipping.amount.quantize(exp) if order.shipping is not None else ZERO

    # Values the rules need: goods value net of VAT (estimated at the destination rate for inclusive prices).
    dest_j = ctx.dest.jurisdiction
    dest_rate = inclusive and dest_j is not None and day >= dest_j.starts_on
    goods_value = distance_value = ZERO
    for line, base, kind in zip(lines, bases, kinds):
        if kind == GOODS:
            goods_value += base / (ONE + dest_j.lookup(line.category, day).rate_fraction) if dest_rate else base  # type: ignore[union-attr]
        if kind != SERVICES:
            distance_value += base
    ctx.goods_value = goods_value
    ctx.shipping_value = shipping_amount
    ctx.distance_value = distance_value + shipping_amount

    # Treatments and rates per line.
    order_level: dict[str, Treatment] = {}
    items: list[Item] = []
    item_values = ctx.dest.area in ITEM_VALUE_AREAS
    dest_country = ctx.dest.country
    for i, (line, base, kind) in enumerate(zip(lines, bases, kinds)):
        unit_value = base
        if item_values:
            unit_value = base / line.quantity
            if dest_rate:
                unit_value = unit_value / (ONE + dest_j.lookup(line.category, day).rate_fraction)  # type: ignore[union-attr]
        treatment = decide_line(ctx, kind, line.category, unit_value, order_level)
        rate = _rate(book, treatment.jurisdiction, line.category, day)
        layout = _LAYOUTS.get((id(treatment), id(rate), dest_country))
        if layout is None:
            layout = _cached_layout(treatment, rate, dest_country)
        items.append(Item(i, line.id, line.category, base, treatment, rate, layout))

    ship_items = _shipping_items(items, shipping_amount, exp) if order.shipping is not None else []
    all_items = items + ship_items if ship_items else items
    zq = ZERO.quantize(exp)
    per_line = order.rounding == "per_line"
    for it in all_items:
        r = it.rate.fraction
        t = it.treatment
        if r and t.on_bill:
            raw = it.base * r / (ONE + r) if inclusive else it.base * r
            it.raw_tax = raw
            it.tax = raw.quantize(exp, ROUND_HALF_UP) if per_line else zq
        else:
            it.tax = zq
            if r and t.info and not t.exempt_import:
                it.info_tax = (it.base * r).quantize(exp, ROUND_HALF_UP)
    if ctx.dest.area == "CH":
        _swiss_de_minimis(ctx, all_items)
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
        if t.collected_by == "seller":
            by_seller += tax
        elif t.collected_by == "marketplace":
            by_marketplace += tax
        if t.info is not None:
            if t.info == "reverse_charge":
                reverse += it.info_tax
            elif t.info == "import":
                at_import += it.info_tax
    if inclusive:  # every item's net + tax = gross, so the totals are too
        gross_total, net_total = base_total, base_total - tax_total
    else:
        net_total, gross_total = base_total, base_total + tax_total
    totals = {
        "net_amount": str(net_total),
        "tax_amount": str(tax_total),
        "gross_amount": str(gross_total),
        "tax_collected_by_seller": str(by_seller),
        "tax_collected_by_marketplace": str(by_marketplace),
        "tax_reverse_charged": str(reverse),
        "tax_due_at_import": str(at_import),
        "seller_proceeds": str(gross_total - by_marketplace),
        "seller_keeps": str(gross_total - by_marketplace - by_seller),
    }
    return _render(order, ctx, book, items, ship_items, exp, zq, totals)


def _shipping_items(items: list[Item], amount: Decimal, exp: Decimal) -> list[Item]:
    """Shipping follows the goods: apportioned by value over the lines' treatments and rates.

    One share per group of lines with the same treatment and rate; each share is carried by the
    group's representative line (see :func:`_representative`).
    """
    groups: dict[tuple[int, str, str], list[Any]] = {}  # key -> [representative, weight]
    for it in items:
        rate = it.rate
        key = (id(it.treatment), rate.percent_text, rate.kind_text)
        group = groups.get(key)
        if group is None:
            groups[key] = [it, it.base]
        else:
            group[1] += it.base
            if _representative(it) < _representative(group[0]):
                group[0] = it
    parts = list(groups.values())
    if len(parts) == 1:
        shares = [amount]
    else:
        shares = _allocate(amount, list(map(itemgetter(1), parts)), exp,
                           lambda: [(str(it.rate.percent), it.treatment.rule, it.rate.kind_text) for it, _ in parts])
    out = []
    for (it, _), share in zip(parts, shares):
        out.append(Item(-1, it.line_id, it.category, share, it.treatment, it.rate, it.layout))
    return out


def _representative(it: Item) -> tuple[Any, ...]:
    return (it.line_id or "", it.base, it.index)


def _round_per_document(items: list[Item], exp: Decimal, zq: Decimal) -> None:
    """One rounding per rate group, the difference spread by largest remainder (ties by line content)."""
    groups: dict[tuple[Any, ...], list[Item]] = {}
    for it in items:
        it.tax = zq
        if it.treatment.on_bill:
            groups.setdefault((id(it.treatment), it.rate.percent), []).append(it)
    for group in groups.values():
        total = sum((it.raw_tax for it in group), ZERO).quantize(exp, ROUND_HALF_UP)
        for it in group:
            it.tax = it.raw_tax.quantize(exp, ROUND_FLOOR)
        left = int(((total - sum((it.tax for it in group), ZERO)) / exp).to_integral_value())
        ranked = sorted(group, key=lambda it: (-(it.raw_tax - it.tax), -it.base, it.line_id or "", it.category.value, it.index))
        for k in range(left):
            ranked[k % len(ranked)].tax += exp


_LAYOUTS: dict[tuple[int, int, str], dict[str, Any]] = {}
_LAYOUT_OWNERS: list[tuple[Treatment, Rate]] = []  # keeps the keyed objects alive, so their ids stay unique


def _cached_layout(t: Treatment, rate: Rate, dest_country: str) -> dict[str, Any]:
    """:func:`_layout`, kept for interned treatments (:func:`~taxapi.orders.rules.interned`) and cached rates."""
    layout = _layout(t, rate, dest_country)
    if len(_LAYOUTS) < 100_000:
        _LAYOUTS[(id(t), id(rate), dest_country)] = layout
        _LAYOUT_OWNERS.append((t, rate))
    return layout


def _layout(t: Treatment, rate: Rate, dest_country: str) -> dict[str, Any]:
    """The output line every item with the same treatment and rate shares, in wire order.

    The per-item fields (None here) are filled in on a copy: copying a finished dict is
    cheaper than building one key by key.
    """
    return {
        "id": None,
        "category": None,
        "net_amount": None,
        "tax_amount": None,
        "gross_amount": None,
        "rate_percent": rate.percent_text,
        "rate_kind": rate.kind_text,
        "jurisdiction": rate.jurisdiction or (t.jurisdiction.id if t.jurisdiction else dest_country),
        "taxability_reason": t.reason or rate.reason,
        "collected_by": "none" if t.on_bill and rate.not_taxed else t.collected_by,
        "scheme": t.scheme,
        "rule": t.rule,
        "source": rate.source or _rule_source(t),
        "breakdown": None,
        "tax_reverse_charged": None,
        "tax_due_at_import": None,
    }


def _breakdown(rate: Rate, tax: Decimal, exp: Decimal) -> list[dict[str, str]]:
    """The tax of a multi-level rate (Canadian GST + PST, US state) split over its levels."""
    pcts = [p for _, _, p in rate.levels]
    split = _allocate(tax, pcts, exp, lambda: [(j,) for j, _, _ in rate.levels]) if tax else [ZERO] * len(pcts)
    return [
        {"jurisdiction": j, "level": lvl, "rate_percent": fmt_percent(p), "tax_amount": str(t)}
        for (j, lvl, p), t in zip(rate.levels, split)
    ]


def _line_out(it: Item, zero_s: str, exp: Decimal) -> dict[str, Any]:
    t = it.treatment
    info = t.info
    info_tax = str(it.info_tax) if info is not None and it.info_tax else zero_s
    out = it.layout.copy()
    out["id"] = it.line_id
    out["category"] = _TEXT[it.category]
    out["net_amount"] = str(it.net)
    out["tax_amount"] = str(it.tax) if it.tax else zero_s
    out["gross_amount"] = str(it.gross)
    out["breakdown"] = _breakdown(it.rate, it.tax if t.on_bill else it.info_tax, exp) if it.rate.levels else []
    out["tax_reverse_charged"] = info_tax if info == "reverse_charge" else zero_s
    out["tax_due_at_import"] = info_tax if info == "import" else zero_s
    return out


def _shipping_out(ship_items: list[Item], zero_s: str, exp: Decimal, zq: Decimal) -> dict[str, Any]:
    if len(ship_items) == 1:
        out = _line_out(ship_items[0], zero_s, exp)
        out["id"] = None
        out["category"] = "shipping"
        return out
    net = tax = gross = reverse = at_import = zq
    for part in ship_items:
        net += part.net
        tax += part.tax
        gross += part.gross
        if part.treatment.info == "reverse_charge":
            reverse += part.info_tax
        elif part.treatment.info == "import":
            at_import += part.info_tax
    main = ship_items[0]  # the largest share (then the higher rate) lends its fields
    for part in ship_items:
        if part.base > main.base or (part.base == main.base and part.rate.percent > main.rate.percent):
            main = part
    eff = _percent_text((tax / net * 100).quantize(_PERCENT_EXP, ROUND_HALF_UP)) if net else "0"
    out = main.layout.copy()
    out["id"] = None
    out["category"] = "shipping"
    out["net_amount"] = str(net)
    out["tax_amount"] = str(tax)
    out["gross_amount"] = str(gross)
    out["rate_percent"] = eff
    out["rule"] = "shipping.apportioned"
    out["breakdown"] = []
    out["tax_reverse_charged"] = str(reverse)
    out["tax_due_at_import"] = str(at_import)
    out["apportioned"] = [_apportioned(part, part.layout) for part in ship_items]
    return out


def _percent_text(rate: Decimal) -> str:
    """A rate with four places as :func:`~taxapi.money.fmt_percent` writes it (15.7895, 15.5, 15)."""
    text = str(rate)  # plain notation: four places, at most 100
    return text.rstrip("0").rstrip(".") if "." in text else text


def _render(order: CalculateRequest, ctx: Context, book: RateBook, items: list[Item], ship_items: list[Item],
            exp: Decimal, zq: Decimal, totals: dict[str, str]) -> dict[str, Any]:
    """The response body. Every amount is already at the currency's exponent, so ``str`` renders it."""
    zero_s = str(zq)
    return {
        "rates_version": book.version,
        "date": order.date.isoformat(),
        "currency": order.currency,
        "prices_include_tax": order.prices_include_tax,
        "rounding": order.rounding,
        "lines": [_line_out(it, zero_s, exp) for it in items],
        "shipping": _shipping_out(ship_items, zero_s, exp, zq) if ship_items else None,
        "totals": totals,
        "notes": N.invoice_notes(ctx, list(map(attrgetter("treatment"), items))),
        "warnings": [{"code": k, "detail": v} for k, v in ctx.warnings.items()] if ctx.warnings else [],
        "conversions": list(ctx.conversions.values()),
    }


def _apportioned(s: Item, st: dict[str, str]) -> dict[str, Any]:
    return {
        "line_id": s.line_id, "net_amount": str(s.net), "tax_amount": str(s.tax), "rate_percent": st["rate_percent"],
        "rate_kind": st["rate_kind"], "jurisdiction": st["jurisdiction"], "collected_by": st["collected_by"],
        "scheme": st["scheme"], "rule": st["rule"],
    }


def _swiss_de_minimis(ctx: Context, items: list[Item]) -> None:
    """CH: import tax of CHF 5 or less is not levied (Art. 1 para. 2 let. a VO EFD über die Steuerbefreiung)."""
    imported = [it for it in items if it.treatment.rule == "ch.import"]
    if not imported:
        return
    total = sum((it.info_tax for it in imported), ZERO)
    if ctx.convert(total, "CHF", "CHF 5 import-tax de minimis") <= P.CH_IMPORT_DE_MINIMIS.amount:
        for it in imported:
            it.treatment = Treatment(it.treatment.jurisdiction, "none", "none", "ch.import.de_minimis_not_levied", False,
                                     reason="import_vat_at_border", info="import", exempt_import=True)
            it.layout = _layout(it.treatment, it.rate, ctx.dest.country)
            it.info_tax = ZERO
    else:
        ctx.warn("import_duty_not_included", "Customs duty and carrier fees at import are not computed.")


def _rule_source(t: Treatment) -> str:
    return N.RULE_SOURCES.get(t.rule.split(".")[0], "")
