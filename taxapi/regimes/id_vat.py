"""Indonesian VAT (Pajak Pertambahan Nilai, PPN).

UU PPN as amended by UU HPP (7/2021) and PMK 131/2024: 12 % on a base of 11/12 for non-luxury goods
and services, 11 % in effect. Imports by post and courier (barang kiriman, PMK 96/2023) bear VAT at
customs. Foreign sellers of digital services appointed as PMSE collectors charge VAT.

The dated limits and start dates are in ``rates/parameters/ID.json``.

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

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("id")


class IdVat(MarketRegime):
    code: ClassVar[str] = "ID"
    table_regimes: ClassVar[tuple[str, ...]] = ("id_vat",)
    parameters: ClassVar[tuple[str, ...]] = ()
    rule_sources: ClassVar[dict[str, str]] = {"id": "https://jdih.kemenkeu.go.id/"}
    Rule: ClassVar[type[StrEnum]] = Rule


ID_VAT = IdVat()
