"""What the VAT/GST markets beyond Europe, Oceania, Japan and North America share, until a market's
own rules are written in its module.

A :class:`MarketRegime` taxes goods sold from inside the market as a domestic sale by the seller
and goods sent from abroad at the border (collected by customs, shown for information), not at
all at or below the market's de minimis (a value limit in its parameters file). Services follow
the general rules of :class:`~taxapi.regimes.common.NationalRegime`; digital services sold to
consumers from abroad are taxed where the consumer is from the date the market's parameters file
gives, collected by the seller, or by the marketplace where the market makes it liable.

What a market adds (a marketplace collecting low-value imports at checkout, withholdings from the
seller's payout, split rates) is written in its module, on top of this.
"""

from __future__ import annotations

from typing import ClassVar

from taxapi.regimes.base import Collector, Context, Reason, RuleId, Scheme, SupplyKind, Treatment
from taxapi.regimes.common import NationalRegime

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


def market_rules(prefix: str) -> type[RuleId]:
    """The rule ids every market has, under its prefix (``mx.domestic``, ``mx.import.de_minimis`` ...)."""
    return RuleId("Rule", [(member, f"{prefix}.{suffix}") for member, suffix in _RULES.items()])  # type: ignore[return-value]


class MarketRegime(NationalRegime):
    """A market with one VAT/GST territory; its module sets the code, rule ids and parameter names."""

    scheme: ClassVar[Scheme] = Scheme.domestic
    domestic_scheme: ClassVar[Scheme] = Scheme.domestic
    marketplace_tbe: ClassVar[bool] = False
    #: The parameter holding the value of a consignment at or below which imports bear no VAT (None: none).
    import_de_minimis: ClassVar[str | None] = None
    #: The origins the de minimis is for (None: every origin).
    de_minimis_origins: ClassVar[frozenset[str] | None] = None
    #: The parameter that starts the tax on digital services sold to consumers from abroad (None: always taxed).
    digital_services_start: ClassVar[str | None] = None
    #: Whether digital services sold to consumers from abroad are taxed at all.
    taxes_foreign_digital_services: ClassVar[bool] = True

    def goods(self, ctx: Context) -> Treatment:
        R = self.Rule
        if ctx.origin.regime is self:
            return Treatment(ctx.dest.jurisdiction, Collector.seller, self.domestic_scheme, R["domestic"], True)
        name = self.de_minimis(ctx)
        if name is not None:
            value, limit = ctx.compare(ctx.goods_value, self, name, "import de minimis")
            if limit is not None and value <= limit.amount:
                return ctx.border(R["import_de_minimis"], exempt=True)
        return ctx.border(R["import_"])

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


__all__ = ["MarketRegime", "market_rules"]
