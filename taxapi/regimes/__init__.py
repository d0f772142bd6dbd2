"""The tax regimes, found by the ``regime`` of a jurisdiction's rate table.

Each regime is one module implementing :class:`taxapi.regimes.base.Regime` (like
``stdnum.util.get_cc_module`` finds a number module by country). Adding a market is adding
its module to :data:`REGIMES`, with its rate tables, its parameters and its tests
(docs/adding-a-market.md).

>>> regime_for_table("eu_vat").code
'EU'
>>> regime_for_table("xx_vat")
Traceback (most recent call last):
    ...
KeyError: "no regime governs rate tables of regime 'xx_vat'"
"""

from __future__ import annotations

from enum import StrEnum

from taxapi.errors import InvalidRateTable
from taxapi.rate_tables.model import Jurisdiction, RateBook
from taxapi.regimes.au_gst import AU_GST
from taxapi.regimes.base import Regime
from taxapi.regimes.ca_gst import CA_GST
from taxapi.regimes.ch_vat import CH_VAT
from taxapi.regimes.eu_vat import ELSEWHERE, EU_VAT, TERRITORIES
from taxapi.regimes.gb_vat import GB_VAT
from taxapi.regimes.is_vat import IS_VAT
from taxapi.regimes.jp_ct import JP_CT
from taxapi.regimes.no_vat import NO_VAT
from taxapi.regimes.nz_gst import NZ_GST
from taxapi.regimes.sg_gst import SG_GST
from taxapi.regimes.us_sales_tax import US_SALES_TAX

#: Every regime, by its code.
REGIMES: dict[str, Regime] = {
    r.code: r for r in (EU_VAT, TERRITORIES, GB_VAT, NO_VAT, CH_VAT, IS_VAT, AU_GST, NZ_GST, SG_GST, JP_CT, CA_GST, US_SALES_TAX)
}
_BY_TABLE: dict[str, Regime] = {name: r for r in REGIMES.values() for name in r.table_regimes}
_RULE_SOURCES: dict[str, str] = {prefix: src for r in REGIMES.values() for prefix, src in r.rule_sources.items()}


def regime_for_table(name: str) -> Regime:
    """The regime that governs rate tables whose ``regime`` is ``name``."""
    try:
        return _BY_TABLE[name]
    except KeyError:
        raise KeyError(f"no regime governs rate tables of regime '{name}'") from None


def regime_of(j: Jurisdiction | None) -> Regime:
    """The regime of a jurisdiction: :data:`ELSEWHERE` for none, and for a table whose regime has no
    module yet (its rates are served; an order there is outside every supported regime's rules)."""
    return ELSEWHERE if j is None else _BY_TABLE.get(j.regime, ELSEWHERE)


def rule_source(rule: StrEnum) -> str:
    """The legal source of a rule, by its id's prefix (``gb.import.over135`` -> UK VAT)."""
    return _RULE_SOURCES.get(rule.value.split(".", 1)[0], "")


def check_book(book: RateBook) -> None:
    """Every regime that governs a table of the release finds its parameters in it."""
    used = {_BY_TABLE[j.regime].code for j in book.jurisdictions.values() if j.regime in _BY_TABLE}
    for code in sorted(used):
        regime = REGIMES[code]
        if not regime.parameters:
            continue
        params = book.parameters.get(code)
        if params is None:
            raise InvalidRateTable(f"parameters/{code}.json", "(file)", f"missing: the {code} rules need {', '.join(regime.parameters)}")
        for name in regime.parameters:
            if name not in params.parameters:
                raise InvalidRateTable(params.file, f"parameters/{name}", f"missing: the {code} rules need it")


__all__ = ["ELSEWHERE", "REGIMES", "Regime", "check_book", "regime_for_table", "regime_of", "rule_source"]
