"""OSS / IOSS return data from a seller's ledger. No FastAPI here.

One-Stop-Shop returns ("OSS-Erklärung", déclaration guichet unique) are filed with the Member State
of identification (MSI) for every Member State of consumption at once:

* **Union OSS** (VAT Directive Arts. 369a–369k): intra-Community distance sales of goods, B2C
  services by EU-established sellers in Member States other than their own, and domestic
  supplies by deemed suppliers (electronic interfaces, Art. 14a(2)). Quarterly (Art. 369f).
* **non-Union OSS** (Arts. 358a–369): B2C services by sellers not established in the EU.
  Quarterly (Art. 364).
* **IOSS** (Arts. 369l–369x): distance sales of goods imported in consignments of at most
  EUR 150. Monthly (Art. 369s).

The return states, per Member State of consumption and rate, the taxable amount and the VAT
(Art. 365, 369g, 369t); goods dispatched from other Member States and supplies from fixed
establishments are shown per dispatching Member State (Art. 369g(2), (3)). Amendments of earlier
returns go into a later return, naming the Member State of consumption, the period and the VAT
amount (Art. 369g(4), 369t(2); from 1 July 2021). Amounts in other currencies are converted at
the ECB rate of the last day of the period, or of the next day with a publication
(Art. 366(2), 369h, 369u).

How a ledger becomes a return here:

* Sums are kept per (section, country, dispatch country, deemed supplier, rate, currency) in the
  row currency, exactly (``Decimal``); nothing per row is kept, so memory is bounded by the number
  of distinct keys, not of rows.
* Each line is converted to EUR once (the sum over its currencies of ``subtotal / rate``) and
  rounded once, half up to the cent (Council Regulation (EC) 1103/97 Art. 5 for euro conversions).
* Corrections (rows whose ``original_period`` is an earlier return period) are summed per
  (original period, country) and converted at the ECB rate of the last day of the **original**
  period, the rate the amended return used.
* Every row is accounted for: it is summed (``transactions_count``) or rejected with its row
  number and a reason code.

More information:

* https://taxation-customs.ec.europa.eu/taxation/vat/oss_en (Guide to the VAT One Stop Shop)
* https://eur-lex.europa.eu/eli/dir/2006/112/oj (VAT Directive, consolidated)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, Iterable, Iterator, Mapping

from taxapi.categories import NUMERIC_KIND_ORDER, SERVICE_CATEGORIES, RateKind
from taxapi.ecb import EUR, EcbRates, FxRate
from taxapi.errors import ExchangeRateNotFound, ValidationFailed
from taxapi.ingest import FIRST_DATA_ROW, CsvRecords, Deadline
from taxapi.money import parse_decimal, quantize
from taxapi.orders.results import ApportionedShipping, OrderResult
from taxapi.oss.periods import FIRST_DAY, Period, parse_period
from taxapi.rate_tables.loader import get_rate_book
from taxapi.rate_tables.model import RateBook
from taxapi.wire import parse_iso_date

SCHEMES = ("union", "non_union", "ioss")

#: Northern Ireland: inside the Union OSS and IOSS for goods (Windsor Framework), not for services.
NORTHERN_IRELAND = "XI"
COUNTRY_ALIASES = {"EL": "GR"}

#: Sections of the return, in the order the return shows them.
SECTIONS = (
    "services_from_msi",  # services supplied from the Member State of identification
    "goods_from_msi",  # goods dispatched from the Member State of identification
    "services_from_fixed_establishment",  # services from a fixed establishment in another Member State
    "goods_from_other_ms",  # goods dispatched from another Member State
    "deemed_supplier_domestic",  # Art. 14a(2) supplies where dispatch begins and ends in the same other MS
    "services",  # non-Union OSS
    "imported_goods",  # IOSS
)
_SECTION_ORDER = {s: i for i, s in enumerate(SECTIONS)}
GOODS_SECTIONS = frozenset({"goods_from_msi", "goods_from_other_ms", "deemed_supplier_domestic", "imported_goods"})

#: Rejection reason codes (stable).
REJECT_CODES = {
    "malformed_row": "the row is not a record of the ledger's columns",
    "missing_field": "a required field is empty",
    "invalid_date": "date is not YYYY-MM-DD",
    "invalid_country": "not an ISO country code the scheme covers",
    "invalid_supply": "supply is not goods or services",
    "invalid_rate": "rate_percent is not a percentage",
    "invalid_amount": "an amount is not a decimal number",
    "sign_mismatch": "net_amount and tax_amount have opposite signs",
    "unsupported_currency": "no ECB reference rate exists for the currency",
    "invalid_original_period": "original_period is not a return period of the scheme",
    "original_period_required": "a refund or credit note must name the period of the original supply",
    "outside_period": "the date is not in the return period",
    "other_scheme": "the supply belongs in another scheme or return",
    "domestic_supply": "a domestic supply is declared in the national VAT return, not in OSS",
}

MAX_REJECTED = 10_000
CONVERSION_CONTEXT = Context(prec=50)  # explicit: conversion never depends on the ambient context
CENT = 2
ZERO = Decimal(0)
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n", ""}
_SCHEME_NAMES = {
    "union": "union", "oss_union": "union",
    "non_union": "non_union", "oss_non_union": "non_union",
    "ioss": "ioss",
}

LEDGER_COLUMNS = (
    "id", "date", "country_of_consumption", "ship_from_country", "supply", "rate_percent",
    "net_amount", "tax_amount", "currency", "deemed_supplier", "original_period", "scheme",
)
REQUIRED_CSV_COLUMNS = ("date", "country_of_consumption", "supply", "rate_percent", "net_amount", "tax_amount", "currency")


class RowRejected(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


_exact_add = CONVERSION_CONTEXT.add  # sums never round, whatever the ambient context


def _money(value: Decimal) -> Decimal:
    """Round half up to the cent, without a negative zero."""
    out = quantize(value, CENT, rounding=ROUND_HALF_UP)
    return out.copy_abs() if out == 0 else out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    raise RowRejected("malformed_row", f"expected a text value, got {type(value).__name__}")


def normalise_country(code: str) -> str:
    cc = code.strip().upper()
    return COUNTRY_ALIASES.get(cc, cc)


@dataclass(frozen=True, slots=True)
class ReturnSpec:
    """What is being summarised: scheme, period, Member State of identification."""

    scheme: str
    period: Period
    msi: str
    member_states: frozenset[str] = frozenset()  # EU Member States at the end of the period (XI apart)

    @property
    def return_period(self) -> Period:
        """The period of the return itself: the quarter for OSS, the month for IOSS."""
        return self.period if self.scheme == "ioss" else self.period.quarter()


def return_spec(*, scheme: str, period: str, member_state_of_identification: str, loc: str = "body") -> ReturnSpec:
    """Validate the return's parameters; a ValidationFailed names each bad one."""
    errors: list[dict[str, Any]] = []
    if scheme not in SCHEMES:
        errors.append({"loc": [loc, "scheme"], "msg": f"must be one of {', '.join(SCHEMES)}"})
    parsed: Period | None = None
    try:
        parsed = parse_period(period)
    except ValueError as exc:
        errors.append({"loc": [loc, "period"], "msg": str(exc)})
    if parsed is not None:
        if parsed.start < FIRST_DAY:
            errors.append({"loc": [loc, "period"], "msg": "the OSS and IOSS schemes apply from 2021-07-01 (2021-Q3)"})
        elif scheme == "ioss" and parsed.quarterly:
            errors.append({"loc": [loc, "period"], "msg": "IOSS returns are monthly (Art. 369s): give a month such as 2026-07"})
    # The Member States of the period (one dated list: rates/parameters/EU.json); Greece is GR, EL an alias.
    members = get_rate_book().eu_members.on(parsed.end if parsed is not None else FIRST_DAY)
    msi = normalise_country(member_state_of_identification or "")
    if msi not in members:
        errors.append({"loc": [loc, "member_state_of_identification"], "msg": "must be an EU Member State (ISO code, e.g. DE)"})
    if errors:
        raise ValidationFailed("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors), errors=errors)
    assert parsed is not None
    return ReturnSpec(scheme=scheme, period=parsed, msi=msi, member_states=members)


@dataclass
class OssLedger:
    """Accumulates ledger rows into return lines. Rows are never kept, only sums per key.

    Two ledgers of the same return can be merged (:meth:`merge`): the result is the same as if
    every row had been added to one ledger.
    """

    spec: ReturnSpec
    max_rejected: int = MAX_REJECTED
    rows_count: int = 0
    transactions_count: int = 0
    rejected_count: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    # (section, country, ship_from, deemed, rate, currency) -> [net, tax, count]
    lines: dict[tuple[str, str, str, bool, Decimal, str], list[Any]] = field(default_factory=dict)
    # (original return period text, country, currency) -> [net, tax, count]
    corrections: dict[tuple[str, str, str], list[Any]] = field(default_factory=dict)
    _dates: dict[str, date] = field(default_factory=dict, repr=False)
    _rates: dict[str, Decimal] = field(default_factory=dict, repr=False)
    _periods: dict[str, Period] = field(default_factory=dict, repr=False)
    _currencies: frozenset[str] = field(default_factory=frozenset, repr=False)
    #: For partitioned input: the file (path relative to the dataset root) the rows come from;
    #: rejected rows then name it in ``partition`` and count ``row`` inside that file.
    partition: str | None = None

    def __post_init__(self) -> None:
        if not self._currencies:
            from taxapi.ecb import get_ecb_rates

            self._currencies = frozenset(get_ecb_rates().currencies())

    # -- input -------------------------------------------------------------------------------

    def add_row(self, row: Any, *, row_number: int) -> None:
        """Add one JSON row (a mapping with the ledger's field names)."""
        self.rows_count += 1
        row_id = None
        try:
            if not isinstance(row, Mapping):
                raise RowRejected("malformed_row", "a transaction must be an object")
            raw_id = row.get("id")
            row_id = None if raw_id is None or isinstance(raw_id, (dict, list)) else _text(raw_id)
            self._accept(*(row.get(name) for name in LEDGER_COLUMNS[1:]))
        except RowRejected as exc:
            self._reject(row_number, row_id, exc.code, exc.detail)

    def add_values(self, row_number: int, row_id: str | None, *values: Any) -> None:
        """Add one row given as values in :data:`LEDGER_COLUMNS` order after ``id``."""
        self.rows_count += 1
        try:
            self._accept(*values)
        except RowRejected as exc:
            self._reject(row_number, row_id or None, exc.code, exc.detail)

    def reject(self, row_number: int, row_id: str | None, code: str, detail: str) -> None:
        self.rows_count += 1
        self._reject(row_number, row_id, code, detail)

    def _reject(self, row_number: int, row_id: str | None, code: str, detail: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < self.max_rejected:
            entry = {"row": row_number, "id": row_id, "code": code, "detail": detail}
            if self.partition is not None:
                entry["partition"] = self.partition
            self.rejected.append(entry)

    def _date(self, value: Any, name: str) -> date:
        key = value if isinstance(value, str) else None
        if key is not None:
            hit = self._dates.get(key)
            if hit is not None:
                return hit
        text = _text(value)
        if not text:
            raise RowRejected("missing_field", f"{name} is required")
        try:
            day = parse_iso_date(text)
        except ValueError as exc:
            raise RowRejected("invalid_date", f"{name} {exc}") from None
        if key is not None and len(self._dates) < 10_000:
            self._dates[key] = day
        return day

    def _amount(self, value: Any, name: str) -> Decimal:
        if value is None or value == "":
            raise RowRejected("missing_field", f"{name} is required")
        try:
            return parse_decimal(value)
        except ValueError as exc:
            raise RowRejected("invalid_amount", f"{name} {exc}") from None

    def _rate(self, value: Any) -> Decimal:
        key = value if isinstance(value, str) else None
        if key is not None:
            hit = self._rates.get(key)
            if hit is not None:
                return hit
        if value is None or value == "":
            raise RowRejected("missing_field", "rate_percent is required")
        try:
            rate = parse_decimal(value)
        except ValueError as exc:
            raise RowRejected("invalid_rate", f"rate_percent {exc}") from None
        if not ZERO <= rate < 100:
            raise RowRejected("invalid_rate", "rate_percent must be at least 0 and below 100")
        if key is not None and len(self._rates) < 1_000:
            self._rates[key] = rate
        return rate

    def _original_period(self, value: Any) -> Period | None:
        text = _text(value)
        if not text:
            return None
        hit = self._periods.get(text)
        if hit is None:
            try:
                hit = parse_period(text)
            except ValueError as exc:
                raise RowRejected("invalid_original_period", f"original_period {exc}") from None
            if hit.start < FIRST_DAY:
                raise RowRejected("invalid_original_period", "original_period is before the schemes started (2021-Q3)")
            if self.spec.scheme == "ioss":
                if hit.quarterly:
                    raise RowRejected("invalid_original_period", "IOSS return periods are months (2026-07)")
            elif not hit.quarterly:
                hit = hit.quarter()  # a month of a quarterly return: the correction amends that quarter
            if len(self._periods) < 1_000:
                self._periods[text] = hit
        return hit

    def _accept(
        self, date_v: Any, country_v: Any, ship_from_v: Any, supply_v: Any, rate_v: Any, net_v: Any,
        tax_v: Any, currency_v: Any, deemed_v: Any, original_v: Any, scheme_v: Any,
    ) -> None:
        correction, key, net, tax = self.classify(
            date_v, country_v, ship_from_v, supply_v, rate_v, net_v, tax_v, currency_v, deemed_v, original_v, scheme_v)
        self.add_sums(correction, key, net, tax, 1)

    def add_sums(self, correction: bool, key: tuple[Any, ...], net: Decimal, tax: Decimal, count: int) -> None:
        """Add ``count`` accepted rows summing to ``net`` / ``tax`` to a line (or correction) key of
        :meth:`classify`."""
        target: dict[Any, list[Any]] = self.corrections if correction else self.lines  # type: ignore[assignment]
        sums = target.get(key)
        if sums is None:
            target[key] = [net, tax, count]
        else:
            sums[0] = _exact_add(sums[0], net)
            sums[1] = _exact_add(sums[1], tax)
            sums[2] += count
        self.transactions_count += count

    def classify(
        self, date_v: Any, country_v: Any, ship_from_v: Any, supply_v: Any, rate_v: Any, net_v: Any,
        tax_v: Any, currency_v: Any, deemed_v: Any, original_v: Any, scheme_v: Any,
    ) -> tuple[bool, tuple[Any, ...], Decimal, Decimal]:
        """Validate one row: ``(is_correction, key, net, tax)``, or :class:`RowRejected`. Adds nothing.

        The outcome depends on the amounts only through their parsing and signs, so a vectorised
        reader may classify one representative row per distinct combination of the other fields."""
        spec = self.spec
        scheme = spec.scheme
        # -- parse -----------------------------------------------------------------------------
        day = self._date(date_v, "date")
        country = normalise_country(_text(country_v))
        if not country:
            raise RowRejected("missing_field", "country_of_consumption is required")
        ship_from = normalise_country(_text(ship_from_v))
        supply = _text(supply_v).lower()
        if supply not in ("goods", "services"):
            raise RowRejected("invalid_supply" if supply else "missing_field", "supply must be goods or services")
        rate = self._rate(rate_v)
        net = self._amount(net_v, "net_amount")
        tax = self._amount(tax_v, "tax_amount")
        if (net > 0 and tax < 0) or (net < 0 and tax > 0):
            raise RowRejected("sign_mismatch", "net_amount and tax_amount must have the same sign")
        currency = _text(currency_v).upper()
        if not currency:
            raise RowRejected("missing_field", "currency is required")
        if currency not in self._currencies:
            raise RowRejected("unsupported_currency", f"the ECB publishes no reference rate for '{currency}'")
        deemed_t = _text(deemed_v).lower()
        if deemed_t in _TRUE:
            deemed = True
        elif deemed_t in _FALSE:
            deemed = False
        else:
            raise RowRejected("malformed_row", "deemed_supplier must be true or false")
        original = self._original_period(original_v)
        row_scheme = _text(scheme_v).lower()
        if row_scheme and _SCHEME_NAMES.get(row_scheme) != scheme:
            raise RowRejected("other_scheme", f"the row is reported under '{row_scheme}', not the {scheme} scheme")

        # -- period ----------------------------------------------------------------------------
        period = spec.period
        correction = original is not None and original.end < spec.return_period.start
        if original is not None and original.start > spec.return_period.end:
            raise RowRejected("invalid_original_period", f"original_period {original.text} is after the return period {spec.return_period.text}")
        if correction:
            assert original is not None
            if day > period.end:
                raise RowRejected("outside_period", f"date {day.isoformat()} is after the period {period.text}")
            if day < original.start:
                raise RowRejected("invalid_original_period", f"date {day.isoformat()} is before original_period {original.text}")
        else:
            if not period.contains(day):
                raise RowRejected("outside_period", f"date {day.isoformat()} is not in {period.text}")
            if net < 0 or tax < 0:
                if original is None:
                    raise RowRejected(
                        "original_period_required",
                        "a negative row (refund, credit note) must give original_period: the same period nets it "
                        "against this return, an earlier one makes it a correction of that return",
                    )

        # -- scope and section -------------------------------------------------------------------
        if scheme == "ioss":
            if supply != "goods":
                raise RowRejected("other_scheme", "IOSS covers imported goods only; services go to the Union or non-Union OSS")
            if country not in self.spec.member_states and country != NORTHERN_IRELAND:
                raise RowRejected("invalid_country", f"country_of_consumption '{country}' is not in the EU VAT area")
            if ship_from in self.spec.member_states:
                raise RowRejected("other_scheme", f"goods dispatched from {ship_from} are not imported: report them in the Union OSS")
            section, ship_key = "imported_goods", ""
        elif scheme == "non_union":
            if supply != "services":
                raise RowRejected("other_scheme", "the non-Union OSS covers services only; goods go to the Union OSS or IOSS")
            if country not in self.spec.member_states:
                raise RowRejected("invalid_country", f"country_of_consumption '{country}' is not an EU Member State")
            section, ship_key = "services", ""
        else:
            section, ship_key = self._union_section(country, ship_from, supply, deemed)

        if correction:
            assert original is not None
            return True, (original.text, country, currency), net, tax
        return False, (section, country, ship_key, deemed and section in GOODS_SECTIONS, rate, currency), net, tax

    def _union_section(self, country: str, ship_from: str, supply: str, deemed: bool) -> tuple[str, str]:
        msi = self.spec.msi
        if supply == "services":
            if country not in self.spec.member_states:
                raise RowRejected("invalid_country", f"country_of_consumption '{country}' is not an EU Member State (services)")
            if not ship_from or ship_from == msi:
                if country == msi:
                    raise RowRejected("domestic_supply", f"services to consumers in {msi} belong in {msi}'s national return")
                return "services_from_msi", ""
            if ship_from not in self.spec.member_states:
                raise RowRejected("invalid_country", f"ship_from_country '{ship_from}' (fixed establishment) is not an EU Member State")
            if country == ship_from:
                raise RowRejected("domestic_supply", f"services from an establishment in {ship_from} to consumers there belong in {ship_from}'s national return")
            return "services_from_fixed_establishment", ship_from
        # goods
        if country not in self.spec.member_states and country != NORTHERN_IRELAND:
            raise RowRejected("invalid_country", f"country_of_consumption '{country}' is not in the EU VAT area")
        if not ship_from:
            raise RowRejected("missing_field", "ship_from_country is required for goods")
        if ship_from not in self.spec.member_states and ship_from != NORTHERN_IRELAND:
            raise RowRejected("other_scheme", f"goods dispatched from {ship_from} are imported: report them in the IOSS")
        if ship_from == country:
            if deemed and ship_from != msi:
                return "deemed_supplier_domestic", ship_from
            raise RowRejected("domestic_supply", f"goods dispatched and delivered within {country} belong in {country}'s national return")
        if ship_from == msi:
            return "goods_from_msi", ""
        return "goods_from_other_ms", ship_from

    def partial(self) -> "OssPartial":
        """What this ledger has summed so far, as a mergeable :class:`OssPartial` (no caches)."""
        return OssPartial(
            spec=self.spec, rows_count=self.rows_count, transactions_count=self.transactions_count,
            rejected_count=self.rejected_count, rejected=tuple(sorted(self.rejected, key=_rejected_order)),
            lines={k: (v[0], v[1], v[2]) for k, v in self.lines.items()},
            corrections={k: (v[0], v[1], v[2]) for k, v in self.corrections.items()},
            max_rejected=self.max_rejected,
        )

    def merge(self, other: "OssLedger") -> None:
        """Add ``other``'s rows (same return) to this ledger; row numbers of ``other`` are kept."""
        if other.spec != self.spec:
            raise ValueError("cannot merge ledgers of different returns")
        self.rows_count += other.rows_count
        self.transactions_count += other.transactions_count
        self.rejected_count += other.rejected_count
        room = self.max_rejected - len(self.rejected)
        self.rejected.extend(other.rejected[: max(room, 0)])
        for target, source in ((self.lines, other.lines), (self.corrections, other.corrections)):
            for key, (net, tax, count) in source.items():
                sums = target.get(key)  # type: ignore[call-overload]
                if sums is None:
                    target[key] = [net, tax, count]  # type: ignore[index]
                else:
                    sums[0] += net
                    sums[1] += tax
                    sums[2] += count


# -- mergeable partial summaries --------------------------------------------------------------------


def _rejected_order(entry: Mapping[str, Any]) -> tuple[str, int]:
    return (entry.get("partition") or "", entry["row"])


LineKey = tuple[str, str, str, bool, Decimal, str]  # section, country, ship_from, deemed, rate, currency
CorrectionKey = tuple[str, str, str]  # original return period, country, currency


@dataclass(frozen=True)
class OssPartial:
    """The summary of some rows of one return: exact sums per key, counts, the first rejected rows.

    ``partial`` (:meth:`OssLedger.partial`, :func:`partial`, or the columnar readers in
    :mod:`taxapi.ledgers`), :func:`merge` and :func:`finish` compute a return over any split of
    the ledger: sums are exact ``Decimal`` in the row currency (conversion and rounding happen
    once, in :func:`finish`), counts add, and ``rejected`` keeps the first ``max_rejected`` rows
    in (partition, row) order, so the result does not depend on how rows were split or in which
    order partials are merged. :meth:`to_json` / :meth:`from_json` carry it between processes as
    plain JSON (pickle works too).
    """

    spec: ReturnSpec
    rows_count: int = 0
    transactions_count: int = 0
    rejected_count: int = 0
    rejected: tuple[dict[str, Any], ...] = ()
    lines: Mapping[LineKey, tuple[Decimal, Decimal, int]] = field(default_factory=dict)
    corrections: Mapping[CorrectionKey, tuple[Decimal, Decimal, int]] = field(default_factory=dict)
    max_rejected: int = MAX_REJECTED

    def to_json(self) -> dict[str, Any]:
        return {
            "scheme": self.spec.scheme, "period": self.spec.period.text, "msi": self.spec.msi,
            "rows_count": self.rows_count, "transactions_count": self.transactions_count,
            "rejected_count": self.rejected_count, "rejected": list(self.rejected), "max_rejected": self.max_rejected,
            "lines": [[s, c, f, d, str(r), cur, str(n), str(t), k] for (s, c, f, d, r, cur), (n, t, k) in self.lines.items()],
            "corrections": [[p, c, cur, str(n), str(t), k] for (p, c, cur), (n, t, k) in self.corrections.items()],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "OssPartial":
        spec = return_spec(scheme=doc["scheme"], period=doc["period"], member_state_of_identification=doc["msi"])
        return cls(
            spec=spec, rows_count=doc["rows_count"], transactions_count=doc["transactions_count"],
            rejected_count=doc["rejected_count"], rejected=tuple(doc["rejected"]), max_rejected=doc["max_rejected"],
            lines={(s, c, f, bool(d), Decimal(r), cur): (Decimal(n), Decimal(t), int(k))
                   for s, c, f, d, r, cur, n, t, k in doc["lines"]},
            corrections={(p, c, cur): (Decimal(n), Decimal(t), int(k)) for p, c, cur, n, t, k in doc["corrections"]},
        )


def _add_sums(a: Mapping[Any, tuple[Decimal, Decimal, int]], b: Mapping[Any, tuple[Decimal, Decimal, int]]) -> dict[Any, tuple[Decimal, Decimal, int]]:
    out = dict(a)
    for key, (net, tax, count) in b.items():
        have = out.get(key)
        out[key] = (net, tax, count) if have is None else (_exact_add(have[0], net), _exact_add(have[1], tax), have[2] + count)
    return out


def merge(a: OssPartial, b: OssPartial) -> OssPartial:
    """The partial summary of the rows of ``a`` and ``b`` together (same return)."""
    if a.spec != b.spec:
        raise ValueError("cannot merge summaries of different returns")
    limit = min(a.max_rejected, b.max_rejected)
    rejected = tuple(sorted((*a.rejected, *b.rejected), key=_rejected_order)[:limit])
    return OssPartial(
        spec=a.spec, rows_count=a.rows_count + b.rows_count, transactions_count=a.transactions_count + b.transactions_count,
        rejected_count=a.rejected_count + b.rejected_count, rejected=rejected,
        lines=_add_sums(a.lines, b.lines), corrections=_add_sums(a.corrections, b.corrections), max_rejected=limit,
    )


def partial(
    spec: ReturnSpec, transactions: Iterable[Any], *, currencies: Iterable[str], first_row: int = FIRST_DATA_ROW,
    partition: str | None = None,
) -> OssPartial:
    """The partial summary of JSON rows (mappings with the ledger's field names); the first row is
    numbered ``first_row``."""
    ledger = OssLedger(spec, _currencies=frozenset(currencies), partition=partition)
    for i, row in enumerate(transactions, start=first_row):
        ledger.add_row(row, row_number=i)
    return ledger.partial()


# -- summary -----------------------------------------------------------------------------------


def _fx(ecb: EcbRates, currency: str, period: Period, used: dict[tuple[str, str], FxRate]) -> FxRate:
    """ECB rate of the period's last day or the next publication; remembered in ``used``."""
    try:
        fx = ecb.on_or_after(currency, period.end)
    except ExchangeRateNotFound as exc:  # the period's last day is the conversion date
        raise ExchangeRateNotFound(
            exc.detail, errors=[{"loc": ["period"], "msg": f"no ECB rate for {currency} on or after the period's last day"}],
            **exc.fields) from None
    if currency != EUR:
        used[(period.text, currency)] = fx
    return fx


def _to_eur(amount: Decimal, fx: FxRate) -> Decimal:
    if fx.currency == EUR:
        return amount
    return CONVERSION_CONTEXT.divide(amount, fx.rate)




def rate_kind_for(book: RateBook, country: str, rate_percent: Decimal, period: Period) -> RateKind | None:
    """Which rate kind of ``country`` has ``rate_percent`` during ``period``, from the rate tables.

    The country's own table is searched first, then its territories inside the VAT area (Madeira's
    22 % is a Portuguese rate in the OSS return). ``None`` when no table has that percentage.
    """
    if rate_percent == 0:
        return RateKind.zero
    tables = [j for j in book.jurisdictions.values() if j.id == country]
    tables += [
        j for j in book.jurisdictions.values()
        if j.id != country and j.country == country and j.regime == "eu_vat"
    ]
    for j in tables:
        for p in j.periods:
            if p.effective_from > period.end or (p.effective_to is not None and p.effective_to < period.start):
                continue
            for kind in NUMERIC_KIND_ORDER:
                if p.rates_percent.get(kind) == rate_percent:
                    return kind
    return None


def summarize(*, ledger: OssLedger, book: RateBook, ecb: EcbRates) -> dict[str, Any]:
    """The return of everything added to ``ledger``: :func:`finish` of its partial summary."""
    return finish(ledger.partial(), book=book, ecb=ecb)


def finish(ledger: OssPartial, *, book: RateBook, ecb: EcbRates) -> dict[str, Any]:
    """The return: lines, corrections, totals, exchange rates used, rejected rows.

    Raises :class:`~taxapi.errors.ExchangeRateNotFound` when a currency has no ECB rate yet for
    the period end (the period has not ended, or the shipped ECB data is older).
    """
    spec = ledger.spec
    used: dict[tuple[str, str], FxRate] = {}
    warnings: list[dict[str, str]] = []

    grouped: dict[tuple[str, str, str, bool, Decimal], list[Any]] = {}
    for (section, country, ship, deemed, rate, currency), (net, tax, count) in ledger.lines.items():
        fx = _fx(ecb, currency, spec.period, used)
        g = grouped.setdefault((section, country, ship, deemed, rate), [ZERO, ZERO, 0])
        g[0] += _to_eur(net, fx)
        g[1] += _to_eur(tax, fx)
        g[2] += count
    lines = []
    kinds: dict[tuple[str, Decimal], RateKind | None] = {}
    for key in sorted(grouped, key=lambda k: (_SECTION_ORDER[k[0]], k[1], k[2], k[3], -k[4])):
        section, country, ship, deemed, rate = key
        net, tax, count = grouped[key]
        if (country, rate) not in kinds:
            kind = rate_kind_for(book, country, rate, spec.period)
            kinds[(country, rate)] = kind
            if kind is None:
                warnings.append({
                    "code": "rate_kind_unknown",
                    "detail": f"{format(rate.normalize(), 'f')} % is not a rate of {country} in {spec.period.text} "
                              "in the rate tables; check the rows or the tables",
                })
        kind = kinds[(country, rate)]
        line = {
            "section": section,
            "country_of_consumption": country,
            "supply": "goods" if section in GOODS_SECTIONS else "services",
            "ship_from_country": ship or (spec.msi if section in ("goods_from_msi",) else None),
            "deemed_supplier": deemed,
            "rate_kind": kind.value if kind else None,
            "rate_percent": Decimal(format(rate.normalize(), "f")),  # 20, 5.5 (not 2E+1 or 5.50)
            "net_amount": _money(net),
            "tax_amount": _money(tax),
            "transactions_count": count,
        }
        if line["net_amount"] < 0 or line["tax_amount"] < 0:
            warnings.append({
                "code": "negative_line",
                "detail": f"{country} {format(rate.normalize(), 'f')} % ({section}) is negative: refunds exceed "
                          "sales; a refund of an earlier period's supply is a correction (original_period)",
            })
        lines.append(line)

    corr_grouped: dict[tuple[str, str], list[Any]] = {}
    for (ptext, country, currency), (net, tax, count) in ledger.corrections.items():
        fx = _fx(ecb, currency, parse_period(ptext), used)
        g = corr_grouped.setdefault((ptext, country), [ZERO, ZERO, 0])
        g[0] += _to_eur(net, fx)
        g[1] += _to_eur(tax, fx)
        g[2] += count
    corrections = [
        {
            "period": ptext,
            "country_of_consumption": country,
            "net_amount": _money(net),
            "tax_amount": _money(tax),
            "transactions_count": count,
        }
        for (ptext, country), (net, tax, count) in sorted(corr_grouped.items(), key=lambda kv: (parse_period(kv[0][0]).start, kv[0][1]))
    ]

    by_country: dict[str, list[Decimal]] = {}
    for line in lines:
        by_country.setdefault(line["country_of_consumption"], [ZERO, ZERO])[0] += line["tax_amount"]
    for corr in corrections:
        by_country.setdefault(corr["country_of_consumption"], [ZERO, ZERO])[1] += corr["tax_amount"]
    totals = [
        {
            "country_of_consumption": cc,
            "tax_amount": _money(lt + ct),
            "lines_tax_amount": _money(lt),
            "corrections_tax_amount": _money(ct),
        }
        for cc, (lt, ct) in sorted(by_country.items())
    ]

    if spec.scheme != "ioss" and not spec.period.quarterly:
        warnings.insert(0, {
            "code": "monthly_figures",
            "detail": f"{spec.scheme} OSS returns are quarterly; these are monthly figures for reconciliation, "
                      f"converted at the rate of {spec.period.end.isoformat()}. The return for "
                      f"{spec.period.quarter().text} converts at the quarter's last day.",
        })
    if ledger.rejected_count > len(ledger.rejected):
        warnings.append({
            "code": "rejected_truncated",
            "detail": f"{ledger.rejected_count} rows were rejected; the first {len(ledger.rejected)} are listed",
        })

    exchange_rates = [
        {"currency": fx.currency, "rate": fx.rate, "date": fx.date, "period": ptext}
        for (ptext, _), fx in sorted(used.items(), key=lambda kv: (parse_period(kv[0][0]).start, kv[0][1]))
    ]
    return {
        "rates_version": book.version,
        "scheme": spec.scheme,
        "period": spec.period.text,
        "member_state_of_identification": spec.msi,
        "currency": "EUR",
        "conversion_date": spec.period.end,
        "exchange_rates": exchange_rates,
        "lines": lines,
        "corrections": corrections,
        "totals_by_country": totals,
        "total_tax_amount": _money(sum((t["tax_amount"] for t in totals), ZERO)),
        "transactions_count": ledger.transactions_count,
        "rows_count": ledger.rows_count,
        "rejected_count": ledger.rejected_count,
        "rejected": list(ledger.rejected),
        "warnings": warnings,
    }


def summarize_rows(
    *, scheme: str, period: str, member_state_of_identification: str, transactions: Iterable[Any],
    book: RateBook, ecb: EcbRates, loc: str = "body",
) -> dict[str, Any]:
    """The return for JSON rows (mappings with the ledger's field names)."""
    spec = return_spec(scheme=scheme, period=period, member_state_of_identification=member_state_of_identification, loc=loc)
    return finish(partial(spec, transactions, currencies=ecb.currencies()), book=book, ecb=ecb)


# -- streamed CSV --------------------------------------------------------------------------------


class CsvLedgerReader:
    """Feeds CSV bytes into an :class:`OssLedger` as they arrive; keeps no rows.

    The CSV is read by :class:`taxapi.ingest.CsvRecords` (the one dialect and encoding policy); the
    header names the ledger's fields, in any order, extra columns ignored. ``row`` is the row a
    spreadsheet shows for the record (the header is row 1); blank lines are not records.
    """

    def __init__(self, ledger: OssLedger, *, loc: str = "body", deadline: Deadline | None = None):
        self.ledger = ledger
        self.loc = loc
        self._csv = CsvRecords(loc=loc, deadline=deadline)
        self._index: tuple[int, ...] | None = None
        self._width = 0

    @property
    def bytes_read(self) -> int:
        return self._csv.bytes_read

    def feed(self, data: bytes) -> None:
        self._add(self._csv.feed(data))

    def close(self) -> None:
        try:
            self._add(self._csv.close())
        except ValidationFailed:
            if self._csv.header is not None:
                raise
            raise ValidationFailed.at([self.loc], "the CSV body is empty: the first line must name the columns "
                                      f"({', '.join(REQUIRED_CSV_COLUMNS)}, ...)") from None

    def _header(self, names: list[str]) -> None:
        cols = [n.strip().lower() for n in names]
        missing = [c for c in REQUIRED_CSV_COLUMNS if c not in cols]
        if missing:
            raise ValidationFailed(
                f"{self.loc}: the CSV header lacks {', '.join(missing)}",
                errors=[{"loc": [self.loc, "header", c], "msg": "required column missing"} for c in missing],
            )
        self._index = tuple(cols.index(c) if c in cols else -1 for c in LEDGER_COLUMNS)
        self._width = len(cols)

    def _add(self, records: Iterator[tuple[int, list[str]]]) -> None:
        if self._index is None:
            if self._csv.header is None:
                return
            self._header(self._csv.header)
        idx = self._index
        assert idx is not None
        ledger = self.ledger
        width = self._width
        i_id, i_date, i_cc, i_from, i_supply, i_rate, i_net, i_tax, i_cur, i_deemed, i_orig, i_scheme = idx
        add = ledger.add_values
        for row, fields in records:
            if len(fields) != width:
                if not any(f.strip() for f in fields):
                    continue  # blank line: not a record
                row_id = fields[i_id] if 0 <= i_id < len(fields) else None
                ledger.reject(row, row_id, "malformed_row", f"expected {width} fields, got {len(fields)}")
                continue
            add(
                row, fields[i_id] if i_id >= 0 else None,
                fields[i_date], fields[i_cc], fields[i_from] if i_from >= 0 else "",
                fields[i_supply], fields[i_rate], fields[i_net], fields[i_tax], fields[i_cur],
                fields[i_deemed] if i_deemed >= 0 else "", fields[i_orig] if i_orig >= 0 else "",
                fields[i_scheme] if i_scheme >= 0 else "",
            )


def summarize_csv_chunks(
    *, scheme: str, period: str, member_state_of_identification: str, chunks: Iterable[bytes],
    book: RateBook, ecb: EcbRates, loc: str = "query",
) -> dict[str, Any]:
    """The return for a CSV ledger given as byte chunks (a file read piece by piece)."""
    ledger = OssLedger(return_spec(scheme=scheme, period=period, member_state_of_identification=member_state_of_identification, loc=loc),
                       _currencies=frozenset(ecb.currencies()))
    reader = CsvLedgerReader(ledger, loc="body")
    for chunk in chunks:
        reader.feed(chunk)
    reader.close()
    return summarize(ledger=ledger, book=book, ecb=ecb)


# -- from POST /v1/calculate --------------------------------------------------------------------

_CALC_SCHEMES = {"oss_union": "union", "oss_non_union": "non_union", "ioss": "ioss"}


def ledger_rows_from_calculation(
    request: dict[str, Any], response: OrderResult | dict[str, Any], *, reporting_party: str = "seller",
    order_id: str | None = None, refund_of_period: str | None = None,
) -> list[dict[str, Any]]:
    """Ledger rows for the OSS summary from a ``POST /v1/calculate`` request and its result: the engine's
    :class:`~taxapi.orders.results.OrderResult`, or the response body as stored (JSON read back).

    One row per response line (and the shipping line) reported in a special scheme
    (``scheme`` ``oss_union``, ``oss_non_union``, ``ioss``) and collected by ``reporting_party``
    (``seller``, or ``marketplace`` when the marketplace itself builds its return as deemed
    supplier). Other lines (domestic, reverse charge, customs, another party) are not OSS rows and
    are left out.

    * ``date`` = request ``date`` (the tax point); ``currency`` = request ``currency``;
    * ``country_of_consumption`` = the country of the line's ``jurisdiction`` (``PT-30`` → ``PT``,
      ``XI`` stays ``XI``);
    * ``supply`` = ``services`` for lines of category ``digital_services`` / ``services``, else
      ``goods`` (shipping follows the goods);
    * ``ship_from_country`` = request ``ship_from.country`` for goods, empty for services;
    * ``rate_percent``, ``net_amount``, ``tax_amount`` from the response line;
    * ``scheme`` = ``union`` / ``non_union`` / ``ioss``; ``deemed_supplier`` = reporting as
      marketplace;
    * ``refund_of_period``: for a full refund of that order, amounts are negated and
      ``original_period`` is set to the period of the original supply.

    >>> req = {"date": "2026-08-03", "currency": "EUR", "ship_from": {"country": "DE"},
    ...        "lines": [{"id": "1", "category": "general"}]}
    >>> resp = {"lines": [{"id": "1", "jurisdiction": "FR", "rate_percent": "20", "net_amount": "10.00",
    ...         "tax_amount": "2.00", "scheme": "oss_union", "collected_by": "seller"}], "shipping": None}
    >>> ledger_rows_from_calculation(req, resp)[0]["country_of_consumption"]
    'FR'
    """
    categories: dict[str, str] = {}
    positions: list[str] = []
    for i, line in enumerate(request.get("lines") or []):
        cat = str(line.get("category") or "general")
        categories[str(line.get("id", i))] = cat
        positions.append(cat)
    goods_present = any(c not in {s.value for s in SERVICE_CATEGORIES} for c in positions) or not positions
    ship_from = ((request.get("ship_from") or {}).get("country") or "").upper()
    out: list[dict[str, Any]] = []
    for i, line_id, line in _calculation_lines(response):
        scheme = _CALC_SCHEMES.get(str(line["scheme"]))
        if scheme is None or str(line["collected_by"]) != reporting_party:
            continue
        if i < 0:
            line_id = "shipping" if not line_id else f"shipping:{line_id}"
            is_service = not goods_present
        else:
            line_id = str(line_id)
            cat = categories.get(line_id, positions[i] if i < len(positions) else "general")
            is_service = cat in {s.value for s in SERVICE_CATEGORIES}
        net, tax = str(line["net_amount"]), str(line["tax_amount"])
        if refund_of_period is not None:
            net, tax = _negate(net), _negate(tax)
        out.append({
            "id": f"{order_id}/{line_id}" if order_id else line_id,
            "date": request["date"],
            "country_of_consumption": str(line["jurisdiction"]).split("-")[0].upper(),
            "ship_from_country": "" if is_service else ship_from,
            "supply": "services" if is_service else "goods",
            "rate_percent": str(line["rate_percent"]),
            "net_amount": net,
            "tax_amount": tax,
            "currency": _result_currency(response) or request["currency"],
            "deemed_supplier": reporting_party == "marketplace",
            "original_period": refund_of_period,
            "scheme": scheme,
        })
    return out


_LINE_FIELDS = ("jurisdiction", "rate_percent", "net_amount", "tax_amount", "scheme", "collected_by")


def _calculation_lines(response: OrderResult | dict[str, Any]) -> list[tuple[int, Any, dict[str, Any]]]:
    """(position or -1 for shipping, line id, the fields a ledger row takes) of every line and shipping part.

    Shipping spread over several rates is reported per part, each at its own rate."""
    if isinstance(response, OrderResult):
        out = [(i, ln.id, {f: getattr(ln, f) for f in _LINE_FIELDS}) for i, ln in enumerate(response.lines)]
        ship = response.shipping
        if ship is not None:
            parts = ship.apportioned if isinstance(ship, ApportionedShipping) else (ship,)
            out += [(-1, getattr(p, "line_id", None), {f: getattr(p, f) for f in _LINE_FIELDS}) for p in parts]
        return out
    lines = [(i, ln.get("id", i), ln) for i, ln in enumerate(response.get("lines") or [])]
    shipping = response.get("shipping")
    if shipping:
        lines += [(-1, part.get("line_id"), part) for part in shipping.get("apportioned") or [shipping]]
    return lines


def _result_currency(response: OrderResult | dict[str, Any]) -> str | None:
    return response.currency if isinstance(response, OrderResult) else response.get("currency")


def _negate(amount: str) -> str:
    value = -parse_decimal(amount)
    return format(value.copy_abs() if value == 0 else value, "f")
