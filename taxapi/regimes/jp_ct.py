"""Japanese consumption tax (消費税, shōhizei; national 7.8 % + local 2.2 %).

Consumption Tax Act (Act No. 108 of 1988): imports with a taxable value of JPY 10,000 or less are
exempt (until the FY2026 reform, from 2028-04-01); other goods bear the tax at the border;
specified platforms are deemed suppliers of digital services sold through them by foreign
businesses from 2025-04-01 (Art. 15-2). The exemption and the platform rule's start are dated
data in ``rates/parameters/JP.json``.

More information:

* https://www.japaneselawtranslation.go.jp/en/laws/view/3668
* https://www.nta.go.jp/english/taxes/consumption_tax/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("jp_ct").scheme.value
'jp_ct'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Collector, Context, Info, Reason, RuleId, Scheme, Treatment
from taxapi.regimes.common import NationalRegime


class Rule(RuleId):
    domestic = "jp.domestic"
    import_ = "jp.import"
    import_small_consignment_exempt = "jp.import.small_consignment_exempt"
    tbe_platform = "jp.tbe.platform"
    services_domestic = "jp.services.domestic"
    services_b2b_domestic = "jp.services.b2b.domestic"
    services_b2b_reverse_charge = "jp.services.b2b.reverse_charge"
    tbe_seller = "jp.tbe.seller"


class JpCt(NationalRegime):
    code: ClassVar[str] = "JP"
    table_regimes: ClassVar[tuple[str, ...]] = ("jp_ct",)
    parameters: ClassVar[tuple[str, ...]] = ("small_import_exemption", "platform_digital_services")
    scheme: ClassVar[Scheme] = Scheme.jp_ct
    domestic_scheme: ClassVar[Scheme] = Scheme.jp_ct
    marketplace_tbe: ClassVar[bool] = False
    rule_sources: ClassVar[dict[str, str]] = {"jp": "https://www.nta.go.jp/english/taxes/consumption_tax/"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def goods(self, ctx: Context) -> Treatment:
        dest = ctx.dest
        if ctx.origin.regime is self:
            return Treatment(dest.jurisdiction, Collector.seller, Scheme.jp_ct, Rule.domestic, True)
        value, limit = ctx.compare(ctx.goods_value + ctx.shipping_value, self, "small_import_exemption", "small-import exemption")
        if limit is not None and value <= limit.amount:
            return Treatment(dest.jurisdiction, Collector.none, Scheme.none, Rule.import_small_consignment_exempt, False,
                             reason=Reason.outside_scope, info=Info.import_, exempt_import=True)
        return ctx.border(Rule.import_)

    def tbe_to_consumer(self, ctx: Context, seller_in_dest: bool) -> Treatment:
        if ctx.facilitated and ctx.in_force(self, "platform_digital_services") and ctx.seller_country != "JP":
            return Treatment(ctx.dest.jurisdiction, Collector.marketplace, Scheme.jp_ct, Rule.tbe_platform, True,
                             reason=Reason.marketplace_collects)
        return super().tbe_to_consumer(ctx, seller_in_dest)


JP_CT = JpCt()
