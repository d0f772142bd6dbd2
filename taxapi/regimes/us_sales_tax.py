"""US state sales and use taxes (and Arizona's TPT, Hawaii's GET, New Mexico's GRT).

Each state's own law since South Dakota v. Wayfair (2018): a remote seller collects where it has
nexus (physical presence, economic nexus, or a registration), a marketplace facilitator collects
for the sales it facilitates. Only the state rate is applied: county, city and district rates are
not included and every US answer warns so. Each line's tax is broken down by level (the state).

More information:

* https://www.streamlinedsalestax.org/
* https://www.supremecourt.gov/opinions/17pdf/17-494_j4el.pdf (South Dakota v. Wayfair, Inc.)

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("us_sales_tax").scheme.value
'us_sales_tax'
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar

from taxapi.errors import ValidationFailed
from taxapi.rate_tables.model import Jurisdiction, RateBook
from taxapi.regimes.base import Collector, Context, Reason, RuleId, Scheme, SupplyKind, Treatment
from taxapi.regimes.common import NationalRegime


class Rule(RuleId):
    customer_exempt = "us.customer_exempt"
    marketplace_facilitator = "us.marketplace_facilitator"
    seller_nexus = "us.seller_nexus"
    no_nexus = "us.no_nexus"


class UsSalesTax(NationalRegime):
    code: ClassVar[str] = "US"
    table_regimes: ClassVar[tuple[str, ...]] = ("us_sales_tax",)
    scheme: ClassVar[Scheme] = Scheme.us_sales_tax
    domestic_scheme: ClassVar[Scheme] = Scheme.us_sales_tax
    always_breakdown: ClassVar[bool] = True
    rule_sources: ClassVar[dict[str, str]] = {"us": "https://www.streamlinedsalestax.org/"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def levels(self, book: RateBook, j: Jurisdiction) -> Sequence[tuple[Jurisdiction, str]]:
        return [(j, "state")]

    def goods(self, ctx: Context) -> Treatment:
        return self.services(ctx, SupplyKind.goods)

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        """Goods and services alike: the state's sales tax, collected by whoever the state's law makes collect it."""
        j = ctx.dest.jurisdiction
        if j is None:
            raise ValidationFailed.at(["ship_to", "region"], "a US state (e.g. \"CA\") is required for US addresses")
        state = j.id.split("-", 1)[1]
        ctx.warn("local_rate_unknown", "Only the state rate is applied: county, city and district rates are not included.")
        if ctx.order.customer.exemption is not None:
            return Treatment(j, Collector.none, Scheme.none, Rule.customer_exempt, False, reason=Reason.customer_exempt)
        if ctx.facilitated:
            return Treatment(j, Collector.marketplace, Scheme.us_sales_tax, Rule.marketplace_facilitator, True,
                             reason=Reason.marketplace_collects)
        seller = ctx.order.seller
        has_nexus = state in seller.us_nexus or ctx.registered(j.id) or (ctx.seller_country == "US" and seller.region == state)
        if has_nexus:
            return Treatment(j, Collector.seller, Scheme.us_sales_tax, Rule.seller_nexus, True)
        return Treatment(j, Collector.none, Scheme.none, Rule.no_nexus, False, reason=Reason.not_collecting)


US_SALES_TAX = UsSalesTax()
