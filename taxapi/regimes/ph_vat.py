"""Philippine VAT (Value-Added Tax).

National Internal Revenue Code s.106-108: 12 %. Imports at or below the de minimis of PHP 10,000
pay no duty and no VAT (Customs Modernization and Tariff Act s.423). Nonresident digital service
providers charge VAT (RA 12023).

An e-marketplace withholds creditable income tax of 1 % on half the gross remittance once the
seller's remittances in the year pass PHP 500,000 (RR 16-2023), and 12 % VAT on nonresident
sellers' digital services from 2025-06-02.

The dated limits, start dates and withholding rates are in ``rates/parameters/PH.json``.

More information:

* https://www.bir.gov.ph/
* https://customs.gov.ph/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("ph_vat").code
'PH'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Context
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("ph")


class PhVat(MarketRegime):
    code: ClassVar[str] = "PH"
    table_regimes: ClassVar[tuple[str, ...]] = ("ph_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("withholding_income_tax_threshold", "lvg_de_minimis")
    rule_sources: ClassVar[dict[str, str]] = {"ph": "https://www.bir.gov.ph/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_de_minimis: ClassVar[str | None] = "lvg_de_minimis"
    withholds: ClassVar[bool] = True

    def withholding_applies(self, ctx: Context, name: str) -> bool:
        return name != "withholding_income_tax" or self.payouts_pass(
            ctx, "withholding_income_tax_threshold", "withholding threshold",
            "An e-marketplace withholds 1 % of half the remittance once the seller's remittances this year pass "
            "PHP 500,000 (RR 16-2023).", with_order=True)


PH_VAT = PhVat()
