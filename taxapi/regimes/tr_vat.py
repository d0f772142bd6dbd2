"""Turkish VAT (Katma Değer Vergisi, KDV).

KDV Law 3065: 20 % from 2023-07-10 (Presidential Decree 7346), 10 % and 1 %. Foreign providers of
electronic services register from 2018-01-01 (art. 9), with no threshold; no marketplace rule.

Postal and express imports by consumers up to the postal limit (EUR 150; EUR 30 including shipping
from 2024-08-21) pay a flat "single tax" instead of duty and VAT (Customs Law Implementing Decree
art. 126): 18 % from the EU and 30 % from elsewhere, 30 % and 60 % from 2024-08-21; collected at
import (``tax_due_at_import``, rule ``tr.import.postal_single_tax``). The 20 % surcharge for goods on
the ÖTV list IV is not computed (a warning says so). The rule was repealed from 2026-02-06, since
when such parcels bear the VAT at the border. Goods sold from a Turkish warehouse are a domestic
sale by the seller.

The dated limits and start dates are in ``rates/parameters/TR.json``.

More information:

* https://www.gib.gov.tr/
* https://www.resmigazete.gov.tr/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("tr_vat").code
'TR'
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, ClassVar

from taxapi.regimes.base import Context, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("tr", import_postal_single_tax="import.postal_single_tax")


class TrVat(MarketRegime):
    code: ClassVar[str] = "TR"
    table_regimes: ClassVar[tuple[str, ...]] = ("tr_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_postal_limit", "lvg_single_tax_eu", "lvg_single_tax_other",
                                             "digital_services_foreign_provider_start")
    rule_sources: ClassVar[dict[str, str]] = {"tr": "https://www.gib.gov.tr/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    digital_services_start: ClassVar[str | None] = "digital_services_foreign_provider_start"
    flat_rate_rules: ClassVar[frozenset[StrEnum]] = frozenset({Rule.import_postal_single_tax})

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is not self and not ctx.b2b:
            value, limit = ctx.compare(ctx.goods_value + ctx.shipping_value, self, "lvg_postal_limit", "postal single-tax limit")
            if limit is not None and value <= limit.amount:
                ctx.warn("single_tax_surcharge_not_included",
                         "Postal and express imports up to the limit pay Turkey's single tax instead of duty and VAT "
                         "(Customs Law Implementing Decree art. 126); the 20 % surcharge for goods on the ÖTV list IV "
                         "is not computed.")
                return self.flat_import(ctx, Rule.import_postal_single_tax)
        return super().goods(ctx)

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        # No line bears the single tax once the postal limit is out of force (repealed from 2026-02-06).
        if ctx.limit(self, "lvg_postal_limit") is not None:
            super().finish(ctx, items)

    def flat_rate_parameter(self, ctx: Context, rule: StrEnum) -> str:
        # The EU rate for goods sent from a Member State, the other rate for the rest.
        return "lvg_single_tax_eu" if ctx.origin.country in ctx.book.eu_members.on(ctx.day) else "lvg_single_tax_other"


TR_VAT = TrVat()
