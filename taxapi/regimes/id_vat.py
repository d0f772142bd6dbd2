"""Indonesian VAT (Pajak Pertambahan Nilai, PPN).

UU PPN as amended by UU HPP (7/2021) and PMK 131/2024: 12 % on a base of 11/12 for non-luxury goods
and services, 11 % in effect. Imports by post and courier (barang kiriman, PMK 96/2023) bear VAT at
customs. Foreign sellers of digital services appointed as PMSE collectors charge VAT.

A designated marketplace (PMSE) withholds PPh 22 income tax of 0.5 % of the seller's gross turnover
from 2025-07-14 (PMK 37/2025); individuals with a turnover of IDR 500 million or less are exempt.

The dated limits, start dates and withholding rates are in ``rates/parameters/ID.json``.

More information:

* https://jdih.kemenkeu.go.id/
* https://pajak.go.id/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("id_vat").code
'ID'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Context
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("id")


class IdVat(MarketRegime):
    code: ClassVar[str] = "ID"
    table_regimes: ClassVar[tuple[str, ...]] = ("id_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("withholding_income_tax_pph22_exempt_turnover",)
    rule_sources: ClassVar[dict[str, str]] = {"id": "https://jdih.kemenkeu.go.id/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    withholds: ClassVar[bool] = True

    def withholding_applies(self, ctx: Context, name: str) -> bool:
        return name != "withholding_income_tax_pph22" or ctx.order.seller.type != "individual" or self.payouts_pass(
            ctx, "withholding_income_tax_pph22_exempt_turnover", "exempt turnover",
            "Individuals with a turnover of IDR 500 million or less this year are not withheld PPh 22 (PMK 37/2025).",
            with_order=False)


ID_VAT = IdVat()
