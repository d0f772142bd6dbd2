"""Canadian GST/HST (Goods and Services Tax / taxe sur les produits et services; Harmonized Sales Tax)
with the provincial sales taxes (QST / TVQ, PST, RST).

Excise Tax Act, Part IX: the federal GST, harmonised with the provincial part into the HST in
NB, NL, NS, ON and PE; Quebec's QST and the PST of BC, MB and SK are added to the GST; AB and the
territories levy none. Goods mailed or couriered from abroad bear the tax at the border (collected
by the CBSA); distribution platform operators collect on goods in Canadian fulfilment warehouses
(s.211.1 ff., from 2021-07-01) and on digital services. Each line's tax is broken down into its
federal and provincial levels.

More information:

* https://laws-lois.justice.gc.ca/eng/acts/E-15/
* https://www.canada.ca/en/revenue-agency/services/tax/businesses/topics/gst-hst-businesses/digital-economy-gsthst.html

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("ca_provincial") is regime_for_table("ca_gst")
True
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar

from taxapi.rate_tables.model import Jurisdiction, RateBook
from taxapi.regimes.base import Collector, Context, Reason, RuleId, Scheme, Treatment
from taxapi.regimes.common import NationalRegime


class Rule(RuleId):
    domestic = "ca.domestic"
    import_ = "ca.import"
    customer_exempt = "ca.customer_exempt"
    platform_fulfilment_warehouse = "ca.platform.fulfilment_warehouse"
    services_domestic = "ca.services.domestic"
    services_b2b_domestic = "ca.services.b2b.domestic"
    services_b2b_reverse_charge = "ca.services.b2b.reverse_charge"
    tbe_marketplace = "ca.tbe.marketplace"
    tbe_seller = "ca.tbe.seller"


class CaGst(NationalRegime):
    code: ClassVar[str] = "CA"
    table_regimes: ClassVar[tuple[str, ...]] = ("ca_gst", "ca_provincial")
    scheme: ClassVar[Scheme] = Scheme.ca_gst
    domestic_scheme: ClassVar[Scheme] = Scheme.ca_gst
    rule_sources: ClassVar[dict[str, str]] = {
        "ca": "https://www.canada.ca/en/revenue-agency/services/tax/businesses/topics/gst-hst-businesses/digital-economy-gsthst.html"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def levels(self, book: RateBook, j: Jurisdiction) -> Sequence[tuple[Jurisdiction, str]]:
        """A province adds its part to the federal GST."""
        if j.regime == "ca_provincial" and j.parent:
            return [(book.get(j.parent), "federal"), (j, "provincial")]
        return [(j, "federal")]

    def goods(self, ctx: Context) -> Treatment:
        dest = ctx.dest
        if ctx.order.customer.exemption is not None:
            return Treatment(dest.jurisdiction, Collector.none, Scheme.none, Rule.customer_exempt, False, reason=Reason.customer_exempt)
        if ctx.origin.regime is not self:
            # Goods mailed or couriered from abroad: GST/HST collected by the CBSA at the border.
            return ctx.border(Rule.import_)
        if ctx.facilitated and ctx.seller_country != "CA" and not ctx.b2b:
            # Excise Tax Act s.211.1 ff.: distribution platform operators collect on qualifying goods in Canada.
            return Treatment(dest.jurisdiction, Collector.marketplace, Scheme.ca_gst, Rule.platform_fulfilment_warehouse, True,
                             reason=Reason.marketplace_collects)
        ctx.need_registration("CA", "GST/HST", "CA")
        return Treatment(dest.jurisdiction, Collector.seller, Scheme.ca_gst, Rule.domestic, True)


CA_GST = CaGst()
