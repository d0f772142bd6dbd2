"""Swiss VAT (Mehrwertsteuer MWST / taxe sur la valeur ajoutée TVA / imposta sul valore aggiunto IVA).

Bundesgesetz über die Mehrwertsteuer (MWSTG, SR 641.20), applied in Liechtenstein too: goods from
abroad bear import tax at the border, which is not levied when it comes to CHF 5 or less; a
registered mail-order business supplies domestically (Art. 4a MWSTV); electronic platforms are
deemed suppliers from 2025-01-01 (Art. 20a MWSTG). The de minimis amount and the platform rule's
start are dated data in ``rates/parameters/CH.json``.

More information:

* https://www.fedlex.admin.ch/eli/cc/2009/615/de
* https://www.estv.admin.ch/estv/en/home/value-added-tax/vat-tax-liability/mail-order-trade.html

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("ch_vat").scheme.value
'ch_vat'
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from taxapi.regimes.base import Collector, Context, Info, Reason, RuleId, Scheme, Treatment
from taxapi.regimes.common import NationalRegime


class Rule(RuleId):
    domestic = "ch.domestic"
    import_ = "ch.import"
    import_b2b = "ch.import.b2b"
    import_de_minimis_not_levied = "ch.import.de_minimis_not_levied"
    platform = "ch.platform"
    mail_order_registered = "ch.mail_order.registered"
    services_domestic = "ch.services.domestic"
    services_b2b_domestic = "ch.services.b2b.domestic"
    services_b2b_reverse_charge = "ch.services.b2b.reverse_charge"
    tbe_marketplace = "ch.tbe.marketplace"
    tbe_seller = "ch.tbe.seller"


class ChVat(NationalRegime):
    code: ClassVar[str] = "CH"
    table_regimes: ClassVar[tuple[str, ...]] = ("ch_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("import_de_minimis", "platform_deemed_supplier")
    scheme: ClassVar[Scheme] = Scheme.ch_vat
    domestic_scheme: ClassVar[Scheme] = Scheme.ch_vat
    rule_sources: ClassVar[dict[str, str]] = {
        "ch": "https://www.estv.admin.ch/estv/en/home/value-added-tax/vat-tax-liability/mail-order-trade.html"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def goods(self, ctx: Context) -> Treatment:
        dest = ctx.dest
        if ctx.origin.regime is self:
            return Treatment(dest.jurisdiction, Collector.seller, Scheme.ch_vat, Rule.domestic, True)
        if ctx.b2b:
            return ctx.border(Rule.import_b2b)
        if ctx.facilitated and ctx.in_force(self, "platform_deemed_supplier"):
            # Art. 20a MWSTG: platforms are deemed suppliers.
            return Treatment(dest.jurisdiction, Collector.marketplace, Scheme.ch_vat, Rule.platform, True,
                             reason=Reason.marketplace_collects)
        if ctx.registered("CH", "LI"):
            # Mail-order rule (Art. 4a MWSTV): a registered mail-order business supplies domestically.
            return Treatment(dest.jurisdiction, Collector.seller, Scheme.ch_vat, Rule.mail_order_registered, True)
        # Import tax at the border, unless the de minimis applies to the whole consignment (see finish).
        return Treatment(dest.jurisdiction, Collector.customs, Scheme.none, Rule.import_, False,
                         reason=Reason.import_vat_at_border, info=Info.import_)

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        """Import tax of CHF 5 or less is not levied (Art. 1 para. 2 let. a VO EFD über die Steuerbefreiung)."""
        imported = [it for it in items if it.treatment.rule is Rule.import_]
        if not imported:
            return
        total = sum((it.info_tax for it in imported), Decimal(0))
        value, limit = ctx.compare(total, self, "import_de_minimis", "import-tax de minimis")
        if limit is not None and value <= limit.amount:
            for it in imported:
                t = it.treatment
                it.treatment = Treatment(t.jurisdiction, Collector.none, Scheme.none, Rule.import_de_minimis_not_levied, False,
                                         reason=Reason.import_vat_at_border, info=Info.import_, exempt_import=True)
                it.info_tax = Decimal(0)
        else:
            ctx.warn("import_duty_not_included", "Customs duty and carrier fees at import are not computed.")


CH_VAT = ChVat()
