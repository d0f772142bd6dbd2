"""Brazilian taxes on consumption (ICMS, Imposto sobre Circulação de Mercadorias e Serviços, a
state tax; II, Imposto de Importação, and PIS/Cofins-Importação, federal).

Brazil has no national VAT yet (CBS and IBS replace PIS/Cofins, IPI, ICMS and ISS from 2026 to
2033, Lei Complementar 214/2025). Parcels of up to USD 3,000 sent from abroad to consumers fall
under the Regime de Tributação Simplificada (RTS). Through a platform certified in the Remessa
Conforme programme (``marketplace.remessa_conforme``) the platform collects at checkout the import
tax (II: 20 % up to USD 50, 60 % less USD 20 above, from 2024-08-01, Law 14.902/2024; 0 % up to
USD 50 before) and the destination state's ICMS on remessas, computed "por dentro" on the customs
value plus II: ICMS = (value + II) / (1 − t) × t (Convênio ICMS 81/2023). Outside the programme,
and for every remessa before it started on 2023-08-01, the II is 60 % of every value and both taxes
are due at import (collected by customs, shown as ``tax_due_at_import``); before the uniform rate the
ICMS is the destination state's internal rate on imports, on the same "por dentro" base (LC 87/1996).
The USD 50 exemption of Portaria MF 156/1999 is only for a postal remessa between individuals
(``seller.type: individual``): applied before 2023-08-01 (``br.import.rts.individuals``, no II and no
ICMS), not distinguished from then on. The customs value is the goods and the shipping (CIF); the
order's value decides the band, once per remessa, and the USD 20 deduction is taken once, spread over
the lines with the taxes. Each line's ``breakdown`` holds its ``import_duty`` (jurisdiction ``BR``) and its
``icms`` (the state, ``BR-SP`` ...) with their legal rates; its ``rate_percent`` is the taxes
together as a share of the value. Limits in USD are compared at the ECB rate of the order date.

Prices that include the tax are solved backwards: a remessa's gross G is value + II + ICMS, so the
ICMS is t × G and the value (G × (1 − t) + deduction) / (1 + II rate), the band decided on that
value to the cent; an exclusive order and the inclusive order of its gross give the same taxes.
Where the taxes are due at import (not on the bill) the price is the value.

Business buyers and parcels above USD 3,000 are imports under the ordinary regime
(``br.import.regular``): due at import, the importer pays PIS/Cofins-Importação (2.10 % and 9.65 %
of the customs value, Lei 10.865/2004) and the destination state's internal ICMS "por dentro" on
value + PIS + Cofins. The II and IPI depend on the NCM tariff heading and are not computed (nor the
ICMS on them): a warning says so.

Goods sold from inside Brazil (a local warehouse, ``ship_from`` a Brazilian state) bear the ICMS of
the sale, collected by the seller (its CNPJ and state registration; Brazil has no marketplace
deemed-supplier rule for ICMS, so a marketplace collects nothing; a few states make it jointly
liable when the seller defaults), "por dentro": ICMS = net / (1 − t) × t, or t × the price where it
includes the tax. Within one state: the state's internal
(modal) rate (``icms_internal_rate_xx``). To a consumer in another state (EC 87/2015): the
interstate rate (12 %; 7 % from SP, RJ, MG, PR, RS, SC to the other states; 4 % for imported goods,
taken for a seller established abroad) goes to the origin state as ``icms`` and the difference to
the destination's internal rate as ``icms_difal`` to the destination, on the same base. To a
business in another state the interstate rate alone; the buyer owes any DIFAL (a warning says so).
In 2026 the invoice also shows the CBS 0.9 % and IBS 0.1 % test rates, whose payment is waived
(LC 214/2025 arts. 343, 346, 348 §1): a warning states them, nothing is charged.

Services from abroad: the foreign seller collects nothing. The ISS (LC 116/2003 art. 6 §2 I) and
PIS/Cofins-Importação (Lei 10.865/2004 art. 5 II) on an imported service are owed by the Brazilian
buyer (``collected_by: customer`` for a business, ``none`` for a consumer, with a warning); from
2027 the CBS (and IBS) on imported services are meant to be collected by the supplier or its
platform (LC 214/2025), not computed. Services sold from inside Brazil bear the ISS, a municipal tax
the seller owes (LC 116/2003, 2 % to 5 %): rule ``br.services.domestic.iss``, ``collected_by: seller``,
no amount (no municipality's rate is shipped) and an ``iss_rate_not_known`` warning.

The state ICMS rates on remessas are the ``BR-XX`` tables (regime ``br_icms``); the import tax
bands, the internal and interstate ICMS rates and the federal import contributions are dated data
in ``rates/parameters/BR.json``.

More information:

* https://www.confaz.fazenda.gov.br/legislacao/convenios/2023/CV081_23
* https://www.planalto.gov.br/ccivil_03/_ato2023-2026/2024/lei/L14902.htm
* https://www.gov.br/receitafederal/pt-br/assuntos/aduana-e-comercio-exterior/manuais/remessas-postal-e-expressa
* https://www.planalto.gov.br/ccivil_03/constituicao/emendas/emc/emc87.htm
* https://www.planalto.gov.br/ccivil_03/_ato2004-2006/2004/lei/l10.865.htm
* https://www.planalto.gov.br/ccivil_03/leis/lcp/lcp214.htm
* http://normas.receita.fazenda.gov.br/sijut2consulta/link.action?idAto=23977&visao=original
* https://www.planalto.gov.br/ccivil_03/leis/lcp/lcp87.htm
* https://www.planalto.gov.br/ccivil_03/leis/lcp/lcp116.htm

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("br_icms") is regime_for_table("br_tax")
True
"""


from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, ClassVar, NamedTuple

from taxapi.categories import RateKind
from taxapi.errors import ValidationFailed
from taxapi.money import exponent, fmt_percent, minor_units
from taxapi.rate_tables.combined import CombinedRate, Level
from taxapi.rate_tables.model import Jurisdiction
from taxapi.rate_tables.parameters import Limit
from taxapi.regimes.base import Collector, Context, Info, Reason, Scheme, SupplyKind, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("br", import_remessa_conforme="import.remessa_conforme", import_rts="import.rts",
                    import_rts_individuals="import.rts.individuals", import_regular="import.regular",
                    domestic_interstate="domestic.interstate",
                    domestic_b2b_interstate="domestic.b2b.interstate", tbe_import="tbe.import",
                    services_import="services.import", services_domestic_iss="services.domestic.iss")

#: The 26 states and the Federal District (ISO 3166-2:BR), each with its internal ICMS rate parameter.
STATES = ("AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA", "PB", "PE", "PI", "PR",
          "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO")
#: The states whose interstate sales to every other state bear 7 % (the South and Southeast but Espírito Santo,
#: Resolução do Senado Federal 22/1989).
_SOUTH = frozenset({"SP", "RJ", "MG", "PR", "RS", "SC"})
#: Each state's internal ICMS rate parameter, and what an order dated before its first day is told.
_INTERNAL_RATE = {f"BR-{s}": f"icms_internal_rate_{s.lower()}" for s in STATES}
_INTERNAL_RATE_FROM = {f"BR-{s}": f"before {{start}}, the first day of the internal ICMS rate of BR-{s} shipped" for s in STATES}
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_RATE_EXP = Decimal("0.0001")
_RC, _RTS, _REGULAR = Rule.import_remessa_conforme, Rule.import_rts, Rule.import_regular
_DOMESTIC_SALE, _INTERSTATE, _B2B_INTERSTATE = Rule.domestic, Rule.domestic_interstate, Rule.domestic_b2b_interstate
_MARKETPLACE = Collector.marketplace
_SERVICES_IMPORT = frozenset({Rule.tbe_import, Rule.services_import})
_NOT_TAXED = frozenset({RateKind.exempt, RateKind.none})
_EXEMPT, _NO_RATE = RateKind.exempt, RateKind.none  # tested by identity: ``in`` a set hashes a member in Python
_SECOND_BAND = "import_duty_certified_second_band_rate"
_new_tuple = tuple.__new__  # a named tuple without its Python-level __new__
_ENGINE: tuple[Any, Any, Any, Any] | None = None
_SERVICES_SOURCE = ("https://www.planalto.gov.br/ccivil_03/leis/lcp/lcp116.htm (LC 116/2003 art. 1 §1, art. 6 §2 I: the ISS on a "
                    "service from abroad is owed by its Brazilian buyer); https://www.planalto.gov.br/ccivil_03/_ato2004-2006/2004/lei/"
                    "l10.865.htm (Lei 10.865/2004 arts. 1 and 5 II: PIS/Cofins-Importação owed by the Brazilian contracting party)")
_SERVICES_RATE = CombinedRate("BR", _ZERO, _ZERO, RateKind.none, _SERVICES_SOURCE, None, (), False)
_ISS_SOURCE = ("https://www.planalto.gov.br/ccivil_03/leis/lcp/lcp116.htm (LC 116/2003 arts. 1, 3 and 5: the ISS, a municipal "
               "tax owed by the provider, in general to the municipality of its establishment; art. 8 II: at most 5 %; art. 8-A, "
               "added by LC 157/2016: at least 2 %)")
#: The ISS is due (a standard tax the seller collects) at a municipal rate no table holds: 0 stands for "not known".
_ISS_RATE = CombinedRate("BR", _ZERO, _ZERO, RateKind.standard, _ISS_SOURCE, None, (), False)


class BrTax(MarketRegime):
    code: ClassVar[str] = "BR"
    table_regimes: ClassVar[tuple[str, ...]] = ("br_tax", "br_icms")
    parameters: ClassVar[tuple[str, ...]] = (
        "lvg_rts_limit", "icms_method", "import_duty_certified_first_band_limit", "import_duty_certified_first_band_rate",
        "import_duty_certified_second_band_rate", "import_duty_certified_second_band_deduction", "import_duty_not_certified_rate",
        "icms_interstate_rate", "icms_interstate_rate_south_to_north", "icms_interstate_rate_imported", "pis_importacao_rate",
        "cofins_importacao_rate", "cbs_test_rate", "ibs_test_rate", "import_rts_individuals_limit",
        *(f"icms_internal_rate_{s.lower()}" for s in STATES),
    )
    rule_sources: ClassVar[dict[str, str]] = {"br": "https://www.confaz.fazenda.gov.br/legislacao/convenios/2023/CV081_23"}
    Rule: ClassVar[type[StrEnum]] = Rule
    #: The remessas, ordinary imports and sales from inside Brazil: their taxes are computed in ``finish`` only.
    own_tax_rules: ClassVar[frozenset[StrEnum]] = frozenset({Rule.import_remessa_conforme, Rule.import_rts, Rule.import_regular,
                                                             Rule.domestic, Rule.domestic_interstate, Rule.domestic_b2b_interstate})

    def goods(self, ctx: Context) -> Treatment:
        order = ctx.order
        dest = self.state(ctx.dest.jurisdiction, ["ship_to", "region"], order.ship_to.region, "destination")
        if ctx.origin.regime is self:
            return self.domestic(ctx, dest)
        if self.business(ctx):
            return self.regular_import(ctx, dest)
        ctx.unsupported_before(self, "lvg_rts_limit", "The Brazilian remessa rules are computed from {start}.",
                               "before {start}, the first day of the simplified regime's shipped rules")
        if not order.prices_include_tax:  # an inclusive price is tested on the value solved from it (finish)
            value, limit = ctx.compare(ctx.goods_value + ctx.shipping_value, self, "lvg_rts_limit", "simplified regime limit (RTS)")
            if limit is not None and value > limit.amount:
                return self.regular_import(ctx, dest)
        if (order.seller.type == "individual" and order.transport_mode == "post"
                and ctx.limit(self, "import_rts_individuals_limit") is not None):  # in force: no conversion otherwise
            value, limit = ctx.compare(ctx.goods_value + ctx.shipping_value, self, "import_rts_individuals_limit",
                                       "postal remessa between individuals")
            if limit is not None and value <= limit.amount:
                return self.treatment(ctx, dest, Rule.import_rts_individuals)
        if ctx.facilitated and order.marketplace is not None and order.marketplace.remessa_conforme:
            if ctx.value(self, "import_duty_certified_second_band_rate") is not None:  # the programme has started
                return self.treatment(ctx, dest, _RC)
            ctx.warn("remessa_conforme_not_started", f"Remessa Conforme started on "
                     f"{ctx.starts_on(self, 'import_duty_certified_second_band_rate').isoformat()}: before it a platform "
                     "collected nothing, and the import tax (60 % from the first dollar) and the state's ICMS were due at import.")
        return ctx.border(Rule.import_rts, duty_free=True, jurisdiction=dest)  # the import tax is computed: no duty warning

    @staticmethod
    def treatment(ctx: Context, j: Jurisdiction, rule: StrEnum) -> Treatment:
        """The treatment of a remessa through Remessa Conforme, or between individuals, in the state ``j`` (built once
        per state and rule, kept in the rate book)."""
        key = (j.id, rule is _RC)
        cache = ctx.book.memo.get("br_treatment") or ctx.book.cache("br_treatment")
        hit = cache.get(key)
        if hit is None:
            if rule is Rule.import_remessa_conforme:
                hit = Treatment(j, Collector.marketplace, Scheme.domestic, rule, True, reason=Reason.marketplace_collects)
            else:
                hit = Treatment(j, Collector.none, Scheme.none, rule, False, reason=Reason.product_exempt, exempt_import=True)
            cache[key] = hit
        return hit  # type: ignore[return-value]

    @staticmethod
    def state(j: Jurisdiction | None, loc: list[str | int], region: str | None, what: str) -> Jurisdiction:
        """The state table of an address (``BR-SP`` ...), or a 422 naming the field that lacks one."""
        if j is None or j.regime != "br_icms":
            raise ValidationFailed.at(loc, (
                f"'{region}' is not a Brazilian state" if region else f"the {what} state is required for Brazil") +
                " (ISO 3166-2:BR code such as SP or RJ): it decides the ICMS rate")
        return j

    def domestic(self, ctx: Context, dest: Jurisdiction) -> Treatment:
        """Goods sold from inside Brazil: the ICMS of the sale, collected by the seller (see the module's text)."""
        origin = self.state(ctx.origin.jurisdiction, ["ship_from", "region"], ctx.order.ship_from.region, "origin")
        self.internal_rates_from(ctx, "The internal ICMS of goods sold from inside Brazil is computed from {start}.", dest, origin)
        if ctx.facilitated:
            ctx.warn("marketplace_not_liable", "Brazil has no marketplace deemed-supplier rule for ICMS: the seller, with its "
                     "CNPJ and state registration, collects the ICMS; the marketplace collects nothing. Some states (BA, CE, "
                     "MT, PB, RJ, SP) make it jointly liable when the seller issues no invoice or does not pay (before the STF "
                     "with general repercussion).")
        self.test_year(ctx)
        if origin.id == dest.id:
            return self.domestic_sale(ctx, dest, Rule.domestic)
        if self.business(ctx):
            ctx.warn("difal_owed_by_buyer", "An interstate sale to a business bears the interstate ICMS rate; the buyer owes the "
                     "difference to its state's internal rate (DIFAL) on goods for its own use, which is not computed.")
            return self.domestic_sale(ctx, dest, Rule.domestic_b2b_interstate)
        return self.domestic_sale(ctx, dest, Rule.domestic_interstate)

    def individuals_rate(self, ctx: Context) -> CombinedRate:
        """A postal remessa between individuals within the exemption: no II and no ICMS, with their sources."""
        period = ctx.parameter(self, "import_rts_individuals_limit").on(ctx.day)
        assert period is not None
        return CombinedRate("BR", _ZERO, _ZERO, RateKind.exempt, period.source, None, (), False)

    def test_year(self, ctx: Context) -> None:
        """The 2026 CBS and IBS test rates a Brazilian seller's invoice states, in a warning (not charged; its text is
        kept in the rate book per day)."""
        cache = ctx.book.memo.get("br_test_year") or ctx.book.cache("br_test_year")
        text = cache.get(ctx.day)
        if text is None:
            cbs, ibs = ctx.value(self, "cbs_test_rate"), ctx.value(self, "ibs_test_rate")
            text = "" if cbs is None else (
                f"In {ctx.day.year} the invoice shows CBS {cbs} % and IBS {ibs} % (LC 214/2025 arts. 343 and 346); their "
                "payment is waived for a seller meeting the invoicing obligations (art. 348 §1), so they are not charged here.")
            if len(cache) < 10_000:  # the tax date is the caller's: bounded like the book's other caches
                cache[ctx.day] = text
        if text:
            ctx.warn("cbs_ibs_test_year", text)

    def regular_import(self, ctx: Context, dest: Jurisdiction) -> Treatment:
        """An import under the ordinary regime (a business buyer, a parcel above USD 3,000): due at import."""
        self.internal_rates_from(ctx, "Brazilian imports under the ordinary regime are computed from {start}.", dest)
        ctx.warn("import_duty_by_tariff_heading", "Under the ordinary import regime the import tax (II) and the IPI depend on "
                 "the goods' NCM tariff heading and are not computed, nor the ICMS on them: tax_due_at_import holds "
                 "PIS/Cofins-Importação and the state's ICMS on the value and those two.")
        return ctx.border(Rule.import_regular, duty_free=True, jurisdiction=dest)  # its own warning says what is not computed

    @staticmethod
    def business(ctx: Context) -> bool:
        """Whether the buyer is a business: a valid tax number, or ``customer.type`` business alone (a CNPJ is not
        validated, so a Brazilian business is known by its type; a warning says its number was not checked)."""
        if ctx.b2b:
            return True
        if ctx.order.customer.type != "business":
            return False
        ctx.warnings.pop("business_without_tax_id", None)  # the EU rule that warning states does not apply here
        ctx.warn("business_tax_id_not_checked", "The buyer is taken as a business from customer.type: its CNPJ is not checked.")
        return True

    def internal_rates_from(self, ctx: Context, detail: str, *states: Jurisdiction) -> None:
        """Refuse an order dated before the internal ICMS rate of one of ``states`` is shipped."""
        for j in states:
            ctx.unsupported_before(self, _INTERNAL_RATE[j.id], detail, _INTERNAL_RATE_FROM[j.id])

    @staticmethod
    def internal_rate(j: Jurisdiction) -> str:
        """The parameter holding the internal ICMS rate of the state ``j`` (``BR-SP`` -> ``icms_internal_rate_sp``)."""
        return _INTERNAL_RATE[j.id]

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        if kind is SupplyKind.admission:
            return super().services(ctx, kind)
        if ctx.seller_country == self.code:
            return self.domestic_service(ctx)
        if self.business(ctx):
            ctx.warn("imported_service_taxes_not_computed", "The Brazilian business buyer owes the ISS (its municipality's "
                     "rate) and PIS/Cofins-Importação on a service from abroad; they are not computed.")
            return Treatment(ctx.dest.jurisdiction, Collector.customer, Scheme.none, Rule.services_b2b_reverse_charge, False,
                             reason=Reason.reverse_charge, info=Info.reverse_charge)
        ctx.warn("imported_service_taxes_owed_by_buyer", "A seller established abroad collects no Brazilian tax on services to "
                 "consumers: the ISS and PIS/Cofins-Importação on an imported service are owed by the buyer in Brazil (LC "
                 "116/2003 art. 6 §2 I; Lei 10.865/2004 art. 5 II). From 2027 the CBS and IBS on services imported by consumers "
                 "are meant to be collected by the foreign supplier or its platform (LC 214/2025); not computed.")
        rule = Rule.tbe_import if kind is SupplyKind.tbe else Rule.services_import
        return Treatment(None, Collector.none, Scheme.none, rule, False, reason=Reason.not_collecting)

    def domestic_service(self, ctx: Context) -> Treatment:
        """A service sold by a Brazilian seller: the municipal ISS, which the seller collects; no municipality's rate is
        shipped, so it is answered with no amount and a warning (as a US sale without its local table)."""
        self.business(ctx)  # a business buyer is known by its type (its CNPJ is not checked): the warning says so
        ctx.warn("iss_rate_not_known", "A service sold from inside Brazil bears the ISS, a municipal tax the seller owes (LC "
                 "116/2003 arts. 1 and 5), in general to the municipality of its establishment (art. 3), at that "
                 "municipality's rate between 2 % (art. 8-A, LC 157/2016) and 5 % (art. 8 II); a business buyer may have to "
                 "withhold it (art. 6). No municipal rate table is shipped, so the ISS is not computed: the line's rate 0 "
                 "stands for a rate not known. PIS/Cofins on the seller's revenue depend on its income-tax regime and are "
                 "not computed either.")
        self.test_year(ctx)
        return Treatment(None, Collector.seller, Scheme.domestic, Rule.services_domestic_iss, True)

    def percent(self, ctx: Context, name: str) -> tuple[Decimal, str]:
        """The percent parameter ``name`` in force on the order date, and its source."""
        rate = ctx.value(self, name)
        period = ctx.parameter(self, name).on(ctx.day)
        assert period is not None and isinstance(rate, Decimal), name
        return rate, period.source

    def duty(self, ctx: Context, name: str) -> Duty:
        """The import tax of the band parameter ``name`` on the order date (kept in the rate book per day)."""
        key = (name, ctx.day)
        cache = ctx.book.memo.get("br_duty") or ctx.book.cache("br_duty")
        hit = cache.get(key)
        if hit is None:
            rate, source = self.percent(ctx, name)
            found = ctx.limit(self, "import_duty_certified_second_band_deduction") if name == _SECOND_BAND else None
            level = Level("BR", "import_duty", RateKind.standard, Decimal(fmt_percent(rate)), source, "Brazil")
            hit = Duty(name, rate, rate.as_integer_ratio(), source, level, found,
                       f"{found.currency} {found.amount:,} import tax deduction" if found is not None else "",
                       found.amount / _ONE if found is not None else _ZERO, {})
            if len(cache) < 100_000:
                cache[key] = hit
        return hit  # type: ignore[return-value]

    def import_duty(self, ctx: Context, value: Decimal, certified: bool) -> tuple[Duty, Decimal, bool]:
        """The import tax band of a remessa of ``value``, the deduction in the order currency, and whether it is the
        lower band."""
        if not certified:
            return self.duty(ctx, "import_duty_not_certified_rate"), _ZERO, False
        in_usd, first = ctx.compare(value, self, "import_duty_certified_first_band_limit", "import tax band (Remessa Conforme)")
        if first is not None and in_usd <= first.amount:
            return self.duty(ctx, "import_duty_certified_first_band_rate"), _ZERO, True
        duty = self.duty(ctx, _SECOND_BAND)
        found = duty.deduction
        if found is None:
            return duty, _ZERO, False
        if found.currency == ctx.order.currency:  # no conversion: the amount (as the division by 1 below writes it)
            return duty, duty.deduction_same, False
        # USD into the order currency: the rate of the order currency to USD, inverted.
        return duty, found.amount / ctx.convert(_ONE, found.currency, duty.deduction_purpose), False

    def solve_value(self, ctx: Context, gross: Decimal, t: Decimal, exp: Decimal) -> tuple[Decimal, Duty, Decimal]:
        """The customs value of a remessa whose price with II and ICMS (collected at checkout) is ``gross``, with the
        import tax band and deduction: gross x (1 - t) is value + II, so value = (gross x (1 - t) + deduction) / (1 +
        II rate). The lower band is taken when the value it gives is within it to the cent."""
        before_icms = gross * (_ONE - t)
        duty = self.import_duty(ctx, _ZERO, True)[0]  # the lower band's rate
        value = before_icms / (_ONE + duty.rate / _HUNDRED)
        duty, deduction, lower = self.import_duty(ctx, value.quantize(exp, ROUND_HALF_UP), True)
        if lower:
            return value, duty, deduction
        value = (before_icms + deduction) / (_ONE + duty.rate / _HUNDRED)
        if self.import_duty(ctx, value, True)[2]:
            raise ValidationFailed.at(["prices_include_tax"], "no customs value under the import tax bands of the order date "
                                      "gives this price including the tax; send the price without the tax")
        return value, duty, deduction

    # ----- the taxes, once every line's treatment is known ----------------------------------------
    # What the taxes need besides the amounts (the rates in force, their sources, the breakdown's levels, the lines'
    # rate) depends on the day, the states, the rule and the band: it is laid out once (a Layout kept in the rate
    # book) and each order only computes its amounts.
    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        remessa: list[Any] = []
        regular: list[Any] = []
        domestic: list[Any] = []
        for it in items:  # identity tests: ``in`` a set of rules hashes each member in Python
            rule = it.treatment.rule
            if rule is _RC or rule is _RTS:
                remessa.append(it)
            elif rule is _REGULAR:
                regular.append(it)
            elif rule is _DOMESTIC_SALE or rule is _INTERSTATE or rule is _B2B_INTERSTATE:
                domestic.append(it)
            elif rule in _SERVICES_IMPORT:
                it.rate = _SERVICES_RATE
            elif rule is Rule.services_domestic_iss:
                it.rate = _ISS_RATE
            elif rule is Rule.import_rts_individuals:
                it.rate = self.individuals_rate(ctx)
        if remessa or regular or domestic:
            exp = _EXPONENTS.get(ctx.order.currency) or _exponent(ctx.order.currency)
            if remessa:
                regular += self.remessa(ctx, remessa, exp)
            if regular:
                self.regular(ctx, regular, exp)
            if domestic:
                self.sale(ctx, domestic, exp)

    @staticmethod
    def engine() -> tuple[Any, Any, Any, Any]:
        """The engine's breakdown record, share allocator, integer weights and integer split (the engine imports the
        regimes: read late, once)."""
        global _ENGINE
        if _ENGINE is None:
            from taxapi.orders.results import BreakdownEntry
            from taxapi.orders.service import _allocate, _scaled, _split_units

            _ENGINE = (BreakdownEntry, _allocate, _scaled, _split_units)
        return _ENGINE

    @staticmethod
    def layout(ctx: Context, key: tuple[Any, ...], build: Callable[[], Layout]) -> Layout:
        """The :class:`Layout` of ``key`` (the objects and facts that decide it), built by ``build`` once and kept in
        the rate book."""
        cache = ctx.book.memo.get("br_layout") or ctx.book.cache("br_layout")
        hit = cache.get(key)
        if hit is None:
            hit = BrTax.keep(cache, key, build())
        return hit  # type: ignore[return-value]

    @staticmethod
    def keep(cache: dict[Any, Any], key: tuple[Any, ...], layout: Layout) -> Layout:
        """``layout`` kept in ``cache`` under ``key`` (up to 100,000 of them)."""
        if len(cache) < 100_000:
            cache[key] = layout
        return layout

    def remessa(self, ctx: Context, items: list[Any], exp: Decimal) -> list[Any]:
        """The remessa's II and ICMS "por dentro", spread over its taxable items by value, with their breakdown; or,
        when a price including the tax turns out above the RTS limit, its items under the ordinary regime (returned)."""
        taxed = [it for it in items if it.rate.rate_kind is not _EXEMPT and it.rate.rate_kind is not _NO_RATE]
        treatment = items[0].treatment
        certified = treatment.collected_by is _MARKETPLACE
        inclusive = ctx.order.prices_include_tax
        j = treatment.jurisdiction
        assert j is not None
        state = taxed[0].rate if taxed else None
        t = state.rate_fraction if state is not None else _ZERO
        scale = _SCALES.get(exp) or _scale(exp)
        units = [int(it.base * scale) for it in taxed]
        units_sum = net_units = sum(units)
        if inclusive:
            base = value = net_units * exp  # the taxable value (its lines' sum, exact)
            if certified and taxed:
                value, duty, deduction = self.solve_value(ctx, base, t, exp)
            whole = value + sum((it.base for it in items if it.rate.rate_kind in _NOT_TAXED), _ZERO)
            in_usd, limit = ctx.compare(whole.quantize(exp, ROUND_HALF_UP), self, "lvg_rts_limit", "simplified regime limit (RTS)")
            if limit is not None and in_usd > limit.amount:
                treatment = self.regular_import(ctx, j)
                for it in items:
                    it.treatment = treatment
                    it.tax = it.raw_tax = _ZERO * exp
                return items
        if not taxed:
            return []
        assert state is not None
        if not (inclusive and certified):
            duty, deduction, _ = self.import_duty(ctx, ctx.goods_value + ctx.shipping_value if not inclusive else base, certified)
        # The layout is decided by the state's table rate and the band (objects of one day, which the layout keeps).
        layouts = ctx.book.memo.get("br_layout") or ctx.book.cache("br_layout")
        lay = layouts.get((id(state), id(duty)))
        if lay is None:
            lay = self.keep(layouts, (id(state), id(duty)), Layout.of((duty.level, Level(
                j.id, "icms", state.rate_kind, state.rate_percent, state.source, j.name)), state.own, (_ONE - t,), (_ratio(t),),
                (state, duty)))
        if inclusive and certified:  # the value solved from the price: in Decimal, as the price it comes from
            amount = max(_ZERO, value * duty.rate / _HUNDRED - deduction).quantize(exp, ROUND_HALF_UP)
            icms = (base * t).quantize(exp, ROUND_HALF_UP)  # "por dentro": the ICMS is t of the price it is part of
            net = base - amount - icms
            totals = [int(amount * scale), int(icms * scale)]
            net_units = int(net * scale)
        else:
            # value x rate / 100 - deduction and (value + II) / (1 - t) x t in whole minor units, rounded half up; an
            # exact half (or a deduction in another currency) is computed in Decimal as written.
            rn, rd = duty.ratio
            cut = 0 if deduction is _ZERO else duty.deduction_units(deduction, exp)
            num = net_units * rn - 100 * rd * cut if cut is not None else None
            duty_units = (0 if num <= 0 else _half_up(num, 100 * rd)) if num is not None else None
            if duty_units is None:
                duty_units = int(max(_ZERO, net_units * exp * duty.rate / _HUNDRED - deduction).quantize(exp, ROUND_HALF_UP)
                                 * scale)
            tn, td = lay.ratios[0]
            icms_units = _half_up((net_units + duty_units) * tn, td - tn)
            if icms_units is None:
                icms_units = int((((net_units + duty_units) * exp) / lay.numbers[0] * t).quantize(exp, ROUND_HALF_UP) * scale)
            totals = [duty_units, icms_units]
        self.spread(taxed, units, units_sum, totals, lay, exp, lay.share_rate(totals, net_units, exp))
        return []

    def regular(self, ctx: Context, items: list[Any], exp: Decimal) -> None:
        """An ordinary import: PIS/Cofins-Importação on the customs value, the state's internal ICMS "por dentro" on the
        value and both, due at import (the II and IPI by NCM heading are not computed: a warning says so). In whole
        minor units, rounded half up; an exact half is computed in Decimal as written."""
        taxed = [it for it in items if it.rate.rate_kind is not _EXEMPT and it.rate.rate_kind is not _NO_RATE]
        if not taxed:
            return
        j = items[0].treatment.jurisdiction
        assert j is not None
        table = taxed[0].rate
        layouts = ctx.book.memo.get("br_layout") or ctx.book.cache("br_layout")  # self.layout, without a closure per order
        lay = layouts.get((id(table), ctx.day))
        if lay is None:
            lay = self.keep(layouts, (id(table), ctx.day), self.regular_layout(ctx, j, table))
        pis_rate, cofins_rate, t, to_price = lay.numbers
        (pn, pd), (cn, cd), (tn, td) = lay.ratios
        scale = _SCALES.get(exp) or _scale(exp)
        units = [int(it.base * scale) for it in taxed]
        value = sum(units)
        pis = _half_up(value * pn, 100 * pd)
        if pis is None:
            pis = int((value * exp * pis_rate / _HUNDRED).quantize(exp, ROUND_HALF_UP) * scale)
        cofins = _half_up(value * cn, 100 * cd)
        if cofins is None:
            cofins = int((value * exp * cofins_rate / _HUNDRED).quantize(exp, ROUND_HALF_UP) * scale)
        icms = _half_up((value + pis + cofins) * tn, td - tn)
        if icms is None:
            icms = int((((value + pis + cofins) * exp) / to_price * t).quantize(exp, ROUND_HALF_UP) * scale)
        totals = [pis, cofins, icms]
        self.spread(taxed, units, value, totals, lay, exp, lay.share_rate(totals, value, exp))

    def regular_layout(self, ctx: Context, j: Jurisdiction, table: CombinedRate) -> Layout:
        """An ordinary import's levels: PIS and Cofins-Importação, and the state's internal ICMS."""
        pis_rate, pis_source = self.percent(ctx, "pis_importacao_rate")
        cofins_rate, cofins_source = self.percent(ctx, "cofins_importacao_rate")
        icms_rate, icms_source = self.percent(ctx, self.internal_rate(j))
        t = icms_rate / _HUNDRED
        return Layout.of((Level("BR", "pis_importacao", RateKind.standard, pis_rate, pis_source, "Brazil"),
                          Level("BR", "cofins_importacao", RateKind.standard, cofins_rate, cofins_source, "Brazil"),
                          Level(j.id, "icms", RateKind.standard, icms_rate, icms_source, j.name)),
                         table.own, (pis_rate, cofins_rate, t, _ONE - t), (_ratio(pis_rate), _ratio(cofins_rate), _ratio(t)),
                         (table,))

    def sale(self, ctx: Context, items: list[Any], exp: Decimal) -> None:
        """A sale from inside Brazil: the ICMS "por dentro" at the destination's internal rate, or for an interstate sale
        the interstate rate (origin state) and the DIFAL (destination) on the same base; a business in another state
        bears the interstate rate alone. Rounded per line or per document as the order asks.

        Each level's tax is the price times to_gross (1, or 1 / (1 - t) rounded to the context's digits) times the
        level's rate, rounded half up. Computed exactly in whole minor units (``ratios``: each level's rate times
        1 / (1 - t) as a fraction), it rounds alike unless it is an exact half, which is computed in Decimal as written
        (28 digits cannot move a value off a half by a whole fraction of these denominators)."""
        taxed = [it for it in items if it.rate.rate_kind is not _EXEMPT and it.rate.rate_kind is not _NO_RATE]
        if not taxed:
            return
        treatment = items[0].treatment
        dest = treatment.jurisdiction
        origin = ctx.origin.jurisdiction
        assert dest is not None and origin is not None
        abroad = ctx.order.seller.country != self.code
        inclusive = ctx.order.prices_include_tax
        table = taxed[0].rate
        # The treatment (one per state and rule) and the table rate (its own lookup) are kept by the layout.
        lay = self.layout(ctx, (id(treatment), id(table), origin.id, abroad, inclusive, ctx.day),
                          lambda: self.sale_layout(ctx, origin, dest, treatment, abroad, inclusive, table))
        to_gross, *fractions = lay.numbers
        scale = _SCALES.get(exp) or _scale(exp)
        units = [int(it.base * scale) for it in taxed]
        if ctx.order.rounding == "per_line":
            columns = []
            for r, (n, d) in zip(fractions, lay.ratios):
                column = []
                for it, u in zip(taxed, units):
                    q, rest = divmod(u * n, d)  # rounded half up; an exact half in Decimal as written
                    if 2 * rest >= d:
                        q = q + 1 if 2 * rest > d else int((it.base * to_gross * r).quantize(exp, ROUND_HALF_UP) * scale)
                    column.append(q)
                columns.append(column)
            self.put(taxed, columns, lay, exp, lay.rate)
        else:
            value = sum(units)
            totals = []
            for r, (n, d) in zip(fractions, lay.ratios):
                q = _half_up(value * n, d)
                totals.append(q if q is not None else int((value * exp * to_gross * r).quantize(exp, ROUND_HALF_UP) * scale))
            self.spread(taxed, units, value, totals, lay, exp, lay.rate)

    def sale_layout(self, ctx: Context, origin: Jurisdiction, dest: Jurisdiction, treatment: Treatment, abroad: bool,
                    inclusive: bool, table: CombinedRate) -> Layout:
        """A sale's levels (the internal rate, or the interstate rate and the DIFAL); the factor to the price the ICMS
        is part of and each level's fraction of it; the lines' rate, the ICMS as a share of the net price."""
        rule, own = treatment.rule, table.own
        internal, internal_source = self.percent(ctx, self.internal_rate(dest))
        if rule is Rule.domestic:
            levels: tuple[Level, ...] = (Level(dest.id, "icms", RateKind.standard, internal, internal_source, dest.name),)
        else:
            if abroad:
                name = "icms_interstate_rate_imported"
            elif origin.id[3:] in _SOUTH and dest.id[3:] not in _SOUTH:
                name = "icms_interstate_rate_south_to_north"
            else:
                name = "icms_interstate_rate"
            inter, inter_source = self.percent(ctx, name)
            levels = (Level(origin.id, "icms", RateKind.standard, inter, inter_source, origin.name),)
            if rule is Rule.domestic_interstate:
                levels += (Level(dest.id, "icms_difal", RateKind.standard, Decimal(fmt_percent(internal - inter)),
                                 internal_source, dest.name),)
        t = sum((lv.rate_percent for lv in levels), _ZERO) / _HUNDRED
        to_gross = _ONE if inclusive else _ONE / (_ONE - t)
        exact = Fraction(1) if inclusive else 1 / (1 - Fraction(t))
        effective = Decimal(fmt_percent((to_gross * t * _HUNDRED if to_gross != _ONE else t / (_ONE - t) * _HUNDRED)
                                        .quantize(_RATE_EXP, ROUND_HALF_UP)))
        fractions = tuple(lv.rate_percent / _HUNDRED for lv in levels)
        lay = Layout.of(levels, own, (to_gross, *fractions), tuple(_ratio(exact * Fraction(r)) for r in fractions),
                        (treatment, table))
        return lay._replace(rate=CombinedRate(dest.id, effective, effective / _HUNDRED, RateKind.standard, lay.source, own,
                                              levels, True))

    def spread(self, taxed: list[Any], units: list[int], whole: int, totals: list[int], lay: Layout, exp: Decimal,
               rate: CombinedRate) -> None:
        """Each level's total (whole minor units) spread over the items by their bases (``units``, summing to ``whole``)
        as the engine splits an amount, with their breakdown and ``rate``."""
        if len(taxed) == 1:
            self.put(taxed, [[total] for total in totals], lay, exp, rate)
            return
        engine = _ENGINE or self.engine()
        split_units = engine[3] if whole > 0 else None
        columns: list[list[int]] = []
        for total in totals:
            shares = split_units(total, units, whole) if split_units is not None else None
            if shares is None:  # equal remainders compete, or nothing to weigh by: the engine ranks them
                scale = _SCALES.get(exp) or _scale(exp)
                shares = [int(a * scale) for a in engine[1](total * exp, [it.base for it in taxed], exp,
                                                             lambda: [(it.index, it.line_id or "") for it in taxed])]
            columns.append(shares)
        self.put(taxed, columns, lay, exp, rate)

    def put(self, taxed: list[Any], columns: list[list[int]], lay: Layout, exp: Decimal, rate: CombinedRate) -> None:
        """The items' taxes by level (``columns``: per level, each item's amount in minor units ``exp``): their breakdown
        and tax (records shared between orders, kept in the layout per amounts), on the bill or due at import, and
        their ``rate``."""
        records = lay.records.get(exp)
        if records is None:
            records = lay.records[exp] = {}
        on_bill = taxed[0].treatment.on_bill  # one treatment per spread: a remessa, an import, a sale
        for it, row in zip(taxed, zip(*columns)):
            hit = records.get(row)
            if hit is None:
                entry = self.engine()[0]
                amounts = [q * exp for q in row]
                hit = (tuple([_new_tuple(entry, (jurisdiction, level, percent, amount, name))
                              for (jurisdiction, level, percent, name), amount in zip(lay.heads, amounts)]),
                       sum(amounts, _ZERO))
                if len(records) < 10_000:
                    records[row] = hit
            it.rate = rate
            it.breakdown, tax = hit
            if on_bill:
                it.tax = it.raw_tax = tax
            else:
                it.info_tax = tax


class Duty(NamedTuple):
    """An import tax band on a day: its parameter, rate (percent, and as a fraction of integers) and source, its
    breakdown level, and the deduction of the upper band (with the purpose its conversion is recorded under)."""

    name: str
    rate: Decimal
    ratio: tuple[int, int]
    source: str
    level: Level
    deduction: Limit | None
    deduction_purpose: str
    deduction_same: Decimal  # the deduction in an order of its own currency
    units: dict[Decimal, int | None]  # deduction_same in whole minor units, by currency exponent (None: not whole)

    def deduction_units(self, deduction: Decimal, exp: Decimal) -> int | None:
        """``deduction`` in whole minor units ``exp``; None where it is not whole (converted from another currency)."""
        if deduction is not self.deduction_same:
            cut = deduction / exp
            return int(cut) if cut == int(cut) else None
        found = self.units.get(exp, _ZERO)
        if found is _ZERO:
            cut = deduction / exp
            found = self.units[exp] = int(cut) if cut == int(cut) else None
        return found  # type: ignore[return-value]


class Layout(NamedTuple):
    """What the taxes of a remessa, an import or a sale need besides their amounts: the breakdown's levels and
    their record fields but the amount (``heads``), their sources together, the lines' own rate lookup, the numbers
    the rule computes with (as written, and as fractions of integers), the lines' rate: fixed (a sale), or by the
    taxes' share of the value (``rates``); and the breakdown records by amounts (``records``)."""

    levels: tuple[Level, ...]
    heads: tuple[tuple[str, str, Decimal, str], ...]
    source: str
    own: Any
    numbers: tuple[Decimal, ...]
    ratios: tuple[tuple[int, int], ...]
    rates: dict[int, CombinedRate]
    records: dict[Decimal, dict[tuple[int, ...], tuple[tuple[Any, ...], Decimal]]]
    keeps: tuple[Any, ...]  # the objects whose ids key it: kept alive with it, their ids are not reused
    rate: CombinedRate | None = None

    @classmethod
    def of(cls, levels: tuple[Level, ...], own: Any, numbers: tuple[Decimal, ...], ratios: tuple[tuple[int, int], ...],
           keeps: tuple[Any, ...]) -> Layout:
        return cls(levels, tuple([(lv.jurisdiction, lv.level, lv.rate_percent, lv.name) for lv in levels]),
                   "; ".join(dict.fromkeys(lv.source for lv in levels)), own, numbers, ratios, {}, {}, keeps)

    def share_rate(self, totals: list[int], net: int, exp: Decimal) -> CombinedRate:
        """The lines' rate: the levels' ``totals`` together as a share of ``net`` (whole minor units ``exp``), in percent
        to four places rounded half up; one per share, kept here (an exact half is computed in Decimal each time)."""
        last = self.levels[-1]
        if not net:
            return CombinedRate(last.jurisdiction, _ZERO, _ZERO / _HUNDRED, last.rate_kind, self.source, self.own, self.levels, True)
        key = _half_up(sum(totals) * 1_000_000, net)
        rate = self.rates.get(key) if key is not None else None
        if rate is None:
            share = (sum([q * exp for q in totals], _ZERO) / (net * exp) * _HUNDRED).quantize(_RATE_EXP, ROUND_HALF_UP)
            effective = Decimal(fmt_percent(share))
            rate = CombinedRate(last.jurisdiction, effective, effective / _HUNDRED, last.rate_kind, self.source, self.own,
                                self.levels, True)
            if key is not None and len(self.rates) < 10_000:
                self.rates[key] = rate
        return rate


def _half_up(num: int, den: int) -> int | None:
    """``num / den`` (``den`` > 0) rounded half up to an integer; None for an exact half (left to the Decimal formula
    it stands for, which may see it a 28th digit off)."""
    q, r = divmod(num, den)
    twice = 2 * r
    if twice == den:
        return None
    return q + 1 if twice > den else q


def _ratio(x: Decimal | Fraction) -> tuple[int, int]:
    """``x`` as a fraction of integers (numerator, denominator)."""
    return x.as_integer_ratio()


_EXPONENTS: dict[str, Decimal] = {}


def _exponent(currency: str) -> Decimal:
    """The minor unit of ``currency`` (0.01 for BRL), kept per currency."""
    found = _EXPONENTS[currency] = exponent(minor_units(currency))
    return found


_SCALES: dict[Decimal, Decimal] = {}


def _scale(exp: Decimal) -> Decimal:
    """The factor from an amount in the currency to its whole minor units (100 for 0.01)."""
    found = _SCALES.get(exp)
    if found is None:
        found = _SCALES[exp] = _ONE / exp
    return found


BR_TAX = BrTax()
