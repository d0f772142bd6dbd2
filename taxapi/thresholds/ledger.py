"""Reading one ledger row: validation and normalisation, no threshold logic.

A row is a 12-tuple in :data:`FIELDS` order (from a JSON sale or a CSV line),
read with its row number: the row a spreadsheet shows for it (the header is
row 1, see :mod:`taxapi.ingest`). :class:`RowReader` turns it into a
:class:`Sale` (the facts the threshold rules look at) or a :class:`Rejection`
(row number, stable code, reason). It keeps
small caches (dates, countries), so reading a long ledger costs a few dict
look-ups per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from taxapi.categories import Category
from taxapi.countries import ACCEPTED_COUNTRIES
from taxapi.money import DECIMAL_PATTERN, supported_currencies
from taxapi.rate_tables.model import RateBook, is_northern_ireland_postcode

FIELDS = (
    "date",
    "ship_to_country",
    "ship_to_region",
    "ship_to_postal_code",
    "ship_from_country",
    "net_amount",
    "currency",
    "customer_type",
    "category",
    "channel",
    "transactions",
    "exemption",
)
REQUIRED = ("date", "ship_to_country", "net_amount", "currency")
#: Column names of a ledger file (CSV header, Parquet / Arrow field), lower case -> field.
COLUMN_ALIASES = {f: f for f in FIELDS} | {
    "ship_to.country": "ship_to_country",
    "ship_to.region": "ship_to_region",
    "ship_to.postal_code": "ship_to_postal_code",
    "ship_from.country": "ship_from_country",
}

_DECIMAL_RE = re.compile(DECIMAL_PATTERN)
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_CODE_RE = re.compile(r"^[A-Z]{2}$")

#: ISO 3166-2 subdivisions the thresholds distinguish (codes without the country prefix).
US_REGIONS = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
    "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR UM VI".split()
)
CA_REGIONS = frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT".split())
#: Territories treated as part of another country's VAT area (VAT Directive Art. 7: Monaco -> France;
#: the Isle of Man shares UK VAT).
VAT_AREA_OF = {"MC": "FR", "IM": "GB"}
#: US territories with an ISO 3166-1 code of their own that have a sales-tax rule (Puerto Rico's IVU).
US_TERRITORIES = {"PR": "US-PR"}

EARLIEST_SALE = date(1990, 1, 1)
CUSTOMER_TYPES = frozenset({"consumer", "business"})
CHANNELS = frozenset({"direct", "marketplace"})
EXEMPTIONS = frozenset({"resale", "government", "nonprofit", "other"})
_DIGITAL = frozenset({Category.digital_services.value, Category.ebooks.value})
CATEGORIES = frozenset(c.value for c in Category)


def iso_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes plus XI (Northern Ireland) and XK: :mod:`taxapi.countries`."""
    return ACCEPTED_COUNTRIES


class Sale(NamedTuple):
    row: int
    day: date
    dest: str  # GB, XI, US-CA, CA-QC, CA (province unknown), ES-CN (outside-VAT territory) ...
    cls: tuple[str, str, str, str | None, bool, str]  # supply, customer, channel, exemption, exempt category, ship_from
    currency: str
    amount: Decimal
    transactions: int


@dataclass(frozen=True, slots=True)
class Rejection:
    row: int
    code: str
    detail: str
    partition: str | None = None  # partitioned ledgers: the file, relative to the dataset root

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "code": self.code, "detail": self.detail}
        if self.partition is not None:
            out["partition"] = self.partition
        return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class RowReader:
    """Validates and normalises ledger rows for one request."""

    def __init__(self, *, as_of: date, seller_country: str, book: RateBook | None):
        self.as_of = as_of
        self.seller_country = seller_country
        self.book = book
        self.countries = iso_countries()
        self.currencies = supported_currencies()
        self._dates: dict[str, date | Rejection] = {}
        self._territory_cache: dict[tuple[str, str], str] = {}
        self._postcode_countries: frozenset[str] = frozenset(
            m.country for j in (book.jurisdictions.values() if book else ()) for m in j.match if m.postal_code is not None
        )
        self.missing_ca_region = 0

    # -- pieces ------------------------------------------------------------------------------

    def parse_day(self, value: Any) -> date | str:
        """The date, or the reason it is refused."""
        key = value if isinstance(value, str) else repr(value)
        hit = self._dates.get(key)
        if hit is None:
            text = _text(value)
            if text is None:
                hit = Rejection(-1, "missing_field", "date is empty")
            elif not _DATE_RE.match(text):
                hit = Rejection(-1, "invalid_date", f"date '{text}' is not YYYY-MM-DD")
            else:
                try:
                    day = date.fromisoformat(text)
                except ValueError:
                    hit = Rejection(-1, "invalid_date", f"date '{text}' is not a calendar date")
                else:
                    if day > self.as_of:
                        hit = Rejection(-1, "after_as_of", f"date {text} is after as_of {self.as_of.isoformat()}")
                    elif day < EARLIEST_SALE:
                        hit = Rejection(-1, "invalid_date", f"date {text} is before {EARLIEST_SALE.isoformat()}, outside the supported range")
                    else:
                        hit = day
            if len(self._dates) < 100_000:
                self._dates[key] = hit
        return hit  # type: ignore[return-value]

    @staticmethod
    def parse_amount(value: Any) -> Decimal | str:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return "net_amount is empty"
            if not _DECIMAL_RE.match(text):
                return f"net_amount '{text[:40]}' is not a decimal number (dot as separator, e.g. 19.99)"
            return Decimal(text)
        if isinstance(value, bool) or value is None:
            return "net_amount must be a decimal string"
        if isinstance(value, int):
            if len(str(abs(value))) > 15:
                return "net_amount has more than 15 digits; send a decimal string"
            return Decimal(value)
        if isinstance(value, Decimal):  # a JSON number, read exactly
            if not value.is_finite():
                return "net_amount must be finite"
            digits = value.as_tuple()
            if len(digits.digits) > 15 or digits.exponent < -12 or abs(value) >= Decimal(10) ** 15:  # type: ignore[operator]
                return "net_amount as a JSON number has more than 15 significant digits; send a decimal string"
            return value
        return "net_amount must be a decimal string"

    def _dest(self, country: str, region: str | None, postal: str | None) -> str | Rejection:
        country = VAT_AREA_OF.get(country, country)
        if country in US_TERRITORIES:
            return US_TERRITORIES[country]
        if country == "US":
            if region is None:
                return Rejection(-1, "missing_field", "ship_to region (the US state) is required for sales to the US")
            if region not in US_REGIONS:
                return Rejection(-1, "unknown_region", f"'{region}' is not a US state or territory code")
            return f"US-{region}"
        if country == "CA":
            if region is None:
                self.missing_ca_region += 1
                return "CA"
            if region not in CA_REGIONS:
                return Rejection(-1, "unknown_region", f"'{region}' is not a Canadian province or territory code")
            return f"CA-{region}"
        if postal is not None:
            if country == "GB" and is_northern_ireland_postcode(postal):
                return "XI"
            if country in self._postcode_countries and self.book is not None:
                key = (country, postal)
                hit = self._territory_cache.get(key)
                if hit is None:
                    try:
                        j = self.book.resolve(country, region, postal)
                    except Exception:  # noqa: BLE001 - no table for the address: keep the country
                        hit = country
                    else:
                        hit = j.id if j.regime == "outside_eu_vat" else country
                    if len(self._territory_cache) < 50_000:
                        self._territory_cache[key] = hit
                return hit
        return country

    # -- one row -----------------------------------------------------------------------------

    def read(self, row: int, values: tuple[Any, ...] | list[Any]) -> Sale | Rejection:
        """The sale at ``row`` (the row a spreadsheet shows for it)."""
        (d, to_c, to_r, to_pc, from_c, amount, currency, customer, category, channel, tx, exemption) = values
        day = self.parse_day(d)
        if isinstance(day, Rejection):
            return Rejection(row, day.code, day.detail)
        country = _text(to_c)
        if country is None:
            return Rejection(row, "missing_field", "ship_to country is empty")
        country = country.upper()
        if country == "EL":
            country = "GR"
        if country not in self.countries:
            return Rejection(row, "unknown_country", f"'{country[:12]}' is not an ISO 3166-1 alpha-2 country code")
        region = _text(to_r)
        dest = self._dest(country, region.upper() if region else None, _text(to_pc))
        if isinstance(dest, Rejection):
            return Rejection(row, dest.code, dest.detail)
        value = self.parse_amount(amount)
        if isinstance(value, str):
            return Rejection(row, "invalid_amount", value)
        cur = _text(currency)
        if cur is None:
            return Rejection(row, "missing_field", "currency is empty")
        cur = cur.upper()
        if cur not in self.currencies:
            return Rejection(row, "unsupported_currency", f"'{cur[:12]}' is not an ISO 4217 currency")
        ship_from = _text(from_c)
        if ship_from is None:
            ship_from = self.seller_country
        else:
            ship_from = ship_from.upper()
            if ship_from == "EL":
                ship_from = "GR"
            if ship_from not in self.countries:
                return Rejection(row, "unknown_country", f"ship_from '{ship_from[:12]}' is not an ISO 3166-1 alpha-2 country code")
        cust = (_text(customer) or "consumer").lower()
        if cust not in CUSTOMER_TYPES:
            return Rejection(row, "invalid_field", f"customer_type '{cust[:20]}' is not consumer or business")
        cat = (_text(category) or "general").lower()
        if cat not in CATEGORIES:
            return Rejection(row, "invalid_field", f"category '{cat[:30]}' is not a product tax category")
        chan = (_text(channel) or "direct").lower()
        if chan not in CHANNELS:
            return Rejection(row, "invalid_field", f"channel '{chan[:20]}' is not direct or marketplace")
        if tx is None or tx == "":
            count = 1
        elif isinstance(tx, int) and not isinstance(tx, bool):
            count = tx
        elif isinstance(tx, str) and tx.strip().isdigit():
            count = int(tx.strip())
        else:
            return Rejection(row, "invalid_field", f"transactions '{str(tx)[:20]}' is not a whole number")
        if count < 0:
            return Rejection(row, "invalid_field", "transactions must not be negative")
        exempt = _text(exemption)
        if exempt is not None:
            exempt = exempt.lower()
            if exempt not in EXEMPTIONS:
                return Rejection(row, "invalid_field", f"exemption '{exempt[:20]}' is not resale, government, nonprofit or other")
        supply = "digital_services" if cat in _DIGITAL else ("services" if cat == "services" else "goods")
        return Sale(row, day, dest, (supply, cust, chan, exempt, cat == "exempt", ship_from), cur, value, count)
