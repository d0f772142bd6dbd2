"""Price checks for spreadsheets: one price, a price table, or a price list file, on top of the order engine.

Every answer is a one-line ``POST /v1/calculate`` order (:func:`order_for`) computed by
:func:`taxapi.orders.service.compute_order`, so ``/v1/price``, ``/v1/batch`` and
``/v1/calculate`` agree on the same facts by construction.

The seller facts of a price check have documented defaults, because a price check names only
the destination:

* ``seller_country``: the destination country (a domestic seller), with the destination
  ``region`` when it is the same country (a US seller in the destination state has nexus).
* ``ship_from``: the destination country (goods in a local warehouse, e.g. FBA), with the
  destination ``region`` when it is the same country.
* ``marketplace``: none (a direct sale). A name means the sale is made through that
  marketplace, which facilitates it; the engine then decides whether it is the deemed supplier
  (a non-EU seller's goods in an EU warehouse, the UK, US marketplace-facilitator laws ...), and
  ``seller_proceeds`` shows what the seller keeps after the marketplace collects the tax and
  withholds what the law makes it withhold from the payout (``withheld_by_marketplace``).
* The seller facts the withholdings depend on, as ``/v1/calculate``'s ``seller`` has them:
  ``seller_type`` (``business``), ``payout_country`` (the seller's country), ``registrations``
  (not said; ``none`` says there are none), ``payouts_this_year`` (not said), and
  ``remessa_conforme`` (``false``: the marketplace is not certified in Brazil's programme).
* ``currency``: the destination jurisdiction's currency.
* ``date`` has no default: the caller sends the tax date (no hidden server "today").

Reverse pricing: with ``prices_include_tax=false`` the ``amount`` is the net the seller keeps
(net is fixed, tax added, gross derived); with ``true`` it is the shelf price (gross fixed, tax
carved out, net derived). Either way the amount given is kept to the cent, and a net priced up
to gross prices back down to the same net.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from taxapi.categories import Category
from taxapi.countries import country_problem
from taxapi.ecb import EcbRates
from taxapi.errors import TaxApiError, ValidationFailed
from taxapi.money import parse_decimal as parse_wire_decimal
from taxapi.orders.results import OrderResult
from taxapi.orders.rules import SupplyKind, place_of, supply_kind
from taxapi.orders.schemas import Address, CalculateRequest, Customer, Line, Marketplace, Origin, Seller
from taxapi.orders.service import compute_order
from taxapi.rate_tables.model import RateBook
from taxapi.sheets.numbers import NumberFormat, parse_bool, parse_day

#: Facts of one price, by their /v1/price query-parameter (and batch column) names.
INPUT_FIELDS = (
    "country", "region", "postal_code", "city", "amount", "prices_include_tax", "category", "date", "currency",
    "marketplace", "seller_country", "seller_region", "ship_from", "ship_from_region",
    "seller_type", "payout_country", "registrations", "payouts_this_year", "remessa_conforme",
)
#: Batch column headers from /v1/calculate, flattened, that mean the same facts.
COLUMN_ALIASES = {
    "ship_to_country": "country", "ship_to_region": "region", "ship_to_postal_code": "postal_code",
    "ship_to_city": "city",
    "ship_from_country": "ship_from", "marketplace_name": "marketplace", "seller_country": "seller_country",
    "seller_region": "seller_region", "line_amount": "amount", "lines_amount": "amount",
    "line_category": "category", "lines_category": "category",
    "seller_payout_country": "payout_country", "seller_registrations": "registrations",
    "seller_payouts_this_year": "payouts_this_year", "marketplace_remessa_conforme": "remessa_conforme",
}
REQUIRED_FIELDS = ("country", "amount", "date")
#: Columns /v1/batch adds to every row (api.md §4), in this order.
OUTPUT_COLUMNS = (
    "net_amount", "tax_amount", "gross_amount", "rate_percent", "jurisdiction", "taxability_reason",
    "withheld_by_marketplace", "seller_proceeds", "seller_keeps", "currency", "warnings", "error",
)
#: The added columns that are amounts in the row's currency (XLSX shows them with its minor units).
MONEY_COLUMNS = frozenset({"net_amount", "tax_amount", "gross_amount", "withheld_by_marketplace", "seller_proceeds",
                           "seller_keeps"})
#: What ``registrations`` holds when the seller is registered nowhere (an empty cell means "not said").
NO_REGISTRATIONS = "none"
_REGISTRATION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,12})?$")
_LIST_SEPARATORS = re.compile(r"[\s,;|]+")
MAX_TABLE_COUNTRIES = 60


@dataclass(frozen=True, slots=True)
class PriceFacts:
    country: str
    amount: Decimal
    date: date
    region: str | None = None
    postal_code: str | None = None
    city: str | None = None
    prices_include_tax: bool = False
    category: Category = Category.general
    currency: str | None = None
    marketplace: str | None = None
    seller_country: str | None = None
    seller_region: str | None = None
    ship_from: str | None = None
    ship_from_region: str | None = None
    seller_type: str | None = None
    payout_country: str | None = None
    registrations: tuple[str, ...] | None = None
    payouts_this_year: Decimal | None = None
    remessa_conforme: bool = False


# ----- field parsing (query parameters and batch cells share it) ------------------------------


def _code(text: str, size: tuple[int, int], what: str) -> str:
    value = text.strip().upper()
    if not (size[0] <= len(value) <= size[1]) or not value.isascii() or not value.isalnum():
        raise ValueError(f"must be {what}")
    return value


def parse_destination(text: str) -> tuple[str, str | None]:
    """``DE`` or ``US-CA`` (country with ISO 3166-2 subdivision)."""
    country, _, region = text.strip().partition("-")
    cc = _code(country, (2, 2), "an ISO 3166-1 alpha-2 country code such as DE (or US-CA with a state)")
    if not cc.isalpha():
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as DE")
    problem = country_problem(cc)
    if problem:
        raise ValueError(problem)
    return cc, (_code(region, (1, 3), "a subdivision code such as CA in US-CA") if region else None)


def _registrations(text: str) -> tuple[str, ...]:
    """``MX`` or ``MX,US-CA`` (also separated by spaces, ``;`` or ``|``); ``none``: registered nowhere."""
    if text.strip().lower() == NO_REGISTRATIONS:
        return ()
    codes = tuple(c for c in _LIST_SEPARATORS.split(text.strip().upper()) if c)
    bad = [c for c in codes if not _REGISTRATION.match(c)]
    if bad or not codes:
        raise ValueError(f"must be jurisdiction codes such as MX or US-CA, comma-separated, or '{NO_REGISTRATIONS}'"
                         + (f" (not '{bad[0]}')" if bad else ""))
    if len(codes) > 300:
        raise ValueError("at most 300 jurisdictions")
    return codes


def parse_field(name: str, value: object, nf: NumberFormat) -> Any:
    """One fact from a query parameter or a cell (str, or a typed XLSX value). ValueError says why."""
    if name in ("amount", "payouts_this_year"):
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            number = parse_wire_decimal(value)
        else:
            number = nf.parse(str(value))
        if name == "payouts_this_year" and number < 0:
            raise ValueError("must not be negative")
        return number
    if name == "date":
        return parse_day(value, nf.locale)
    if name in ("prices_include_tax", "remessa_conforme"):
        return parse_bool(value)
    text = str(value).strip()
    if name == "category":
        try:
            return Category(text.lower())
        except ValueError:
            raise ValueError(f"unknown category '{text}'; GET /v1/categories lists them") from None
    if name in ("country", "seller_country", "ship_from"):
        return parse_destination(text)
    if name == "seller_type":
        if text.lower() not in ("business", "individual"):
            raise ValueError("must be 'business' or 'individual'")
        return text.lower()
    if name == "payout_country":
        cc, region = parse_destination(text)
        if region is not None:
            raise ValueError("must be a country code such as MX (no subdivision)")
        return cc
    if name == "registrations":
        return _registrations(text)
    if name in ("region", "seller_region", "ship_from_region"):
        return _code(text, (1, 3), "a state or province code such as CA or ON")
    if name == "currency":
        value = _code(text, (3, 3), "an ISO 4217 currency code such as EUR")
        if not value.isalpha():
            raise ValueError("must be an ISO 4217 currency code such as EUR")
        return value
    if name == "postal_code":
        if len(text) > 16:
            raise ValueError("at most 16 characters")
        return text
    if name in ("marketplace", "city"):
        if len(text) > 200:
            raise ValueError("at most 200 characters")
        return text
    raise KeyError(name)  # pragma: no cover - programming error


def facts_from(values: Mapping[str, Any]) -> PriceFacts:
    """Parsed fields (``parse_field`` results) to facts; ``country``/``seller_country``/``ship_from`` carry a region."""
    kw = dict(values)
    cc, region = kw.pop("country")
    kw["country"] = cc
    if region is not None:
        if kw.get("region") not in (None, region):
            raise ValueError("region: differs from the region in country")
        kw["region"] = region
    for name, sub in (("seller_country", "seller_region"), ("ship_from", "ship_from_region")):
        if kw.get(name) is not None:
            c, r = kw[name]
            kw[name] = c
            if r is not None:
                kw[sub] = r
    return PriceFacts(**kw)


# ----- facts -> one-line order -----------------------------------------------------------------

_ONE = Decimal(1)
_CONSUMER = Customer()
_PARTS: dict[tuple[Any, ...], tuple[Seller, Origin, Address, Marketplace | None]] = {}


def _parts(f: PriceFacts) -> tuple[Seller, Origin, Address, Marketplace | None]:
    key = (f.country, f.region, f.postal_code, f.city, f.seller_country, f.seller_region, f.ship_from, f.ship_from_region, f.marketplace,
           f.seller_type, f.payout_country, f.registrations, f.payouts_this_year, f.remessa_conforme)
    hit = _PARTS.get(key)
    if hit is not None:
        return hit
    seller_country = f.seller_country or f.country
    from_country = f.ship_from or f.country
    try:
        parts = (
            Seller(country=seller_country, region=f.seller_region or (f.region if seller_country == f.country else None),
                   type=f.seller_type or "business", payout_country=f.payout_country,
                   registrations=list(f.registrations) if f.registrations is not None else None,
                   payouts_this_year=f.payouts_this_year),
            Origin(country=from_country, region=f.ship_from_region or (f.region if from_country == f.country else None)),
            Address(country=f.country, region=f.region, postal_code=f.postal_code or None, city=f.city or None),
            Marketplace(name=f.marketplace, facilitates=True, remessa_conforme=f.remessa_conforme) if f.marketplace else None,
        )
    except ValidationError as exc:  # pragma: no cover - fields are checked by parse_field first
        raise ValidationFailed(str(exc)) from None
    if len(_PARTS) < 10_000:
        _PARTS[key] = parts
    return parts


def _currency(f: PriceFacts, book: RateBook, ship_to: Address) -> str:
    if f.currency:
        return f.currency
    goods = supply_kind(f.category) is SupplyKind.goods
    place = place_of(book, ship_to.country, ship_to.region, ship_to.postal_code, goods=goods, day=f.date,
                     city=ship_to.city)
    if place.jurisdiction is None:
        raise ValidationFailed.at(["currency"], f"is required: no rate table covers {f.country} to take its currency from")
    return place.jurisdiction.currency


# What every price-check order has in common. ``model_copy(update=...)`` of these is half the cost of
# ``model_construct`` (which resolves every field's default), and a price list has 100,000 orders.
_LINE = Line.model_construct(id=None, quantity=_ONE, unit_price=None, amount=_ONE, discount=None,
                             category=Category.general, description=None, excise_goods=False)
_ORDER = CalculateRequest.model_construct(
    date=None, currency=None, prices_include_tax=False, rounding="per_line", seller=None, marketplace=None,
    customer=_CONSUMER, ship_from=None, ship_to=None, transport_mode="post", lines=[], shipping=None,
)


#: The order field each price fact fills in :func:`order_for` (by its location in the order), so that
#: an engine error about an order field names the fact it came from.
FACT_OF_ORDER_FIELD: dict[tuple[str | int, ...], str] = {
    ("ship_to", "country"): "country", ("ship_to", "region"): "region", ("ship_to", "postal_code"): "postal_code",
    ("ship_to", "city"): "city", ("ship_from", "country"): "ship_from", ("ship_from", "region"): "ship_from_region",
    ("ship_from", "postal_code"): "ship_from", ("seller", "country"): "seller_country",
    ("seller", "region"): "seller_region", ("lines", 0, "amount"): "amount", ("lines", 0, "category"): "category",
    ("date",): "date", ("currency",): "currency", ("marketplace", "name"): "marketplace",
    ("seller", "type"): "seller_type", ("seller", "payout_country"): "payout_country",
    ("seller", "registrations"): "registrations", ("seller", "payouts_this_year"): "payouts_this_year",
    ("marketplace", "remessa_conforme"): "remessa_conforme",
}


def order_for(*, facts: PriceFacts, book: RateBook) -> CalculateRequest:
    """The ``/v1/calculate`` order that a price check stands for: one line, documented seller defaults."""
    seller, origin, ship_to, marketplace = _parts(facts)
    # The parts are validated models and the engine validates the amount (sign, minor units), so
    # the order is assembled without a second validation pass; every field that varies is set.
    line = _LINE.model_copy(update={"amount": facts.amount, "category": facts.category})
    return _ORDER.model_copy(update={
        "date": facts.date,
        "currency": _currency(facts, book, ship_to),
        "prices_include_tax": facts.prices_include_tax,
        "seller": seller,
        "marketplace": marketplace,
        "ship_from": origin,
        "ship_to": ship_to,
        "lines": [line],
    })


def price_errors(exc: TaxApiError) -> list[tuple[str, str]]:
    """An engine error as (price field, message) pairs: each order field named by the fact it came from."""
    if not exc.errors:
        return [("", exc.detail)]
    out = []
    for err in exc.errors:
        loc = tuple(err.get("loc", ()))
        name = FACT_OF_ORDER_FIELD.get(loc) or FACT_OF_ORDER_FIELD.get(loc[:2]) or ".".join(map(str, loc))
        out.append((name, str(err.get("msg", exc.detail))))
    return out


def _with_query_locs(exc: TaxApiError, where: list[str | int] | None = None, prefix: str = "") -> TaxApiError:
    """The engine's error located in the query: ``query`` and the price field (``countries[i]`` in a table)."""
    pairs = price_errors(exc)
    if exc.errors:
        exc.errors = [
            {"loc": ["query", *(where if where and name in ("country", "region", "postal_code") else [name])], "msg": msg, "type": err["type"]}
            for (name, msg), err in zip(pairs, exc.errors)
        ]
        exc.detail = prefix + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors)
    elif prefix:
        exc.detail = prefix + exc.detail
    exc.args = (exc.detail,)
    return exc


def _compute(facts: PriceFacts, book: RateBook, fx: EcbRates) -> OrderResult:
    return compute_order(order=order_for(facts=facts, book=book), book=book, fx=fx)


def _row(facts: PriceFacts, result: OrderResult) -> dict[str, Any]:
    line, totals = result.lines[0], result.totals
    return {
        "country": facts.country,
        "region": facts.region,
        "postal_code": facts.postal_code,
        "city": facts.city,
        "jurisdiction": line.jurisdiction,
        "currency": result.currency,
        "date": result.date.isoformat(),
        "category": line.category,
        "prices_include_tax": facts.prices_include_tax,
        "amount": format(facts.amount, "f"),
        "net_amount": str(line.net_amount),
        "tax_amount": str(line.tax_amount),
        "gross_amount": str(line.gross_amount),
        "rate_percent": str(line.rate_percent),
        "rate_kind": line.rate_kind.value,
        "taxability_reason": line.taxability_reason.value,
        "collected_by": line.collected_by.value,
        "scheme": line.scheme.value,
        "rule": str(line.rule),
        "source": line.source,
        "tax_collected_by_seller": str(totals.tax_collected_by_seller),
        "tax_collected_by_marketplace": str(totals.tax_collected_by_marketplace),
        "tax_due_at_import": str(totals.tax_due_at_import),
        "tax_reverse_charged": str(totals.tax_reverse_charged),
        "withheld_by_marketplace": str(totals.withheld_by_marketplace),
        "seller_proceeds": str(totals.seller_proceeds),
        "seller_keeps": str(totals.seller_keeps),
        "warnings": [{"code": w.code, "detail": w.detail} for w in result.warnings],
    }


def warning_codes(codes: Iterable[str]) -> str:
    """A result's warning codes as one spreadsheet cell: space-separated, in the result's order."""
    return " ".join(codes)


def price(*, facts: PriceFacts, book: RateBook, fx: EcbRates) -> dict[str, Any]:
    """``GET /v1/price`` for one destination: the answer with ``rates_version``. Errors name query parameters."""
    try:
        result = _compute(facts, book, fx)
    except TaxApiError as exc:
        raise _with_query_locs(exc) from None
    return {"rates_version": book.version, **_row(facts, result)}


def price_table(*, destinations: Sequence[tuple[str, str | None]], facts: PriceFacts, book: RateBook,
                fx: EcbRates) -> dict[str, Any]:
    """The same price in several destinations (``countries=DE,FR,US-CA``), one row each, in the order given.

    Without ``currency`` the destinations must share one (the amount means the same money in every row).
    """
    rows_facts = [
        PriceFacts(**{**_asdict(facts), "country": cc, "region": region, "postal_code": None, "city": None})
        for cc, region in destinations
    ]
    if facts.currency is None:
        found: dict[str, list[str]] = {}
        for i, f in enumerate(rows_facts):
            try:
                cur = _currency(f, book, _parts(f)[2])
            except TaxApiError as exc:
                raise _with_query_locs(exc, ["countries", i], f"countries[{i}] ({f.country}): ") from None
            found.setdefault(cur, []).append(f.country)
        if len(found) > 1:
            listing = ", ".join(f"{cur} ({' '.join(ccs)})" for cur, ccs in found.items())
            raise ValidationFailed.at(["query", "currency"], f"is required: the countries have different currencies: {listing}")
        cur = next(iter(found))
        rows_facts = [PriceFacts(**{**_asdict(f), "currency": cur}) for f in rows_facts]
    rows = []
    for i, f in enumerate(rows_facts):
        try:
            rows.append(_row(f, _compute(f, book, fx)))
        except TaxApiError as exc:
            raise _with_query_locs(exc, ["countries", i], f"countries[{i}] ({f.country}): ") from None
    return {
        "rates_version": book.version,
        "date": facts.date.isoformat(),
        "currency": rows[0]["currency"],
        "prices": rows,
    }


def _asdict(f: PriceFacts) -> dict[str, Any]:
    return {name: getattr(f, name) for name in PriceFacts.__slots__}  # type: ignore[attr-defined]


# ----- price lists (/v1/batch) -----------------------------------------------------------------


def normalise_header(name: str) -> str:
    text = name.strip().lstrip("\ufeff").lower()
    for ch in " -.":
        text = text.replace(ch, "_")
    return COLUMN_ALIASES.get(text, text)


class RowError(Exception):
    """A price-list row that cannot be priced; the message goes in its ``error`` cell."""


@dataclass
class BatchPlan:
    """How the columns of a price list map to facts, with the request's defaults for missing cells."""

    columns: dict[str, int]  # field -> column index
    defaults: dict[str, Any]  # field -> parsed value
    nf: NumberFormat
    book: RateBook
    fx: EcbRates
    output_names: list[str]
    cache: dict[tuple[Any, ...], tuple[Any, ...]]

    def price_row(self, cells: Sequence[object]) -> tuple[Any, ...]:
        """The output cells (``OUTPUT_COLUMNS`` order) of one row; never raises for bad input."""
        try:
            facts = self._facts(cells)
            hit = self.cache.get(facts)  # type: ignore[call-overload]
            if hit is None:
                hit = self._price(facts)
                if len(self.cache) < 50_000:
                    self.cache[facts] = hit  # type: ignore[index]
            return hit
        except RowError as exc:
            return (None,) * (len(OUTPUT_COLUMNS) - 1) + (str(exc),)

    def _facts(self, cells: Sequence[object]) -> PriceFacts:
        values = dict(self.defaults)
        errors = []
        n = len(cells)
        for name, idx in self.columns.items():
            raw = cells[idx] if idx < n else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                values[name] = parse_field(name, raw, self.nf)
            except ValueError as exc:
                errors.append(f"{name}: {exc}")
        for name in REQUIRED_FIELDS:
            if name not in values and not any(e.startswith(name + ":") for e in errors):
                errors.append(f"{name}: required (no value in the row and no default in the request)")
        if errors:
            raise RowError("; ".join(errors))
        try:
            return facts_from(values)
        except ValueError as exc:
            raise RowError(str(exc)) from None

    def _price(self, facts: PriceFacts) -> tuple[Any, ...]:
        try:
            result = _compute(facts, self.book, self.fx)
        except TaxApiError as exc:
            raise RowError("; ".join(f"{name}: {msg}" if name else msg for name, msg in price_errors(exc))) from None
        line = result.lines[0]
        return (
            line.net_amount, line.tax_amount, line.gross_amount, line.rate_percent, line.jurisdiction,
            line.taxability_reason.value, result.totals.withheld_by_marketplace, result.totals.seller_proceeds,
            result.totals.seller_keeps, result.currency,
            warning_codes(w.code for w in result.warnings), None,
        )


def plan_batch(*, header: Sequence[object], query: Mapping[str, str], nf: NumberFormat, book: RateBook,
               fx: EcbRates) -> BatchPlan:
    """Map a price list's header to facts; 422 naming the problem when the file cannot be priced at all."""
    columns: dict[str, int] = {}
    names = ["" if h is None else str(h) for h in header]
    errors: list[dict[str, Any]] = []
    for idx, raw in enumerate(names):
        field = normalise_header(raw)
        if field in INPUT_FIELDS:
            if field in columns:
                errors.append({"loc": ["body", "header", idx], "msg": f"column '{raw}' means {field}, like column {columns[field] + 1}"})
            columns[field] = idx
    defaults: dict[str, Any] = {}
    for name in INPUT_FIELDS:
        if name in query and query[name].strip():
            try:
                defaults[name] = parse_field(name, query[name], nf)
            except ValueError as exc:
                errors.append({"loc": ["query", name], "msg": str(exc)})
    for name in REQUIRED_FIELDS:
        if name not in columns and name not in defaults:
            errors.append({"loc": ["body", "header"], "msg": f"no '{name}' column and no {name}= query parameter"})
    if errors:
        raise ValidationFailed("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors), errors=errors)
    taken = {n.strip() for n in names}
    output_names = []
    for col in OUTPUT_COLUMNS:
        name = col
        while name in taken:
            name = "result_" + name
        taken.add(name)
        output_names.append(name)
    return BatchPlan(columns, defaults, nf, book, fx, output_names, {})
