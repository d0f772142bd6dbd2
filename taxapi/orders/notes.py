"""Invoice wording the law requires, in English and the language of the jurisdiction.

Reverse charge: the mention "Reverse charge" of Art. 226(11a) Directive 2006/112/EC as worded in each
language version; exempt intra-Community supply: the reference of Art. 226(11) to Art. 138.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taxapi.orders.rules import Context, Treatment

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

RULE_SOURCES = {
    "eu": "https://eur-lex.europa.eu/eli/dir/2006/112/oj (Directive 2006/112/EC)",
    "gb": "https://www.gov.uk/guidance/vat-and-overseas-goods-sold-directly-to-customers-in-the-uk",
    "xi": "https://www.gov.uk/guidance/vat-and-overseas-goods-sold-directly-to-customers-in-the-uk",
    "ch": "https://www.estv.admin.ch/estv/en/home/value-added-tax/vat-tax-liability/mail-order-trade.html",
    "no": "https://www.skatteetaten.no/en/business-and-organisation/vat-and-duties/vat/foreign/e-commerce-voec/",
    "au": "https://www.ato.gov.au/law/view/document?DocID=COD/LCR20181/NAT/ATO/00001",
    "nz": "https://www.ird.govt.nz/gst/gst-for-overseas-businesses/gst-on-low-value-imported-goods",
    "sg": "https://www.iras.gov.sg/taxes/goods-services-tax-(gst)/gst-and-digital-economy",
    "jp": "https://www.nta.go.jp/english/taxes/consumption_tax/",
    "ca": "https://www.canada.ca/en/revenue-agency/services/tax/businesses/topics/gst-hst-businesses/digital-economy-gsthst.html",
    "us": "https://www.streamlinedsalestax.org/",
}


def _language(ctx: "Context") -> tuple[str, str]:
    dest = ctx.dest
    jid = dest.jurisdiction.id if dest.jurisdiction is not None else dest.country
    return jid, LANGUAGE.get(jid, LANGUAGE.get(dest.country, "en"))


def invoice_notes(ctx: "Context", treatments: list["Treatment"]) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for t in treatments:
        if t.reason == "reverse_charge" and "reverse_charge" not in seen:
            seen.add("reverse_charge")
            _, lang = _language(ctx)
            notes.append({"code": "reverse_charge", "text": REVERSE_CHARGE["en"] + " (Article 196 Directive 2006/112/EC; customer to account for the tax)" if ctx.dest.area == "EU" else REVERSE_CHARGE["en"] + ": customer to account for the tax", "language": "en"})
            if lang != "en" and lang in REVERSE_CHARGE:
                notes.append({"code": "reverse_charge", "text": REVERSE_CHARGE[lang], "language": lang})
        elif t.reason == "intra_community_supply" and "ics" not in seen:
            seen.add("ics")
            notes.append({"code": "intra_community_supply", "text": INTRA_COMMUNITY["en"], "language": "en"})
            origin_lang = LANGUAGE.get(ctx.origin.country, "en")
            if origin_lang in INTRA_COMMUNITY and origin_lang != "en":
                notes.append({"code": "intra_community_supply", "text": INTRA_COMMUNITY[origin_lang], "language": origin_lang})
        elif t.reason == "export" and "export" not in seen:
            seen.add("export")
            notes.append({"code": "export", "text": "Export: supply zero-rated / exempt, goods leave the tax territory (Article 146 Directive 2006/112/EC)" if ctx.origin.area == "EU" else "Export: goods leave the tax territory, no tax charged", "language": "en"})
        elif t.scheme == "ioss" and "ioss" not in seen:
            seen.add("ioss")
            notes.append({"code": "ioss", "text": "VAT charged at the point of sale under the Import One-Stop Shop; no VAT is due at import (Article 143(1)(ca) Directive 2006/112/EC)", "language": "en"})
    return notes
