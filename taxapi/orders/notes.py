"""Invoice wording the law requires, in English and the language of the jurisdiction.

Reverse charge: the mention "Reverse charge" of Art. 226(11a) Directive 2006/112/EC as worded in each
language version; exempt intra-Community supply: the reference of Art. 226(11) to Art. 138.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taxapi.orders.results import Note
from taxapi.regimes.base import Reason, Scheme

if TYPE_CHECKING:
    from taxapi.regimes.base import Context, Treatment

LANGUAGE = {
    "AT": "de", "BE": "fr", "BG": "bg", "CY": "el", "CZ": "cs", "DE": "de", "DK": "da", "EE": "et", "ES": "es",
    "FI": "fi", "FR": "fr", "GR": "el", "HR": "hr", "HU": "hu", "IE": "en", "IT": "it", "LT": "lt", "LU": "fr",
    "LV": "lv", "MT": "en", "NL": "nl", "PL": "pl", "PT": "pt", "RO": "ro", "SE": "sv", "SI": "sl", "SK": "sk",
    "GB": "en", "XI": "en", "NO": "nb", "CH": "de", "LI": "de", "IS": "is",
}

REVERSE_CHARGE = {
    "en": "Reverse charge",
    "de": "Steuerschuldnerschaft des Leistungsempfängers",
    "fr": "Autoliquidation",
    "it": "Inversione contabile",
    "es": "Inversión del sujeto pasivo",
    "nl": "Btw verlegd",
    "pt": "Autoliquidação",
    "pl": "Odwrotne obciążenie",
    "sv": "Omvänd betalningsskyldighet",
    "da": "Omvendt betalingspligt",
    "fi": "Käännetty verovelvollisuus",
    "cs": "Daň odvede zákazník",
    "sk": "Prenesenie daňovej povinnosti",
    "sl": "Obrnjena davčna obveznost",
    "hu": "Fordított adózás",
    "ro": "Taxare inversă",
    "bg": "Обратно начисляване",
    "el": "Αντίστροφη επιβάρυνση",
    "hr": "Prijenos porezne obveze",
    "et": "Pöördmaksustamine",
    "lv": "Nodokļa apgrieztā maksāšana",
    "lt": "Atvirkštinis apmokestinimas",
    "nb": "Omvendt avgiftsplikt",
    "is": "Öfug skattskylda",
}

INTRA_COMMUNITY = {
    "en": "Exempt intra-Community supply (Article 138 Directive 2006/112/EC)",
    "de": "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1 Buchst. b, § 6a UStG)",
    "fr": "Exonération de TVA, article 262 ter I du CGI (livraison intracommunautaire)",
    "it": "Operazione non imponibile, art. 41 D.L. 331/1993 (cessione intracomunitaria)",
    "es": "Entrega intracomunitaria exenta (artículo 25 Ley 37/1992)",
    "nl": "Intracommunautaire levering, vrijgesteld (artikel 138 Richtlijn 2006/112/EG)",
    "pt": "Isento nos termos do artigo 14.º do RITI (transmissão intracomunitária)",
    "pl": "Wewnątrzwspólnotowa dostawa towarów, stawka 0% (art. 42 ustawy o VAT)",
}

def _language(ctx: "Context") -> tuple[str, str]:
    dest = ctx.dest
    jid = dest.jurisdiction.id if dest.jurisdiction is not None else dest.country
    return jid, LANGUAGE.get(jid, LANGUAGE.get(dest.country, "en"))


# Read once: an enum member looked up on its class costs ~0.2 us, and a line with a fixed reason (every import,
# every marketplace sale) would look up four of them.
_IOSS = Scheme.ioss
_REVERSE_CHARGE, _ICS, _EXPORT = Reason.reverse_charge, Reason.intra_community_supply, Reason.export
_NOTED = frozenset({_REVERSE_CHARGE, _ICS, _EXPORT})  # the reasons a note is written for


def invoice_notes(ctx: "Context", treatments: list["Treatment"]) -> tuple[Note, ...]:
    notes: list[Note] = []
    seen: set[str] = set()
    for t in treatments:
        if t.reason is None and t.scheme is not _IOSS:  # the usual line: nothing to mention
            continue
        reason = t.reason
        if reason not in _NOTED and t.scheme is not _IOSS:  # an import, a marketplace sale ...: nothing either
            continue
        if reason is _REVERSE_CHARGE and "reverse_charge" not in seen:
            seen.add("reverse_charge")
            _, lang = _language(ctx)
            text = (REVERSE_CHARGE["en"] + " (Article 196 Directive 2006/112/EC; customer to account for the tax)" if ctx.dest.in_eu
                    else REVERSE_CHARGE["en"] + ": customer to account for the tax")
            notes.append(Note("reverse_charge", text, "en"))
            if lang != "en" and lang in REVERSE_CHARGE:
                notes.append(Note("reverse_charge", REVERSE_CHARGE[lang], lang))
        elif reason is _ICS and "ics" not in seen:
            seen.add("ics")
            notes.append(Note("intra_community_supply", INTRA_COMMUNITY["en"], "en"))
            origin_lang = LANGUAGE.get(ctx.origin.country, "en")
            if origin_lang in INTRA_COMMUNITY and origin_lang != "en":
                notes.append(Note("intra_community_supply", INTRA_COMMUNITY[origin_lang], origin_lang))
        elif reason is _EXPORT and "export" not in seen:
            seen.add("export")
            text = ("Export: supply zero-rated / exempt, goods leave the tax territory (Article 146 Directive 2006/112/EC)"
                    if ctx.origin.in_eu else "Export: goods leave the tax territory, no tax charged")
            notes.append(Note("export", text, "en"))
        elif t.scheme is _IOSS and "ioss" not in seen:
            seen.add("ioss")
            notes.append(Note("ioss", "VAT charged at the point of sale under the Import One-Stop Shop; no VAT is due at import "
                              "(Article 143(1)(ca) Directive 2006/112/EC)", "en"))
    return tuple(notes)
