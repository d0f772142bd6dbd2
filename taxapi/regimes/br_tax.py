"""Brazilian taxes on consumption (ICMS, Imposto sobre Circulação de Mercadorias e Serviços, a
state tax; II, Imposto de Importação, federal).

Brazil has no national VAT yet (CBS and IBS replace PIS/Cofins, IPI, ICMS and ISS from 2026 to
2033, Lei Complementar 214/2025). Parcels of up to USD 3,000 sent from abroad to consumers fall
under the Regime de Tributação Simplificada (RTS). Through a platform certified in the Remessa
Conforme programme (``marketplace.remessa_conforme``) the platform collects at checkout the import
tax (II: 20 % up to USD 50, 60 % less USD 20 above, from 2024-08-01, Law 14.902/2024; 0 % up to
USD 50 before) and the destination state's ICMS on remessas, computed "por dentro" on the customs
value plus II: ICMS = (value + II) / (1 − t) × t (Convênio ICMS 81/2023). Outside the programme
the II is 60 % of every value and both taxes are due at import (collected by customs, shown as
``tax_due_at_import``). The customs value is the goods and the shipping (CIF); the order's value
decides the band, once per remessa, and the USD 20 deduction is taken once, spread over the lines
with the taxes. Each line's ``breakdown`` holds its ``import_duty`` (jurisdiction ``BR``) and its
``icms`` (the state, ``BR-SP`` ...) with their legal rates; its ``rate_percent`` is the two taxes
together as a share of the value. Limits in USD are compared at the ECB rate of the order date.

The state ICMS rates are the ``BR-XX`` tables (regime ``br_icms``), the import tax bands are dated
data in ``rates/parameters/BR.json``. Not computed, and refused as unsupported scenarios (HTTP 422
``unsupported_scenario``) rather than guessed: parcels above USD 3,000 (the ordinary import
regime: duty by tariff heading, IPI, PIS/Cofins-Importação), purchases by businesses, prices that
include the tax, goods sold from inside Brazil (the internal ICMS), and services (ISS, PIS/Cofins).

More information:

* https://www.confaz.fazenda.gov.br/legislacao/convenios/2023/CV081_23
* https://www.planalto.gov.br/ccivil_03/_ato2023-2026/2024/lei/L14902.htm
* https://www.gov.br/receitafederal/pt-br/assuntos/aduana-e-comercio-exterior/manuais/remessas-postal-e-expressa

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("br_icms") is regime_for_table("br_tax")
True
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, ClassVar, NoReturn

from taxapi.categories import RateKind
from taxapi.errors import UnsupportedScenario, ValidationFailed
from taxapi.money import exponent, fmt_percent, minor_units
from taxapi.rate_tables.combined import CombinedRate, Level
from taxapi.regimes.base import Collector, Context, Info, Reason, Scheme, SupplyKind, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("br", import_remessa_conforme="import.remessa_conforme", import_rts="import.rts")

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_RATE_EXP = Decimal("0.0001")
_REMESSA = frozenset({Rule.import_remessa_conforme, Rule.import_rts})
_NOT_TAXED = frozenset({RateKind.exempt, RateKind.none})


class BrTax(MarketRegime):
    code: ClassVar[str] = "BR"
    table_regimes: ClassVar[tuple[str, ...]] = ("br_tax", "br_icms")
    parameters: ClassVar[tuple[str, ...]] = (
        "lvg_rts_limit", "icms_method", "import_duty_certified_first_band_limit", "import_duty_certified_first_band_rate",
        "import_duty_certified_second_band_rate", "import_duty_certified_second_band_deduction", "import_duty_not_certified_rate",
    )
    rule_sources: ClassVar[dict[str, str]] = {"br": "https://www.confaz.fazenda.gov.br/legislacao/convenios/2023/CV081_23"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def goods(self, ctx: Context) -> Treatment:
        order = ctx.order
        if ctx.origin.regime is self:
            self.refuse("the internal ICMS of goods sold from inside Brazil (and DIFAL) is not computed")
        if ctx.b2b:
            self.refuse("the simplified regime (RTS) and Remessa Conforme are for purchases by individuals; imports by "
                        "businesses follow the ordinary regime, which is not computed", ["customer", "tax_id"])
        if order.prices_include_tax:
            self.refuse("the import tax and ICMS of a remessa are computed on its value: send prices without the tax",
                        ["prices_include_tax"])
        dest = ctx.dest.jurisdiction
        if dest is None or dest.regime != "br_icms":
            region = order.ship_to.region
            raise ValidationFailed.at(["ship_to", "region"], (
                f"'{region}' is not a Brazilian state" if region else "the destination state is required for Brazil") +
                " (ISO 3166-2:BR code such as SP or RJ): it decides the ICMS rate")
        ctx.unsupported_before(self, "lvg_rts_limit", "The Brazilian remessa rules are computed from {start}.",
                               "before {start}, when the uniform ICMS on remessas and Remessa Conforme started")
        value, limit = ctx.compare(ctx.goods_value + ctx.shipping_value, self, "lvg_rts_limit", "simplified regime limit (RTS)")
        if limit is not None and value > limit.amount:
            self.refuse(f"above USD {limit.amount:,} the ordinary import regime applies (duty by tariff heading, IPI, "
                        "PIS/Cofins-Importação), which is not computed", ["lines"])
        if ctx.facilitated and order.marketplace is not None and order.marketplace.remessa_conforme:
            return Treatment(dest, Collector.marketplace, Scheme.domestic, Rule.import_remessa_conforme, True,
                             reason=Reason.marketplace_collects)
        return Treatment(dest, Collector.customs, Scheme.none, Rule.import_rts, False, reason=Reason.import_vat_at_border,
                         info=Info.import_)

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        self.refuse("the Brazilian taxes on services (ISS, PIS/Cofins) are not computed")

    @staticmethod
    def refuse(msg: str, loc: list[str | int] | None = None) -> NoReturn:
        raise UnsupportedScenario(f"This Brazilian order is not supported: {msg}.",
                                  errors=[{"loc": loc or ["ship_to", "country"], "msg": msg, "type": "unsupported_scenario"}])

    def import_duty(self, ctx: Context, value: Decimal, certified: bool) -> tuple[Decimal, Decimal, str]:
        """The II rate (percent), the deduction in the order currency and the rate's source for a remessa of ``value``."""
        if not certified:
            name, deduction = "import_duty_not_certified_rate", _ZERO
        else:
            in_usd, first = ctx.compare(value, self, "import_duty_certified_first_band_limit", "import tax band (Remessa Conforme)")
            if first is not None and in_usd <= first.amount:
                name, deduction = "import_duty_certified_first_band_rate", _ZERO
            else:
                name = "import_duty_certified_second_band_rate"
                found = ctx.limit(self, "import_duty_certified_second_band_deduction")
                deduction = _ZERO
                if found is not None:
                    # USD into the order currency: the rate of the order currency to USD, inverted.
                    per_unit = ctx.convert(_ONE, found.currency, f"{found.currency} {found.amount:,} import tax deduction")
                    deduction = found.amount / per_unit
        param = ctx.parameter(self, name)
        period = param.on(ctx.day)
        rate = param.value(ctx.day)
        assert period is not None and isinstance(rate, Decimal), name
        return rate, deduction, period.source

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        """The remessa's II and ICMS "por dentro", spread over its taxable items by value, with their breakdown."""
        taxed = [it for it in items if it.treatment.rule in _REMESSA and it.rate.rate_kind not in _NOT_TAXED]
        if not taxed:
            return
        from taxapi.orders.results import BreakdownEntry  # the results read the regimes' vocabulary: imported late
        from taxapi.orders.service import _allocate

        exp = exponent(minor_units(ctx.order.currency))
        certified = taxed[0].treatment.collected_by is Collector.marketplace
        rate, deduction, duty_source = self.import_duty(ctx, ctx.goods_value + ctx.shipping_value, certified)
        base = sum((it.base for it in taxed), _ZERO)
        duty = max(_ZERO, base * rate / _HUNDRED - deduction).quantize(exp, ROUND_HALF_UP)
        state = taxed[0].rate
        t = state.rate_fraction
        icms = ((base + duty) / (_ONE - t) * t).quantize(exp, ROUND_HALF_UP)
        ranks = lambda: [(it.index, it.line_id or "") for it in taxed]  # noqa: E731 - the tie-break of the shares
        duties = _allocate(duty, [it.base for it in taxed], exp, ranks)
        icmses = _allocate(icms, [it.base for it in taxed], exp, ranks)
        effective = Decimal(fmt_percent(((duty + icms) / base * _HUNDRED).quantize(_RATE_EXP, ROUND_HALF_UP))) if base else _ZERO
        j = taxed[0].treatment.jurisdiction
        assert j is not None
        levels = (Level("BR", "import_duty", RateKind.standard, Decimal(fmt_percent(rate)), duty_source, "Brazil"),
                  Level(j.id, "icms", state.rate_kind, state.rate_percent, state.source, j.name))
        combined = CombinedRate(j.id, effective, effective / _HUNDRED, state.rate_kind, f"{duty_source}; {state.source}",
                                state.own, levels, True)
        for it, d, i in zip(taxed, duties, icmses):
            it.rate = combined
            it.breakdown = (BreakdownEntry("BR", "import_duty", levels[0].rate_percent, d, "Brazil"),
                            BreakdownEntry(j.id, "icms", levels[1].rate_percent, i, j.name))
            if it.treatment.on_bill:
                it.tax = it.raw_tax = d + i
            else:
                it.info_tax = d + i


BR_TAX = BrTax()
