"""Malaysian Sales and Service Tax (SST: Cukai Jualan dan Cukai Perkhidmatan).

Sales Tax Act 2018 (10 % / 5 % on goods) and Service Tax Act 2018 (8 %, 6 % before 2024-03-01;
digital services by foreign registered persons since 2020-01-01). From 2024-01-01 low-value goods
(an item of MYR 500 or less) sold online and sent from abroad bear 10 % sales tax at the sale
(Sales Tax (Amendment) Act 2022; Sales Tax (Determination of Low Value Goods) Order 2023),
collected by the marketplace operator or the registered seller, on the price of the goods only:
shipping and insurance are not taxed. Other imports bear sales tax at the border.

The dated limits and start dates are in ``rates/parameters/MY.json``.

More information:

* https://mysst.customs.gov.my/
* https://www.customs.gov.my/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("my_sst").code
'MY'
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from taxapi.categories import Category
from taxapi.regimes.base import Collector, Context, Reason, Scheme, Treatment
from taxapi.regimes.common import LowValueGoodsRegime
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("my", import_b2b="import.b2b", import_border="import",
                    import_low_value_marketplace="import.low_value.marketplace",
                    import_low_value_seller="import.low_value.seller",
                    shipping_low_value_excluded="shipping.low_value.excluded")
_LOW_VALUE = frozenset({Rule.import_low_value_marketplace, Rule.import_low_value_seller})


class MySst(LowValueGoodsRegime, MarketRegime):
    code: ClassVar[str] = "MY"
    table_regimes: ClassVar[tuple[str, ...]] = ("my_sst",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_limit",)
    rule_sources: ClassVar[dict[str, str]] = {"my": "https://mysst.customs.gov.my/"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def within_low_value(self, ctx: Context, category: Category, unit_value: Decimal) -> bool:
        value, limit = ctx.compare(unit_value, self, "lvg_limit", "low-value goods limit")
        return limit is not None and value <= limit.amount

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        # The low-value goods tax is on the price of the goods: the shipping that follows them is not taxed.
        # Shipping shares are the engine's last items: the lines before them are passed over from the end.
        excluded = zero = None
        for it in reversed(items):
            if it.index >= 0:
                break
            if it.treatment.rule in _LOW_VALUE:
                if excluded is None or excluded.jurisdiction is not it.treatment.jurisdiction:
                    excluded = self._excluded(ctx, it.treatment.jurisdiction)
                    zero = it.tax * 0  # nothing, in the currency's minor units (the tax was rounded to them)
                it.treatment = excluded
                it.tax = it.raw_tax = zero


    @staticmethod
    def _excluded(ctx: Context, j: Any) -> Treatment:
        """The treatment of shipping that follows low-value goods: not taxed (kept in the rate book per jurisdiction)."""
        cache = ctx.book.memo.get("my_shipping_excluded") or ctx.book.cache("my_shipping_excluded")
        key = j.id if j is not None else None
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = Treatment(j, Collector.none, Scheme.none, Rule.shipping_low_value_excluded, False,
                                         reason=Reason.outside_scope)
        return hit  # type: ignore[return-value]


MY_SST = MySst()
