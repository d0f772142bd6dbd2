"""What the VAT/GST markets beyond Europe, Oceania, Japan and North America share, until a market's
own rules are written in its module.

A :class:`MarketRegime` taxes goods sold from inside the market as a domestic sale by the seller
and goods sent from abroad at the border (collected by customs, shown for information), not at
all at or below the market's de minimis (a value limit in its parameters file). Services follow
the general rules of :class:`~taxapi.regimes.common.NationalRegime`; digital services sold to
consumers from abroad are taxed where the consumer is from the date the market's parameters file
gives, collected by the seller, or by the marketplace where the market makes it liable.

A market may name a duty-free limit (``import_duty_limit``: within it the tax due at import is all
there is, and no duty warning is given) and rules under which a flat import rate replaces duty and
VAT (``flat_rate_rules``, the rate read from a percent parameter). What else a market adds (a
marketplace collecting low-value imports at checkout, withholdings from the seller's payout, split
rates) is written in its module, on top of this.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context as DecimalContext, Decimal
from enum import StrEnum
from operator import attrgetter
from typing import Any, ClassVar

from taxapi.categories import SERVICE_CATEGORIES, Category, RateKind
from taxapi.errors import ExchangeRateNotFound
from taxapi.rate_tables.combined import CombinedRate
from taxapi.rate_tables.model import Jurisdiction
from taxapi.rate_tables.parameters import Parameter
from taxapi.regimes.base import Collector, Context, Reason, RuleId, Scheme, SupplyKind, Treatment, Withholding
from taxapi.regimes.common import NationalRegime

#: The facts the ``conditions`` of a withholding parameter are tested on, from the request.
FACTS = frozenset({"seller_type", "seller_registered", "seller_resident", "payout_account", "supply",
                   "consideration_collected_by_marketplace", "marketplace_designated"})
#: What a withholding's ``base`` is, as the item's amount it is taken from.
BASES = {"net_price": "net", "net_taxable_value": "net", "tax_collected": "tax",
         "gross_turnover": "net", "gross_remittance": "gross", "gross_sale": "gross"}
_HUNDRED = Decimal(100)
#: An item's amount a withholding is taken from (``BASES``), one getter each: the hot loop reads the net and the tax
#: itself when it finds their getter.
_GET_BASE = {field: attrgetter(field) for field in set(BASES.values())}
_NET, _TAX = _GET_BASE["net"], _GET_BASE["tax"]
#: Withholdings are rounded half up to the currency's minor units (a context's quantize: no rounding argument to parse).
_HALF_UP = DecimalContext(rounding=ROUND_HALF_UP)
_new_tuple = tuple.__new__
_MARKETPLACE = Collector.marketplace  # read once: an enum member looked up on its class costs ~0.2 us
#: The ``supply`` a withholding's conditions name, by line category.
_SUPPLY = {c: "digital_services" if c is Category.digital_services else ("services" if c in SERVICE_CATEGORIES else "goods")
           for c in Category}

_RULES = {
    "domestic": "domestic",
    "import_": "import",
    "import_de_minimis": "import.de_minimis",
    "services_domestic": "services.domestic",
    "services_b2b_domestic": "services.b2b.domestic",
    "services_b2b_reverse_charge": "services.b2b.reverse_charge",
    "tbe_marketplace": "tbe.marketplace",
    "tbe_seller": "tbe.seller",
    "tbe_not_taxed": "tbe.not_taxed",
}


def market_rules(prefix: str, **more: str) -> type[RuleId]:
    """The rule ids every market has, under its prefix (``mx.domestic``, ``mx.import.de_minimis`` ...), and
    ``more`` of its own (member name -> id suffix)."""
    return RuleId("Rule", [(member, f"{prefix}.{suffix}") for member, suffix in {**_RULES, **more}.items()])  # type: ignore[return-value]


class MarketRegime(NationalRegime):
    """A market with one VAT/GST territory; its module sets the code, rule ids and parameter names."""

    scheme: ClassVar[Scheme] = Scheme.domestic
    domestic_scheme: ClassVar[Scheme] = Scheme.domestic
    marketplace_tbe: ClassVar[bool] = False
    #: The parameter holding the value of a consignment at or below which imports bear no VAT (None: none).
    import_de_minimis: ClassVar[str | None] = None
    #: The parameter holding the consignment value (goods and shipping) up to which no customs duty is charged.
    import_duty_limit: ClassVar[str | None] = None
    #: Whether a consignment of exactly the duty limit is duty-free (False: only below it).
    duty_limit_inclusive: ClassVar[bool] = True
    #: Whether the duty limit is tested on the goods alone (FOB) rather than goods and shipping.
    duty_limit_on_goods_only: ClassVar[bool] = False
    #: The import_duty_not_included warning in the market's words (None: the border's own), where its tax at import
    #: leaves out more than the duty (South Africa: the VAT on the duty).
    import_duty_note: ClassVar[str | None] = None
    #: The origins the de minimis is for (None: every origin).
    de_minimis_origins: ClassVar[frozenset[str] | None] = None
    #: The parameter that starts the tax on digital services sold to consumers from abroad (None: always taxed).
    digital_services_start: ClassVar[str | None] = None
    #: Whether digital services sold to consumers from abroad are taxed at all.
    taxes_foreign_digital_services: ClassVar[bool] = True
    #: Whether the market's parameters hold marketplace withholdings (``withholding_*``, kind percent).
    withholds: ClassVar[bool] = False
    #: Whether the class overrides ``withholding_applies`` and ``withholding_variant`` (set for each subclass).
    _tests_withholdings: ClassVar[bool] = False
    _varies_withholdings: ClassVar[bool] = False
    _rule_domestic: ClassVar[StrEnum]
    _rule_import: ClassVar[StrEnum]
    _rule_import_de_minimis: ClassVar[StrEnum]

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is self:
            return self.domestic_sale(ctx)
        duty_free = self.duty_free(ctx)
        name = self.de_minimis(ctx)
        if name is not None:
            value, limit = ctx.compare(ctx.goods_value, self, name, "import de minimis")
            if limit is not None and value <= limit.amount:
                return ctx.border(self._rule_import_de_minimis, exempt=True, duty_free=duty_free,
                                  duty_note=self.import_duty_note)
        return ctx.border(self._rule_import, duty_free=duty_free, duty_note=self.import_duty_note)

    def domestic_sale(self, ctx: Context, jurisdiction: Jurisdiction | None = None, rule: StrEnum | None = None) -> Treatment:
        """Goods sold from inside the market: a domestic sale by the seller, taxed in ``jurisdiction`` (default: the
        destination's) under ``rule`` (default: the market's ``domestic``). Built once per jurisdiction and rule (kept
        in the rate book)."""
        j = jurisdiction or ctx.dest.jurisdiction
        rule = rule or self._rule_domestic
        key = (j.id if j is not None else None, rule)
        cache = ctx.book.memo.get("domestic_sale") or ctx.book.cache("domestic_sale")
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = Treatment(j, Collector.seller, self.domestic_scheme, rule, True)
        return hit  # type: ignore[return-value]

    def duty_free(self, ctx: Context) -> bool:
        """Whether the consignment (goods and shipping) is within the market's customs-duty limit
        (``import_duty_limit``), so the tax due at import is all there is."""
        if self.import_duty_limit is None:
            return False
        value = ctx.goods_value if self.duty_limit_on_goods_only else ctx.goods_value + ctx.shipping_value
        return bool(self.within_if_known(ctx, value, self.import_duty_limit, "customs duty limit", inclusive=self.duty_limit_inclusive))

    def within_if_known(self, ctx: Context, value: Decimal, name: str, what: str, *, inclusive: bool = True) -> bool | None:
        """Whether ``value`` is within the value limit ``name`` (False: not in force), or None when no rate
        converts the order's currency into the limit's. Only for a limit that decides no amount of tax (which
        rule id, whether duty is due): one that does goes through ``ctx.compare``, a 422 without a rate."""
        limit = ctx.limit(self, name)
        if limit is None:
            return False
        # Nothing to convert: the limit in force is all compare would read (this saves the second _limits read that
        # compare makes, on every import's duty test).
        if limit.currency == ctx.order.currency:
            return value <= limit.amount if inclusive else value < limit.amount
        try:
            converted, found = ctx.compare(value, self, name, what)
        except ExchangeRateNotFound:
            return None
        return found is not None and (converted <= found.amount if inclusive else converted < found.amount)

    def de_minimis(self, ctx: Context) -> str | None:
        """The parameter holding the de minimis that applies to the order's origin (None: none)."""
        if self.de_minimis_origins is not None and ctx.origin.country not in self.de_minimis_origins:
            return None
        return self.import_de_minimis

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        if kind is SupplyKind.tbe and not ctx.b2b and ctx.seller_country != ctx.dest.country and not (
            self.taxes_foreign_digital_services
            and (self.digital_services_start is None or ctx.in_force(self, self.digital_services_start))
        ):
            return Treatment(None, Collector.none, Scheme.none, self.Rule["tbe_not_taxed"], False, reason=Reason.outside_scope)
        return super().services(ctx, kind)


    # ----- flat import rates (a percent in place of duty and VAT, collected at import) -------------
    #: The rules whose lines bear a flat import rate instead of the table's (see ``flat_rate_parameter``).
    flat_rate_rules: ClassVar[frozenset[StrEnum]] = frozenset()

    def flat_rate_parameter(self, ctx: Context, rule: StrEnum) -> str:
        """The percent parameter holding the flat import rate of ``rule`` on the order (one of ``flat_rate_rules``).
        A regime naming ``flat_rate_rules`` must define it: :meth:`__init_subclass__` refuses one that does not."""
        raise TypeError(f"{type(self).__name__} has no flat import rate parameters")

    def flat_import(self, ctx: Context, rule: StrEnum, jurisdiction: Jurisdiction | None = None, *,
                    exempt: bool = False) -> Treatment:
        """A consignment cleared under a flat import rate (Mexico's courier global rate, Turkey's postal single
        tax): due at import, collected by customs (the courier clears and pays), not on the bill; the flat rate
        stands in for the duty, so no duty warning is given. The table rate's import tax is not levied
        (``exempt_import``): :meth:`finish` puts the flat rate in its place and computes the tax once, at that rate
        (a rule of ``flat_rate_rules``; an exempt consignment has a rule of its own)."""
        return ctx.border(rule, exempt=exempt or rule in self.flat_rate_rules, duty_free=True, jurisdiction=jurisdiction)

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        # A flat import rate replaces the table's rate on the lines (and their shipping) it covers, and its tax is
        # the only one computed: the engine computed none at the table rate (flat_import marks it not levied).
        flat = self.flat_rate_rules
        if not flat or ctx.origin.regime is self:
            return
        # Items share the order's treatment objects: the rule is tested when the treatment changes, not per item.
        rate = treatment = None
        quantize = _HALF_UP.quantize
        for it in items:
            t = it.treatment
            if t is not treatment:
                treatment = t
                rule = t.rule
                rate = self._flat_rate(ctx, self.flat_rate_parameter(ctx, rule)) if rule in flat else None
                if rate is not None:
                    fraction = rate.rate_fraction
            if rate is not None:
                it.rate = rate
                it.info_tax = quantize(it.base * fraction, it.tax)

    def _flat_rate(self, ctx: Context, name: str) -> CombinedRate:
        """The flat rate ``name`` in force on the order date, as the rate its lines show (kept in the rate book)."""
        key = (self.code, name, ctx.day)
        cache = ctx.book.memo.get("flat_rate") or ctx.book.cache("flat_rate")
        hit = cache.get(key)
        if hit is None:
            period = ctx.parameter(self, name).on(ctx.day)
            percent = ctx.value(self, name)
            assert period is not None and isinstance(percent, Decimal), (self.code, name, ctx.day)
            hit = CombinedRate(self.code, percent, percent / _HUNDRED, RateKind.standard, period.source, None, (), False)
            if len(cache) < 100_000:
                cache[key] = hit
        return hit  # type: ignore[return-value]

    # ----- withholdings from the seller's payout --------------------------------------------------
    def withhold(self, ctx: Context, items: Sequence[Any], exp: Decimal) -> Decimal:
        """Set each item's withholdings: the market's ``withholding_*`` parameters in force whose conditions
        the order meets, one per tax (the highest rate where several apply), on the item's base; only when
        a marketplace facilitates. Returns their sum.

        Which parameters apply depends only on the day and a few facts of the seller and the supply (and the
        regime's :meth:`withholding_variant` of the item), so the records' layout (every field but the base and
        the amount) is laid out once and kept in the rate book; the amounts are computed for each item."""
        total = exp * 0  # nothing, in the currency's minor units
        if not ctx.facilitated:
            return total
        code = self.code
        facts = self.withholding_facts(ctx)
        cache = ctx.book.memo.get("withholdings") or ctx.book.cache("withholdings")
        tested = self._tests_withholdings
        varies = self._varies_withholdings
        quantize = _HALF_UP.quantize
        supply = variant = hit = None
        # The shipping's withholdings are the sum over its shares, per record (in the order they first appear), set
        # on its first share: its shares are not shown apart.
        shipping: dict[tuple[Any, ...], list[Decimal]] = {}
        first_share = None
        for it in items:
            # Items of one supply (and variant) share a layout: it is looked up when they change, not per item.
            s = _SUPPLY[it.category]
            v = self.withholding_variant(it) if varies else None
            if s is not supply or v is not variant or hit is None:
                supply, variant = s, v
                hit = cache.get((*facts, s, v))
                if hit is None or hit[1]:
                    hit = self._layout(ctx, cache, facts, s, v, it)
                first = hit[2]
            share = it.index < 0
            if share and first_share is None:
                first_share = it
            if tested:
                out = []
                for group in hit[0]:
                    for name, tax, rate, fraction_of_hundred, base_field, fraction, rule, source in group:
                        if not self.withholding_applies(ctx, name):
                            continue
                        base: Decimal = getattr(it, base_field)
                        if fraction is not None:
                            base = quantize(base * fraction[0] / fraction[1], exp)
                        if base:
                            amount = quantize(base * fraction_of_hundred, exp)
                            if share:
                                _add(shipping, (tax, code, rate, rule, source), base, amount)
                            else:
                                out.append(_new_tuple(Withholding, (tax, _MARKETPLACE, code, rate, base, amount, rule, source)))
                                total += amount
                        break
                if out:
                    it.withholdings = tuple(out)
            else:
                # The highest rate of each tax, without a test per order, from the layout. A plain loop, a tuple grown in
                # place and tuple.__new__ to build a Withholding without the named tuple's Python-level __new__: this
                # runs for every line and shipping share.
                held: tuple[Withholding, ...] = ()
                for get_base, fraction, fraction_of_hundred, records in first:
                    base = it.net if get_base is _NET else it.tax if get_base is _TAX else get_base(it)
                    if fraction is not None:
                        base = quantize(base * fraction[0] / fraction[1], exp)
                    if base:
                        amount = quantize(base * fraction_of_hundred, exp)
                        if share:  # the layout's record is the key: (tax, jurisdiction, rate_percent, rule, source)
                            for record in records:
                                _add(shipping, record, base, amount)
                        else:
                            for tax, jurisdiction, rate, rule, source in records:
                                held += (_new_tuple(Withholding, (tax, _MARKETPLACE, jurisdiction, rate, base, amount, rule, source)),)
                                total += amount
                if held:
                    it.withholdings = held
        if shipping:
            merged: tuple[Withholding, ...] = ()
            for (tax, jurisdiction, rate, rule, source), (base, amount) in shipping.items():
                merged += (_new_tuple(Withholding, (tax, _MARKETPLACE, jurisdiction, rate, base, amount, rule, source)),)
                total += amount
            first_share.withholdings = merged  # type: ignore[union-attr]
        return total

    def _layout(self, ctx: Context, cache: dict[Any, Any], facts: tuple[Any, ...], supply: str, variant: Any,
                item: Any) -> tuple[Any, ...]:
        """The withholdings of a ``supply`` of ``variant`` under the order's ``facts`` (day and seller): their
        candidates by tax, whether a fact they need is unknown (a warning says so), and their layout (kept in the
        rate book)."""
        key = (*facts, supply, variant)
        hit = cache.get(key)
        if hit is None:
            groups, unknown, first = self._candidates(ctx.book, key[:-1])
            hit = (groups, unknown, self.withholding_layout(first, variant, item))
            if len(cache) < 10_000:
                cache[key] = hit
        if hit[1]:
            ctx.warn("withholding_facts_unknown",
                     f"The marketplace's withholding in {self.code} depends on whether the seller is registered "
                     "there: send seller.registrations.")
        return hit

    def withholding_facts(self, ctx: Context) -> tuple[Any, ...]:
        """What decides which of the market's withholdings apply to the order, besides the supply: the market, the
        day, the seller's type, whether it is registered in the market (None: not said), resident there, and paid
        there (the key of the layouts kept in the book, with the supply; :meth:`_candidates` reads it)."""
        seller = ctx.order.seller
        code = self.code
        registrations = ctx.registrations
        return (code, ctx.day, seller.type, None if registrations is None else code in registrations, seller.country == code,
                (seller.payout_country or seller.country) == code)

    def withholding_variant(self, item: Any) -> Any:
        """What, besides the seller's facts and the supply, changes the layout of an item's withholdings (India:
        the state of an intra-state supply, whose TCS is split). Only asked of a regime that overrides it."""
        return None

    def withholding_layout(self, layout: tuple[Any, ...], variant: Any, item: Any) -> tuple[Any, ...]:
        """The withholdings of an item of ``variant`` (:meth:`withholding_variant`): per tax, its base
        (``get_base``, ``fraction``), its rate as a fraction of the base (``rate_percent / 100``) and the records it
        gives at that rate, each ``(tax, jurisdiction, rate_percent, rule, source)``. Laid out once per rate book,
        day, facts and variant."""
        return layout

    def _candidates(self, book: Any, key: tuple[Any, ...]) -> tuple[tuple[tuple[Any, ...], ...], bool, tuple[tuple[Any, ...], ...]]:
        """The withholdings whose conditions the facts of ``key`` meet, grouped by tax, highest rate first;
        whether a fact a condition needs is unknown; and the first of each group (what applies when the
        regime tests nothing beyond the conditions), laid out as :meth:`withholding_layout` describes."""
        code, day, seller_type, registered, resident, domestic_payout, supply = key
        facts: dict[str, Any] = {
            "seller_type": {"individual"} if seller_type == "individual" else {"company", "business"},
            "seller_registered": registered,
            "seller_resident": resident,
            "payout_account": {"domestic" if domestic_payout else "foreign"},
            "supply": {supply, "services"} if supply == "digital_services" else {supply},
            "consideration_collected_by_marketplace": True,
            "marketplace_designated": True,
        }
        by_tax: dict[str, list[tuple[Any, ...]]] = {}
        unknown = False
        for name, param in book.parameters[code].parameters.items():
            if param.kind != "percent" or param.collected_by != "marketplace" or not name.startswith("withholding_"):
                continue
            rate = param.value(day)
            if rate is None:
                continue
            meets = _meets(param, facts)
            if meets is None:
                unknown = True
            elif meets:
                fraction = tuple(int(n) for n in param.base_fraction.split("/")) if param.base_fraction else None
                period = param.on(day)
                assert period is not None
                by_tax.setdefault(param.tax or name, []).append(
                    (name, param.tax or "tax", rate, rate / _HUNDRED, BASES[param.base or "net_price"], fraction,
                     f"{code.lower()}.{name.replace('_', '.', 1)}", period.source))
        groups = tuple(tuple(sorted(group, key=lambda c: -c[2])) for group in by_tax.values())
        first = tuple((_GET_BASE[base_field], fraction, of_hundred, ((tax, code, rate, rule, source),))
                      for _, tax, rate, of_hundred, base_field, fraction, rule, source in (group[0] for group in groups))
        return groups, unknown, first

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The rule ids every market has, read once (a member looked up by name runs EnumType.__getitem__).
        if "Rule" in cls.__dict__:
            cls._rule_domestic, cls._rule_import, cls._rule_import_de_minimis = (
                cls.Rule["domestic"], cls.Rule["import_"], cls.Rule["import_de_minimis"])
        cls._tests_withholdings = cls.withholding_applies is not MarketRegime.withholding_applies
        cls._varies_withholdings = cls.withholding_variant is not MarketRegime.withholding_variant
        if cls._tests_withholdings and cls._varies_withholdings:
            raise TypeError(f"{cls.__name__}: withholdings tested per order are not laid out by variant")
        if cls.flat_rate_rules and cls.flat_rate_parameter is MarketRegime.flat_rate_parameter:
            raise TypeError(f"{cls.__name__} names flat_rate_rules but not their flat_rate_parameter")

    def withholding_applies(self, ctx: Context, name: str) -> bool:
        """Whether withholding ``name`` applies beyond its conditions (a threshold on the seller's payouts).
        Where a regime does not override it, the highest rate of each tax applies without asking."""
        return True

    def payouts_pass(self, ctx: Context, limit: str, what: str, rule: str, *, with_order: bool) -> bool:
        """Whether the seller's payouts this year (``seller.payouts_this_year``, plus this order's value when
        ``with_order``) pass the value limit ``limit``. Not sent: True, and a warning states ``rule``."""
        paid = ctx.order.seller.payouts_this_year
        if paid is None:
            ctx.warn("withholding_threshold_not_tested",
                     f"{rule} Send seller.payouts_this_year to test the threshold; the withholding is applied.")
            return True
        if with_order:
            paid += ctx.goods_value + ctx.shipping_value
        value, found = ctx.compare(paid, self, limit, what)
        return found is None or value > found.amount


def _add(sums: dict[tuple[Any, ...], list[Decimal]], key: tuple[Any, ...], base: Decimal, amount: Decimal) -> None:
    """Add a shipping share's ``base`` and ``amount`` to the sums of record ``key``."""
    seen = sums.get(key)
    if seen is None:
        sums[key] = [base, amount]
    else:
        seen[0] += base
        seen[1] += amount


def _meets(param: Parameter, facts: dict[str, Any]) -> bool | None:
    """Whether ``facts`` meet every condition of ``param`` (None: a fact it needs is unknown)."""
    for fact, wanted in param.conditions.items():
        have = facts[fact]
        if have is None:
            return None
        if isinstance(wanted, bool):
            if have is not wanted:
                return False
        elif not (have & ({wanted} if isinstance(wanted, str) else set(wanted))):
            return False
    return True


__all__ = ["BASES", "FACTS", "MarketRegime", "market_rules"]
