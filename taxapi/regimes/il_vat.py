"""Israeli VAT (מס ערך מוסף, Ma'am).

Value Added Tax Law 1975: 18 % from 2025-01-01 (17 % before). Personal imports with a goods value
at or below the exemption limit (USD 75; USD 130 from 2026-02-25; shipping and insurance not
counted) are VAT-free; above it VAT is due at import on goods, shipping and insurance. No customs
duty up to USD 500. Goods sold from an Israeli warehouse are a domestic sale by the seller (no
marketplace rule). No registration regime for foreign providers of digital services to consumers
is in force, so those sales are not taxed here. Eilat (VAT-free) is not a jurisdiction here.

The dated limits and start dates are in ``rates/parameters/IL.json``.

More information:

* https://www.gov.il/en/departments/israel_tax_authority
* https://www.gov.il/en/departments/topics/customs

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("il_vat").code
'IL'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("il")


class IlVat(MarketRegime):
    code: ClassVar[str] = "IL"
    table_regimes: ClassVar[tuple[str, ...]] = ("il_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_vat_exemption_limit", "lvg_duty_exemption_limit")
    import_duty_limit: ClassVar[str | None] = "lvg_duty_exemption_limit"
    rule_sources: ClassVar[dict[str, str]] = {"il": "https://www.gov.il/en/departments/israel_tax_authority"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_de_minimis: ClassVar[str | None] = "lvg_vat_exemption_limit"
    taxes_foreign_digital_services: ClassVar[bool] = False


IL_VAT = IlVat()
