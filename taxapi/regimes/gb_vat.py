"""UK VAT (Value Added Tax), Great Britain; Northern Ireland (``XI``) for services.

The Value Added Tax Act 1994: goods in consignments of GBP 135 or less sent to UK consumers from
abroad are supplied in the UK at the point of sale (s.7), and an online marketplace facilitating
the sale of an overseas seller is the deemed supplier (s.5A); larger consignments bear import VAT
at the border. Goods to Northern Ireland follow EU rules (:mod:`taxapi.regimes.eu_vat`).
The limit is dated data in ``rates/parameters/GB.json``.

More information:

* https://www.legislation.gov.uk/ukpga/1994/23/contents
* https://www.gov.uk/guidance/vat-and-overseas-goods-sold-directly-to-customers-in-the-uk

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("gb_vat").scheme.value
'uk_vat'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Collector, Context, Info, Reason, RuleId, Scheme, Treatment
from taxapi.regimes.common import NationalRegime
from taxapi.regimes.eu_vat import UK_SOURCE, uk_domestic


class Rule(RuleId):
    domestic = "gb.domestic"
    omp = "gb.omp"
    import_le135_b2b_reverse_charge = "gb.import.le135.b2b_reverse_charge"
    import_le135_omp = "gb.import.le135.omp"
    import_le135_seller = "gb.import.le135.seller"
    import_over135 = "gb.import.over135"
    export = "gb.export"
    export_territory_import_tax = "gb.export.territory_import_tax"
    services_domestic = "gb.services.domestic"
    services_b2b_domestic = "gb.services.b2b.domestic"
    services_b2b_reverse_charge = "gb.services.b2b.reverse_charge"
    tbe_marketplace = "gb.tbe.marketplace"
    tbe_seller = "gb.tbe.seller"


class GbVat(NationalRegime):
    code: ClassVar[str] = "GB"
    table_regimes: ClassVar[tuple[str, ...]] = ("gb_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("consignment_limit",)
    scheme: ClassVar[Scheme] = Scheme.uk_vat
    domestic_scheme: ClassVar[Scheme] = Scheme.uk_vat
    export_rules: ClassVar[tuple[StrEnum, StrEnum] | None] = (Rule.export, Rule.export_territory_import_tax)
    rule_sources: ClassVar[dict[str, str]] = {"gb": UK_SOURCE}
    Rule: ClassVar[type[StrEnum]] = Rule

    def goods(self, ctx: Context) -> Treatment:
        origin = ctx.origin
        inside = origin.regime is self or (origin.jurisdiction is not None and origin.jurisdiction.id == "XI")
        if not inside:
            ctx.unsupported_before(self, "consignment_limit", "UK imports before {start} are not supported.",
                                   "UK imports are supported from {start}")
        if inside:
            return uk_domestic(ctx, Rule.domestic, Rule.omp)
        value, limit = ctx.compare(ctx.goods_value, self, "consignment_limit", "consignment limit (VATA 1994 s.7)")
        assert limit is not None  # in force whenever UK imports are computed
        if value <= limit.amount:
            if ctx.b2b:
                # Business customer with a UK VAT number accounts for the VAT (reverse charge).
                return Treatment(ctx.dest.jurisdiction, Collector.customer, Scheme.none, Rule.import_le135_b2b_reverse_charge, False,
                                 reason=Reason.reverse_charge, info=Info.reverse_charge)
            if ctx.facilitated:
                return Treatment(ctx.dest.jurisdiction, Collector.marketplace, Scheme.uk_vat, Rule.import_le135_omp, True,
                                 reason=Reason.marketplace_collects)
            ctx.need_registration("GB", "UK VAT at the point of sale on consignments of GBP 135 or less")
            return Treatment(ctx.dest.jurisdiction, Collector.seller, Scheme.uk_vat, Rule.import_le135_seller, True)
        return ctx.border(Rule.import_over135)


GB_VAT = GbVat()
