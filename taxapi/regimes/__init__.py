"""The tax regimes, found by the ``regime`` of a jurisdiction's rate table.

Each regime is one module implementing :class:`taxapi.regimes.base.Regime` (like
``stdnum.util.get_cc_module`` finds a number module by country); the registry finds the modules
of this package itself. Adding a market is adding its module, with its rate tables, its
parameters and its tests (docs/adding-a-market.md): no list to extend.

>>> regime_for_table("eu_vat").code
'EU'
>>> regime_for_table("xx_vat")
Traceback (most recent call last):
    ...
KeyError: "no regime governs rate tables of regime 'xx_vat'"
"""

from __future__ import annotations

import importlib
import pkgutil
from enum import StrEnum
from pathlib import Path

from taxapi.errors import InvalidRateTable
from taxapi.rate_tables.model import Jurisdiction, RateBook
from taxapi.regimes.base import Regime
from taxapi.regimes.eu_vat import ELSEWHERE

#: Modules of this package that hold no regime.
_NOT_REGIMES = frozenset({"base", "common", "market"})


def _discover() -> dict[str, Regime]:
    """Every regime instance defined at the top level of a module of this package, by its code."""
    found: dict[str, Regime] = {}
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if info.name in _NOT_REGIMES:
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) or not getattr(value, "table_regimes", None) or type(value).__module__ != module.__name__:
                continue
            other = found.setdefault(value.code, value)
            if other is not value:
                raise RuntimeError(f"two regimes have the code {value.code!r}: {type(other).__name__}, {type(value).__name__}")
    return found


#: Every regime, by its code: the instances the modules of ``taxapi/regimes/`` define.
REGIMES: dict[str, Regime] = _discover()
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


def prepare_book(book: RateBook) -> None:
    """Let the regimes that build answers from a loaded book ahead of its first order do so (``prepare(book)``)."""
    for regime in REGIMES.values():
        prepare = getattr(regime, "prepare", None)
        if prepare is not None:
            prepare(book)


__all__ = ["ELSEWHERE", "REGIMES", "Regime", "check_book", "prepare_book", "regime_for_table", "regime_of", "rule_source"]
