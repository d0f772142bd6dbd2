"""Offline format and check-digit validation of VAT/GST/business numbers (python-stdnum).

It never calls a remote registry (VIES, HMRC): a number that passes here is
*well-formed*, which is what the service can know offline. An unreachable
registry is never reported as "invalid".
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from stdnum.exceptions import ValidationError as StdnumValidationError

from taxapi.errors import UnsupportedTaxId



@cache
def eu_prefixes() -> frozenset[str]:
    """VAT prefixes of the EU Member States (with ``XI``) in the release's one dated list of Member
    States (``rates/parameters/EU.json``, as of the release date); Greece's prefix is ``EL``."""
    from taxapi.rate_tables.loader import get_rate_book  # the list is rate data: read when first needed

    book = get_rate_book()
    return frozenset("EL" if cc == "GR" else cc for cc in book.eu_members.on(book.as_of, goods=True))


# country -> (stdnum module, kind)
_MODULES: dict[str, tuple[str, str]] = {
    "GB": ("stdnum.gb.vat", "gb_vat"),
    "NO": ("stdnum.no.mva", "no_vat"),
    "CH": ("stdnum.ch.vat", "ch_vat"),
    "LI": ("stdnum.ch.vat", "ch_vat"),
    "IS": ("stdnum.is_.vsk", "is_vat"),
    "AU": ("stdnum.au.abn", "au_abn"),
    "NZ": ("stdnum.nz.ird", "nz_gst"),
    "SG": ("stdnum.sg.uen", "sg_uen"),
    "CA": ("stdnum.ca.bn", "ca_bn"),
    "JP": ("stdnum.jp.cn", "jp_corporate_number"),
    "US": ("stdnum.us.ein", "us_ein"),
}


def supported_countries() -> list[str]:
    return sorted(eu_prefixes() | set(_MODULES) | {"GR"})


@dataclass(frozen=True, slots=True)
class TaxIdResult:
    valid: bool
    country: str
    compact: str
    kind: str
    reason: str | None = None


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def _country_of(number: str, country: str | None) -> str:
    if country:
        cc = country.strip().upper()
        return "EL" if cc == "GR" else cc
    head = number.strip()[:2].upper()
    if head == "GR":
        return "EL"
    if head in eu_prefixes() or head in {"GB", "NO", "CH", "IS"}:
        return head
    raise UnsupportedTaxId(
        "Cannot tell the country of this number: give it with its country prefix (DE..., GB..., CHE...) "
        "or pass ?country=.",
        errors=[{"loc": ["path", "id"], "msg": "no recognisable country prefix; pass the country parameter"}],
    )


def validate_tax_id(number: str, country: str | None = None) -> TaxIdResult:
    cc = _country_of(number, country)
    raw = number.strip()
    prefixes = eu_prefixes()
    if cc in prefixes:
        from stdnum.eu import vat

        candidate = raw if raw[:2].upper() in prefixes | {"GR"} else cc + raw
        if candidate[:2].upper() == "GR":
            candidate = "EL" + candidate[2:]
        kind = "eu_vat"
        mod: ModuleType = vat
        report_cc = "GR" if cc == "EL" else cc
    elif cc in _MODULES:
        name, kind = _MODULES[cc]
        mod = _module(name)
        candidate = raw
        report_cc = cc
    else:
        raise UnsupportedTaxId(
            f"Tax numbers of {cc} are not supported. Supported: {', '.join(supported_countries())}.",
            errors=[{"loc": ["query", "country"], "msg": f"unsupported country {cc}"}],
        )
    try:
        compact = mod.validate(candidate)
    except StdnumValidationError as exc:
        try:
            compact = mod.compact(candidate)
        except Exception:  # pragma: no cover - compact of garbage
            compact = candidate
        return TaxIdResult(False, report_cc, str(compact), kind, str(exc) or type(exc).__name__)
    except Exception as exc:  # stdnum raises plain errors on some garbage inputs
        return TaxIdResult(False, report_cc, candidate, kind, f"invalid format ({type(exc).__name__})")
    return TaxIdResult(True, report_cc, str(compact), kind)
