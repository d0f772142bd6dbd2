"""Country codes accepted on the wire: ISO 3166-1 alpha-2, pinned here.

The list is data, not a lookup in babel's CLDR territories (which also hold regions,
reserved and private-use codes and change between releases). Source: ISO 3166
Maintenance Agency, Online Browsing Platform (https://www.iso.org/obp/ui/#search),
the 249 officially assigned alpha-2 codes as of 2026.
"""

from __future__ import annotations

ISO_3166_ALPHA2: frozenset[str] = frozenset("""
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM
    BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX
    CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG
    GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR
    IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV
    LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE
    NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
    RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF
    WS YE YT ZA ZM ZW
""".split())

#: Accepted besides ISO: XI (Northern Ireland, as in EU VAT numbers and api.md), XK (Kosovo:
#: a user-assigned code, used by the European Commission and most registries) and IC (the Canary
#: Islands: exceptionally reserved in ISO 3166-1 at the request of the EU, used in the EU's customs
#: and statistics nomenclature; it means ES-CN, as that table's ``match`` says).
ACCEPTED_COUNTRIES: frozenset[str] = ISO_3166_ALPHA2 | {"XI", "XK", "IC"}

_HINTS = {
    "EL": "Greece is GR; EL is its VAT-number prefix",
    "UK": "the United Kingdom is GB",
}


def country_problem(code: str) -> str | None:
    """Why ``code`` is not an accepted country code, or None when it is."""
    if code in ACCEPTED_COUNTRIES:
        return None
    hint = _HINTS.get(code)
    return f"'{code}' is not an ISO 3166-1 alpha-2 country code" + (f" ({hint})" if hint else "")
