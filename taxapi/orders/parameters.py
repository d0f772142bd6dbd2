"""Legal parameters of the order rules: consignment and item value limits, with their sources.

Each is a value in its own currency from a date; the rules compare a converted order value
against them (ECB rate of the order date, reported in ``conversions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

EU_MEMBER_STATES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)


@dataclass(frozen=True, slots=True)
class Limit:
    amount: Decimal
    currency: str
    since: date
    source: str


#: Intrinsic value of a consignment for the IOSS / Art. 14a(1) deemed supplier (VAT Directive Art. 369l).
EU_IOSS_LIMIT = Limit(Decimal("150"), "EUR", date(2021, 7, 1), "https://eur-lex.europa.eu/eli/dir/2006/112/art_369l (Directive 2006/112/EC Art. 369l, Art. 14a(1))")
#: EU-wide distance-sales and TBE threshold (Art. 59c).
EU_DISTANCE_THRESHOLD = Limit(Decimal("10000"), "EUR", date(2021, 7, 1), "https://eur-lex.europa.eu/eli/dir/2006/112/art_59c (Directive 2006/112/EC Art. 59c)")
#: The 2019–2021 EUR 10,000 threshold for TBE services only (old Art. 58(2)).
EU_TBE_THRESHOLD_2019 = Limit(Decimal("10000"), "EUR", date(2019, 1, 1), "https://www.legislation.gov.uk/eudr/2006/112/article/58 (Directive 2006/112/EC Art. 58(2), as amended by Directive (EU) 2017/2455)")
#: Start of the e-commerce package: OSS, IOSS, deemed supplier.
EU_ECOMMERCE_START = date(2021, 7, 1)
#: GB: consignments of £135 or less are supplied in the UK at the point of sale (VATA 1994 s.7, s.5A).
GB_CONSIGNMENT_LIMIT = Limit(Decimal("135"), "GBP", date(2021, 1, 1), "https://www.gov.uk/guidance/vat-and-overseas-goods-sold-directly-to-customers-in-the-uk (VATA 1994 s.7, s.5A)")
#: Northern Ireland follows EU rules for goods from this date (Protocol on Ireland/Northern Ireland).
XI_START = date(2021, 1, 1)
#: Norway VOEC: items below NOK 3,000, shipping excluded from the test, included in the VAT.
NO_VOEC_ITEM_LIMIT = Limit(Decimal("3000"), "NOK", date(2020, 4, 1), "https://www.skatteetaten.no/en/business-and-organisation/vat-and-duties/vat/foreign/e-commerce-voec/low-value/")
#: Switzerland: import tax not levied where it is CHF 5 or less (Art. 1 para. 2 let. a VO EFD).
CH_IMPORT_DE_MINIMIS = Limit(Decimal("5"), "CHF", date(2019, 1, 1), "https://www.estv.admin.ch/estv/en/home/value-added-tax/vat-tax-liability/mail-order-trade.html")
#: Switzerland: platforms deemed suppliers from 2025-01-01 (Art. 20a MWSTG).
CH_PLATFORM_START = date(2025, 1, 1)
#: Australia: low-value goods, customs value A$1,000 or less, GST at the point of sale (GST Act Div 84-C).
AU_LVG_LIMIT = Limit(Decimal("1000"), "AUD", date(2018, 7, 1), "https://www.ato.gov.au/law/view/document?DocID=COD/LCR20181/NAT/ATO/00001 (LCR 2018/1)")
#: New Zealand: low-value goods, NZ$1,000 or less per item (GST Act 1985 s.8(3)(c)).
NZ_LVG_LIMIT = Limit(Decimal("1000"), "NZD", date(2019, 12, 1), "https://www.ird.govt.nz/gst/gst-for-overseas-businesses/gst-on-low-value-imported-goods/what-low-value-goods-are")
#: Singapore: low-value goods by air or post, S$400 or less (GST Act s.14A; OVR regime).
SG_LVG_LIMIT = Limit(Decimal("400"), "SGD", date(2023, 1, 1), "https://www.iras.gov.sg/taxes/goods-services-tax-(gst)/gst-and-digital-economy/gst-on-imports-of-low-value-goods")
#: Japan: imports with a taxable value of JPY 10,000 or less are exempt (until the FY2026 reform takes effect).
JP_SMALL_IMPORT_LIMIT = Limit(Decimal("10000"), "JPY", date(1980, 1, 1), "https://www.customs.go.jp/english/summary/tariff.htm (Customs Tariff Act, exemption for small consignments)")
JP_SMALL_IMPORT_END = date(2028, 4, 1)
#: Japan: platform taxation of digital services from 2025-04-01 (Consumption Tax Act Art. 15-2).
JP_PLATFORM_START = date(2025, 4, 1)
