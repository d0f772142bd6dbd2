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
from typing import Any, ClassVar

from taxapi.categories import RateKind
from taxapi.errors import ValidationFailed
from taxapi.money import exponent, fmt_percent, minor_units
from taxapi.rate_tables.combined import CombinedRate, Level
from taxapi.rate_tables.model import Jurisdiction
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
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_RATE_EXP = Decimal("0.0001")
_REMESSA = frozenset({Rule.import_remessa_conforme, Rule.import_rts})
_DOMESTIC = frozenset({Rule.domestic, Rule.domestic_interstate, Rule.domestic_b2b_interstate})
_SERVICES_IMPORT = frozenset({Rule.tbe_import, Rule.services_import})
_NOT_TAXED = frozenset({RateKind.exempt, RateKind.none})
_new_tuple = tuple.__new__  # a named tuple without its Python-level __new__
_ENGINE: tuple[Any, Any] | None = None
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
                return Treatment(dest, Collector.none, Scheme.none, Rule.import_rts_individuals, False,
                                 reason=Reason.product_exempt, exempt_import=True)
        if ctx.facilitated and order.marketplace is not None and order.marketplace.remessa_conforme:
            if ctx.value(self, "import_duty_certified_second_band_rate") is not None:  # the programme has started
                return Treatment(dest, Collector.marketplace, Scheme.domestic, Rule.import_remessa_conforme, True,
                                 reason=Reason.marketplace_collects)
            ctx.warn("remessa_conforme_not_started", f"Remessa Conforme started on "
                     f"{ctx.starts_on(self, 'import_duty_certified_second_band_rate').isoformat()}: before it a platform "
                     "collected nothing, and the import tax (60 % from the first dollar) and the state's ICMS were due at import.")
        return Treatment(dest, Collector.customs, Scheme.none, Rule.import_rts, False, reason=Reason.import_vat_at_border,
                         info=Info.import_)

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
            return Treatment(dest, Collector.seller, Scheme.domestic, Rule.domestic, True)
        if self.business(ctx):
            ctx.warn("difal_owed_by_buyer", "An interstate sale to a business bears the interstate ICMS rate; the buyer owes the "
                     "difference to its state's internal rate (DIFAL) on goods for its own use, which is not computed.")
            return Treatment(dest, Collector.seller, Scheme.domestic, Rule.domestic_b2b_interstate, True)
        return Treatment(dest, Collector.seller, Scheme.domestic, Rule.domestic_interstate, True)

    def individuals_rate(self, ctx: Context) -> CombinedRate:
        """A postal remessa between individuals within the exemption: no II and no ICMS, with their sources."""
        period = ctx.parameter(self, "import_rts_individuals_limit").on(ctx.day)
        assert period is not None
        return CombinedRate("BR", _ZERO, _ZERO, RateKind.exempt, period.source, None, (), False)

    def test_year(self, ctx: Context) -> None:
        """The 2026 CBS and IBS test rates a Brazilian seller's invoice states, in a warning (not charged)."""
        cbs, ibs = ctx.value(self, "cbs_test_rate"), ctx.value(self, "ibs_test_rate")
        if cbs is not None:
            ctx.warn("cbs_ibs_test_year", f"In {ctx.day.year} the invoice shows CBS {cbs} % and IBS {ibs} % (LC 214/2025 arts. "
                     "343 and 346); their payment is waived for a seller meeting the invoicing obligations (art. 348 §1), so "
                     "they are not charged here.")

    def regular_import(self, ctx: Context, dest: Jurisdiction) -> Treatment:
        """An import under the ordinary regime (a business buyer, a parcel above USD 3,000): due at import."""
        self.internal_rates_from(ctx, "Brazilian imports under the ordinary regime are computed from {start}.", dest)
        ctx.warn("import_duty_by_tariff_heading", "Under the ordinary import regime the import tax (II) and the IPI depend on "
                 "the goods' NCM tariff heading and are not computed, nor the ICMS on them: tax_due_at_import holds "
                 "PIS/Cofins-Importação and the state's ICMS on the value and those two.")
        return Treatment(dest, Collector.customs, Scheme.none, Rule.import_regular, False, reason=Reason.import_vat_at_border,
                         info=Info.import_)

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
            ctx.unsupported_before(self, self.internal_rate(j), detail,
                                   f"before {{start}}, the first day of the internal ICMS rate of {j.id} shipped")

    @staticmethod
    def internal_rate(j: Jurisdiction) -> str:
        """The parameter holding the internal ICMS rate of the state ``j`` (``BR-SP`` -> ``icms_internal_rate_sp``)."""
        return f"icms_internal_rate_{j.id[3:].lower()}"

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

    def import_duty(self, ctx: Context, value: Decimal, certified: bool) -> tuple[Decimal, Decimal, str, bool]:
        """The II rate (percent), the deduction in the order currency, the rate's source and whether it is the lower
        band, for a remessa of ``value``."""
        lower = False
        if not certified:
            name, deduction = "import_duty_not_certified_rate", _ZERO
        else:
            in_usd, first = ctx.compare(value, self, "import_duty_certified_first_band_limit", "import tax band (Remessa Conforme)")
            if first is not None and in_usd <= first.amount:
                name, deduction, lower = "import_duty_certified_first_band_rate", _ZERO, True
            else:
                name = "import_duty_certified_second_band_rate"
                found = ctx.limit(self, "import_duty_certified_second_band_deduction")
                deduction = _ZERO
                if found is not None:
                    # USD into the order currency: the rate of the order currency to USD, inverted.
                    per_unit = ctx.convert(_ONE, found.currency, f"{found.currency} {found.amount:,} import tax deduction")
                    deduction = found.amount / per_unit
        rate, source = self.percent(ctx, name)
        return rate, deduction, source, lower

    def solve_value(self, ctx: Context, gross: Decimal, t: Decimal, exp: Decimal) -> tuple[Decimal, Decimal, Decimal, str]:
        """The customs value of a remessa whose price with II and ICMS (collected at checkout) is ``gross``, with the II
        rate, deduction and source of its band: gross x (1 - t) is value + II, so value = (gross x (1 - t) + deduction)
        / (1 + II rate). The lower band is taken when the value it gives is within it to the cent."""
        before_icms = gross * (_ONE - t)
        rate, _, _, _ = self.import_duty(ctx, _ZERO, True)  # the lower band's rate
        value = before_icms / (_ONE + rate / _HUNDRED)
        rate, deduction, source, lower = self.import_duty(ctx, value.quantize(exp, ROUND_HALF_UP), True)
        if lower:
            return value, rate, deduction, source
        value = (before_icms + deduction) / (_ONE + rate / _HUNDRED)
        if self.import_duty(ctx, value, True)[3]:
            raise ValidationFailed.at(["prices_include_tax"], "no customs value under the import tax bands of the order date "
                                      "gives this price including the tax; send the price without the tax")
        return value, rate, deduction, source

    # ----- the taxes, once every line's treatment is known ----------------------------------------
    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        remessa: list[Any] = []
        regular: list[Any] = []
        domestic: list[Any] = []
        for it in items:
            rule = it.treatment.rule
            if rule in _REMESSA:
                remessa.append(it)
            elif rule is Rule.import_regular:
                regular.append(it)
            elif rule in _DOMESTIC:
                domestic.append(it)
            elif rule in _SERVICES_IMPORT:
                it.rate = _SERVICES_RATE
            elif rule is Rule.services_domestic_iss:
                it.rate = _ISS_RATE
            elif rule is Rule.import_rts_individuals:
                it.rate = self.individuals_rate(ctx)
        if remessa or regular or domestic:
            exp = exponent(minor_units(ctx.order.currency))
            if remessa:
                regular += self.remessa(ctx, remessa, exp)
            if regular:
                self.regular(ctx, regular, exp)
            if domestic:
                self.sale(ctx, domestic, exp)

    @staticmethod
    def engine() -> tuple[Any, Any]:
        """The engine's breakdown record and share allocator (the engine imports the regimes: read late, once)."""
        global _ENGINE
        if _ENGINE is None:
            from taxapi.orders.results import BreakdownEntry
            from taxapi.orders.service import _allocate

            _ENGINE = (BreakdownEntry, _allocate)
        return _ENGINE

    def remessa(self, ctx: Context, items: list[Any], exp: Decimal) -> list[Any]:
        """The remessa's II and ICMS "por dentro", spread over its taxable items by value, with their breakdown; or,
        when a price including the tax turns out above the RTS limit, its items under the ordinary regime (returned)."""
        taxed = [it for it in items if it.rate.rate_kind not in _NOT_TAXED]
        certified = items[0].treatment.collected_by is Collector.marketplace
        inclusive = ctx.order.prices_include_tax
        j = items[0].treatment.jurisdiction
        assert j is not None
        base = sum((it.base for it in taxed), _ZERO)
        state = taxed[0].rate if taxed else None
        t = state.rate_fraction if state is not None else _ZERO
        if inclusive and certified and taxed:
            value, rate, deduction, duty_source = self.solve_value(ctx, base, t, exp)
        else:
            value = base
        if inclusive:
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
        if not (inclusive and certified):
            rate, deduction, duty_source, _ = self.import_duty(ctx, ctx.goods_value + ctx.shipping_value if not inclusive else base,
                                                               certified)
        duty = max(_ZERO, value * rate / _HUNDRED - deduction).quantize(exp, ROUND_HALF_UP)
        if inclusive and certified:
            icms = (base * t).quantize(exp, ROUND_HALF_UP)  # "por dentro": the ICMS is t of the price it is part of
            net = base - duty - icms
        else:
            icms = ((base + duty) / (_ONE - t) * t).quantize(exp, ROUND_HALF_UP)
            net = base
        assert state is not None
        levels = (Level("BR", "import_duty", RateKind.standard, Decimal(fmt_percent(rate)), duty_source, "Brazil"),
                  Level(j.id, "icms", state.rate_kind, state.rate_percent, state.source, j.name))
        self.spread(taxed, (duty, icms), net, levels, state.own, exp)
        return []

    def regular(self, ctx: Context, items: list[Any], exp: Decimal) -> None:
        """An ordinary import: PIS/Cofins-Importação on the customs value, the state's internal ICMS "por dentro" on the
        value and both, due at import (the II and IPI by NCM heading are not computed: a warning says so)."""
        taxed = [it for it in items if it.rate.rate_kind not in _NOT_TAXED]
        if not taxed:
            return
        j = items[0].treatment.jurisdiction
        assert j is not None
        value = sum((it.base for it in taxed), _ZERO)
        pis_rate, pis_source = self.percent(ctx, "pis_importacao_rate")
        cofins_rate, cofins_source = self.percent(ctx, "cofins_importacao_rate")
        icms_rate, icms_source = self.percent(ctx, self.internal_rate(j))
        pis = (value * pis_rate / _HUNDRED).quantize(exp, ROUND_HALF_UP)
        cofins = (value * cofins_rate / _HUNDRED).quantize(exp, ROUND_HALF_UP)
        t = icms_rate / _HUNDRED
        icms = ((value + pis + cofins) / (_ONE - t) * t).quantize(exp, ROUND_HALF_UP)
        levels = (Level("BR", "pis_importacao", RateKind.standard, pis_rate, pis_source, "Brazil"),
                  Level("BR", "cofins_importacao", RateKind.standard, cofins_rate, cofins_source, "Brazil"),
                  Level(j.id, "icms", RateKind.standard, icms_rate, icms_source, j.name))
        self.spread(taxed, (pis, cofins, icms), value, levels, taxed[0].rate.own, exp)

    def sale(self, ctx: Context, items: list[Any], exp: Decimal) -> None:
        """A sale from inside Brazil: the ICMS "por dentro" at the destination's internal rate, or for an interstate sale
        the interstate rate (origin state) and the DIFAL (destination) on the same base; a business in another state
        bears the interstate rate alone. Rounded per line or per document as the order asks."""
        taxed = [it for it in items if it.rate.rate_kind not in _NOT_TAXED]
        if not taxed:
            return
        treatment = items[0].treatment
        dest = treatment.jurisdiction
        origin = ctx.origin.jurisdiction
        assert dest is not None and origin is not None
        internal, internal_source = self.percent(ctx, self.internal_rate(dest))
        if treatment.rule is Rule.domestic:
            levels = (Level(dest.id, "icms", RateKind.standard, internal, internal_source, dest.name),)
        else:
            if ctx.order.seller.country != self.code:
                name = "icms_interstate_rate_imported"
            elif origin.id[3:] in _SOUTH and dest.id[3:] not in _SOUTH:
                name = "icms_interstate_rate_south_to_north"
            else:
                name = "icms_interstate_rate"
            inter, inter_source = self.percent(ctx, name)
            levels = (Level(origin.id, "icms", RateKind.standard, inter, inter_source, origin.name),)
            if treatment.rule is Rule.domestic_interstate:
                levels += (Level(dest.id, "icms_difal", RateKind.standard, Decimal(fmt_percent(internal - inter)),
                                 internal_source, dest.name),)
        t = sum((lv.rate_percent for lv in levels), _ZERO) / _HUNDRED
        # The price the ICMS is part of: the price itself where it includes the tax, else net / (1 - t).
        to_gross = _ONE if ctx.order.prices_include_tax else _ONE / (_ONE - t)
        fns = [lambda b, r=lv.rate_percent / _HUNDRED: b * to_gross * r for lv in levels]
        if ctx.order.rounding == "per_line":
            entry = self.engine()[0]
            for it in taxed:
                self.set_taxes(it, [fn(it.base).quantize(exp, ROUND_HALF_UP) for fn in fns], levels, None, entry)
        else:
            bases = [it.base for it in taxed]
            total = sum(bases, _ZERO)
            self.spread(taxed, tuple(fn(total).quantize(exp, ROUND_HALF_UP) for fn in fns), None, levels, None, exp)
        effective = Decimal(fmt_percent((to_gross * t * _HUNDRED if to_gross != _ONE else t / (_ONE - t) * _HUNDRED)
                                        .quantize(_RATE_EXP, ROUND_HALF_UP)))
        rate = CombinedRate(dest.id, effective, effective / _HUNDRED, RateKind.standard,
                            "; ".join(dict.fromkeys(lv.source for lv in levels)), taxed[0].rate.own, levels, True)
        for it in taxed:
            it.rate = rate

    def spread(self, taxed: list[Any], totals: tuple[Decimal, ...], net: Decimal | None, levels: tuple[Level, ...],
               own: Any, exp: Decimal) -> None:
        """Each level's total spread over the items by their base, with their breakdown; with ``net``, the items'
        rate is the levels together as a share of it."""
        entry, allocate = self.engine()
        rate = None
        if net is not None:
            effective = Decimal(fmt_percent((sum(totals, _ZERO) / net * _HUNDRED).quantize(_RATE_EXP, ROUND_HALF_UP))) if net else _ZERO
            j = levels[-1]
            rate = CombinedRate(j.jurisdiction, effective, effective / _HUNDRED, j.rate_kind,
                                "; ".join(dict.fromkeys(lv.source for lv in levels)), own, levels, True)
        on_bill = taxed[0].treatment.on_bill  # one treatment per spread: a remessa, an import, a sale
        heads = [(lv.jurisdiction, lv.level, lv.rate_percent) for lv in levels]
        names = [lv.name for lv in levels]
        if len(taxed) == 1:
            columns: list[list[Decimal]] = [[total] for total in totals]
        else:
            ranks: Callable[[], list[tuple[int, str]]] = lambda: [(it.index, it.line_id or "") for it in taxed]  # noqa: E731
            bases = [it.base for it in taxed]
            columns = [allocate(total, bases, exp, ranks) for total in totals]
        for k, it in enumerate(taxed):
            if rate is not None:
                it.rate = rate
            total = _ZERO
            breakdown = []
            for head, name, column in zip(heads, names, columns):
                amount = column[k]
                total += amount
                breakdown.append(_new_tuple(entry, (*head, amount, name)))
            it.breakdown = tuple(breakdown)
            if on_bill:
                it.tax = it.raw_tax = total
            else:
                it.info_tax = total

    @staticmethod
    def set_taxes(it: Any, amounts: list[Decimal], levels: tuple[Level, ...], rate: CombinedRate | None, entry: Any) -> None:
        """An item's taxes by level: its breakdown, and its tax on the bill or due at import."""
        if rate is not None:
            it.rate = rate
        it.breakdown = tuple([_new_tuple(entry, (lv.jurisdiction, lv.level, lv.rate_percent, a, lv.name))
                              for lv, a in zip(levels, amounts)])
        total = sum(amounts, _ZERO)
        if it.treatment.on_bill:
            it.tax = it.raw_tax = total
        else:
            it.info_tax = total


BR_TAX = BrTax()
