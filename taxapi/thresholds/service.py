"""Registration thresholds from a sales ledger. No FastAPI here.

How a ledger is evaluated (rows may arrive in any order, and there may be
100,000+ of them):

1. **Pass 1** reads every row once and adds it to a bucket keyed by
   (destination, day, currency, kind of sale). A bucket holds the sum, the
   sum of the positive amounts, the transactions and the row count, in the
   sale's own currency. Memory grows with destinations x days x currencies x
   kinds of sale, not with rows.
2. **Analysis**, per rule: the buckets that count (which sales count is decided
   per kind of sale and per dated rule period, not per row) are converted into
   the rule's currency with the ECB reference rate on or before their day (via
   EUR; else the caller's ``exchange_rates`` for the pair; exact rational
   arithmetic, no rounding until the response). A rule whose amount test needs
   a conversion neither can make is not evaluated (its result names the pair);
   the others are, and no row is rejected for it. Then the
   days are scanned in order with the rule's measurement window (calendar year,
   any 12 months, four quarters...). The first day on which the test is met in
   each window is the crossing day.
3. **Pass 2** reads the rows again and looks only at the rows of crossing days:
   the crossing sale is the first of them, in ledger order, after which the
   test is met. The threshold is "exceeded" when the total is strictly more
   than the amount (``exceeds``) or at least the amount (``reaches``), as the
   rule's data says.

Every row is either counted or rejected with its row number and a reason.

**Mergeable form** (a ledger split into partitions, e.g. files of a data lake,
summarised on several workers): :func:`partial` is pass 1 over some rows and
returns a :class:`ThresholdPartial` (the exact per-(rule, day, currency) sums,
the worldwide sums, rejected rows, counts, the first day of a sale dispatched
from another Member State); :func:`merge` adds two partials (sums add, the
earliest day wins, rejections are kept in (partition, row) order), so the
result does not depend on how rows were split or merged. :func:`finish` runs
the analysis on the merged sums, which is exact because it only ever needed
per-day totals, and asks ``second_pass`` for the sales of the few days it must
look into (the candidate crossing days):
the caller reads them back from its partitions, in ledger order (partitions in
name order, rows in file order), e.g. with one more map over the partitions
that keeps only the rows of those days (:func:`day_sales`). Nothing per row is
kept between the passes, so memory stays bounded by rules x days x currencies;
the second pass keeps only the rows of the crossing days.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from taxapi.ecb import EUR, REFRESH_HINT, EcbRates, GivenRate, GivenRates
from taxapi.errors import ExchangeRateNotFound
from taxapi.ingest import FIRST_DATA_ROW
from taxapi.money import minor_units
from taxapi.rate_tables.model import RateBook
from taxapi.thresholds.ledger import Rejection, RowReader, Sale
from taxapi.thresholds.rules import Period, Rule, ThresholdRules

RowSource = Callable[[], Iterable[Sequence[Any]]]
Cls = tuple[str, str, str, str | None, bool, str]

WARN_LEVELS = ((Fraction(9, 10), "threshold_90_percent", "90"), (Fraction(3, 4), "threshold_75_percent", "75"))


# --------------------------------------------------------------------------------------------
# calendar helpers


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's last day."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_start(day: date, period: Period) -> date:
    """First day of the measurement window that ends on ``day``."""
    m = period.measurement
    if m.kind == "annual":
        year = day.year if day.month >= m.start_month else day.year - 1
        return date(year, m.start_month, 1)
    if m.kind == "rolling_12_months":
        return add_months(day, -12) + timedelta(days=1)
    if m.kind == "rolling_12_calendar_months":
        return add_months(day.replace(day=1), -11)
    # rolling_4_quarters: the quarter containing day (quarters start in start_month) and the three before
    offset = (day.month - m.start_month) % 3
    return add_months(day.replace(day=1), -offset - 9)


def _passes(total: Fraction, limit: Decimal, test: str) -> bool:
    return total > limit if test == "exceeds" else total >= limit


def test_met(p: Period, amount: Fraction, transactions: int, rows: int, worldwide: Fraction, sales: int) -> bool:
    """The rule's test on window totals (``sales``: how many of the counted rows, or day buckets, have a
    positive amount). A nil threshold (amount 0) is met by the first sale: no exchange rate is needed to
    know that a sale was made."""
    a = None
    if p.amount is not None:
        a = sales > 0 if p.amount == 0 else _passes(amount, p.amount, p.amount_test)
    t = None
    if p.transactions is not None:
        t = transactions > p.transactions if p.transactions_test == "exceeds" else transactions >= p.transactions
    if a is None and t is None:
        met = rows > 0  # only a worldwide test: the seller must also make a supply there
    elif a is None:
        met = bool(t)
    elif t is None:
        met = a
    else:
        met = (a or t) if p.combine == "or" else (a and t)
    if met and p.worldwide_amount is not None:
        met = _passes(worldwide, p.worldwide_amount, p.worldwide_test)
    return met


# --------------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class Seller:
    country: str
    region: str | None = None
    other_establishments: tuple[str, ...] = ()


Sums = dict[tuple[date, str], list[Any]]  # (day, currency) -> [total, positive total, transactions, rows]


@dataclass
class ThresholdPartial:
    """Pass 1 over some rows of a ledger: mergeable (:func:`merge`), exact, picklable and
    JSON-serialisable (:meth:`to_json`)."""

    sums: dict[str, Sums] = field(default_factory=dict)  # per rule jurisdiction: the sales that count
    worldwide: Sums = field(default_factory=dict)  # every counted row
    rejected: list[Rejection] = field(default_factory=list)
    rows_in: int = 0
    other_ms_first: date | None = None  # EU: first goods sale dispatched from another Member State
    missing_ca_region: int = 0  # sales to Canada without a province

    def to_json(self) -> dict[str, Any]:
        def enc(b: Sums) -> list[list[Any]]:
            return [[d.isoformat(), cur, str(t), str(p), tx, n] for (d, cur), (t, p, tx, n) in sorted(b.items())]

        return {
            "sums": {j: enc(self.sums[j]) for j in sorted(self.sums)}, "worldwide": enc(self.worldwide),
            "rejected": [r.as_dict() for r in self.rejected], "rows_in": self.rows_in,
            "other_ms_first": self.other_ms_first.isoformat() if self.other_ms_first else None,
            "missing_ca_region": self.missing_ca_region,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "ThresholdPartial":
        def dec(rows: list[list[Any]]) -> Sums:
            return {(date.fromisoformat(d), cur): [Decimal(t), Decimal(p), tx, n] for d, cur, t, p, tx, n in rows}

        return cls(
            sums={j: dec(b) for j, b in doc["sums"].items()}, worldwide=dec(doc["worldwide"]),
            rejected=[Rejection(r["row"], r["code"], r["detail"], r.get("partition")) for r in doc["rejected"]],
            rows_in=doc["rows_in"], missing_ca_region=doc["missing_ca_region"],
            other_ms_first=date.fromisoformat(doc["other_ms_first"]) if doc["other_ms_first"] else None,
        )


_Ledger = ThresholdPartial


def _add_buckets(a: Sums, b: Sums) -> Sums:
    out = {k: list(v) for k, v in a.items()}
    for key, (total, positive, tx, rows) in b.items():
        _add(out, key, total, positive, tx, rows)
    return out


def _rejection_order(r: Rejection) -> tuple[str, int]:
    return (r.partition or "", r.row)


def merge(a: ThresholdPartial, b: ThresholdPartial) -> ThresholdPartial:
    """Pass 1 of the rows of ``a`` and ``b`` together."""
    from decimal import localcontext

    with localcontext() as dctx:
        dctx.prec = 60
        firsts = [d for d in (a.other_ms_first, b.other_ms_first) if d is not None]
        return ThresholdPartial(
            sums={j: _add_buckets(a.sums.get(j, {}), b.sums.get(j, {})) for j in {*a.sums, *b.sums}},
            worldwide=_add_buckets(a.worldwide, b.worldwide),
            rejected=sorted([*a.rejected, *b.rejected], key=_rejection_order),
            rows_in=a.rows_in + b.rows_in,
            other_ms_first=min(firsts) if firsts else None,
            missing_ca_region=a.missing_ca_region + b.missing_ca_region,
        )


def _add(buckets: Sums, key: tuple[date, str], amount: Decimal, positive: Decimal, transactions: int, rows: int) -> None:
    b = buckets.get(key)
    if b is None:
        buckets[key] = [amount, positive, transactions, rows]
    else:
        b[0] += amount
        b[1] += positive
        b[2] += transactions
        b[3] += rows


class Pass1:
    """The first pass as an accumulator: :meth:`add` one sale (or, from a vectorised reader, a group
    of ``rows`` sales of the same kind, destination, day and currency with their summed amounts),
    :meth:`reject` a row; :meth:`partial` is the result.

    Whether a kind of sale counts is decided once per (rule, destination, kind, period), not per row."""

    def __init__(self, rules: ThresholdRules, ctx: "_Context", eu_lookback: date | None, partition: str | None = None):
        self.rules = rules
        self.ctx = ctx
        self.eu_lookback = eu_lookback
        self.partition = partition
        self.ledger = _Ledger(sums={r.jurisdiction: {} for r in rules.rules})
        self._targets: dict[str, list[tuple[Rule, Sums]]] = {}
        self._decided: dict[tuple[str, str, Cls, int, int], bool] = {}
        self._periods: dict[tuple[str, date], Period] = {}

    def reject(self, rejection: Rejection) -> None:
        self.ledger.rows_in += 1
        self.ledger.rejected.append(rejection if self.partition is None else replace(rejection, partition=self.partition))

    def add(self, sale: Sale, positive: Decimal | None = None, rows: int = 1) -> None:
        ledger, ctx = self.ledger, self.ctx
        ledger.rows_in += rows
        if positive is None:
            positive = sale.amount if sale.amount > 0 else Decimal(0)
        day, dest, cls = sale.day, sale.dest, sale.cls
        key = (day, sale.currency)
        _add(ledger.worldwide, key, sale.amount, positive, sale.transactions, rows)
        rule_list = self._targets.get(dest)
        if rule_list is None:
            rule_list = self._targets[dest] = [
                (r, ledger.sums[r.jurisdiction]) for r in self.rules.rules if r.kind == "eu_distance_sales" or _dest_matches(r, dest)
            ]
        for rule, sums in rule_list:
            pk = (rule.jurisdiction, day)
            p = self._periods.get(pk)
            if p is None:
                p = self._periods[pk] = rule.period_on(day) or rule.periods[0]  # earlier sales still fill later windows
            dk = (rule.jurisdiction, dest, cls, id(p), day.year)
            ok = self._decided.get(dk)
            if ok is None:
                ok = self._decided[dk] = _counts(rule, p, dest, cls, day, ctx)
            if ok:
                _add(sums, key, sale.amount, positive, sale.transactions, rows)
        lookback = self.eu_lookback
        if lookback is not None and day >= lookback and _from_other_member_state(cls, dest, day, ctx):
            if ledger.other_ms_first is None or day < ledger.other_ms_first:
                ledger.other_ms_first = day


def _pass1(
    rows: Iterable[tuple[int, Sequence[Any]]], reader: RowReader, rules: ThresholdRules, ctx: "_Context",
    eu_lookback: date | None, partition: str | None = None,
) -> _Ledger:
    """Read every (row number, values) once; add each sale to the (day, currency) sums of every rule
    it counts for."""
    acc = Pass1(rules, ctx, eu_lookback, partition)
    ca_before = reader.missing_ca_region
    for n, values in rows:
        sale = reader.read(n, values)
        if isinstance(sale, Rejection):
            acc.reject(sale)
        else:
            acc.add(sale)
    acc.ledger.missing_ca_region = reader.missing_ca_region - ca_before
    return acc.ledger


# --------------------------------------------------------------------------------------------
# which sales count


class _Context:
    """Per-request facts shared by every rule: seller, ECB rates, caches."""

    def __init__(
        self, *, seller: Seller, rules: ThresholdRules, ecb: EcbRates, as_of: date, given: Sequence[GivenRate] = ()
    ):
        self.seller = seller
        self.rules = rules
        self.ecb = ecb
        self.as_of = as_of
        self.given = GivenRates(given)
        self.used: dict[tuple[str, date], tuple[Decimal, date]] = {}
        self.given_used: set[int] = set()  # indices in ``given`` of the caller's rates used
        self._factors: dict[tuple[str, str, date], Fraction | None] = {}

    def factor(self, cur: str, to: str, day: date) -> Fraction | None:
        """Multiplier from ``cur`` to ``to`` on ``day``: the ECB cross rate via EUR, else the caller's rate
        for the pair (``exchange_rates``, :class:`taxapi.ecb.GivenRates`); None if neither converts."""
        if cur == to:
            return Fraction(1)
        key = (cur, to, day)
        if key in self._factors:
            return self._factors[key]
        result: Fraction | None
        try:
            rate_from = self.ecb.on_or_before(cur, day)
            rate_to = self.ecb.on_or_before(to, day)
        except ExchangeRateNotFound:
            match = self.given.lookup(cur, to, day)
            result = None
            if match is not None:
                given = Fraction(self.given.rates[match.index].rate)
                result = 1 / given if match.inverse else given
                self.given_used.add(match.index)
        else:
            result = Fraction(rate_to.rate) / Fraction(rate_from.rate)
            for fx in (rate_from, rate_to):
                if fx.currency != EUR:
                    self.used[(fx.currency, fx.date)] = (fx.rate, fx.date)
        self._factors[key] = result
        return result

    def eu_member(self, country: str, day: date, *, goods: bool) -> bool:
        return self.rules.is_member_state(country, day, goods=goods)


def _dest_matches(rule: Rule, dest: str) -> bool:
    if rule.country is None:
        return False
    if rule.region is not None:
        return dest == f"{rule.country}-{rule.region}"
    if rule.country == "CA":
        return dest == "CA" or dest.startswith("CA-")
    return dest == rule.country


def _counts(rule: Rule, p: Period, dest: str, cls: Cls, day: date, ctx: _Context) -> bool:
    """Whether a sale of this kind to ``dest`` counts toward ``rule`` under period ``p``."""
    supply, customer, channel, exemption, exempt_category, ship_from = cls
    if supply not in p.supplies or customer not in p.customer_types:
        return False
    if channel == "marketplace" and supply not in p.marketplace_supplies:
        return False
    if p.sales_counted == "retail" and exemption == "resale":
        return False
    if p.sales_counted == "taxable" and (exemption is not None or exempt_category):
        return False
    if rule.kind == "eu_distance_sales":
        goods = supply == "goods"
        if dest == ctx.seller.country or not ctx.eu_member(dest, day, goods=goods):
            return False
        # Goods imported from outside the EU are not intra-Community distance sales (Art. 14(4)).
        return not goods or ctx.eu_member(ship_from, day, goods=True)
    if supply == "goods" and p.goods_dispatched_from == "inside":
        return ship_from == rule.country
    return True


def _from_other_member_state(cls: Cls, dest: str, day: date, ctx: _Context) -> bool:
    """A B2C intra-EU distance sale of goods dispatched from a Member State other than the seller's."""
    supply, customer, _channel, _exemption, _exempt, ship_from = cls
    return (
        supply == "goods"
        and customer == "consumer"
        and ship_from != ctx.seller.country
        and ship_from != dest
        and ctx.eu_member(ship_from, day, goods=True)
        and ctx.eu_member(dest, day, goods=True)
    )


# --------------------------------------------------------------------------------------------
# analysis of one rule


@dataclass
class _Day:
    total: Fraction = Fraction(0)
    positive: Fraction = Fraction(0)
    transactions: int = 0
    rows: int = 0
    ww_total: Fraction = Fraction(0)
    ww_positive: Fraction = Fraction(0)
    sales: int = 0  # (currency) buckets with a positive amount
    unconverted: bool = False  # some of the day's sales have no rate into the rule's currency: amounts unknown


@dataclass
class _Candidate:
    segment: date
    day: date
    before_amount: Fraction
    before_transactions: int
    before_rows: int
    before_ww: Fraction
    before_sales: int
    certain: bool
    found: int | None = None
    found_partition: str | None = None
    verified: bool = False


@dataclass
class _RuleState:
    rule: Rule
    applicable: bool
    reason: str | None
    days: dict[date, _Day]
    candidates: list[_Candidate]
    disqualifying: _Candidate | None = None  # EU: first goods sale dispatched from another Member State
    worldwide: bool = False  # worldwide turnover evaluated
    missing: dict[str, list[Any]] = field(default_factory=dict)  # sale currency -> [first day, last day, rows] not convertible
    evaluated: bool = True  # False: the test needs a conversion in ``missing``


def _uses_worldwide(rule: Rule) -> bool:
    return any(p.worldwide_amount is not None for p in rule.periods)


def _worldwide_needed(rule: Rule, sums: dict[tuple[date, str], list[Any]], applicable: bool) -> bool:
    """A worldwide-turnover test matters only for a non-resident seller with sales there."""
    return applicable and bool(sums) and _uses_worldwide(rule)


def needs_rates(rule: Rule) -> bool:
    """Whether the rule's test compares amounts (a non-zero amount, or a worldwide amount), so that
    every counted sale must be converted into its currency. A nil threshold or a transaction count
    is met or not whatever the rates: it never needs one."""
    return any((p.amount is not None and p.amount != 0) or p.worldwide_amount is not None for p in rule.periods)


def _converted(
    rule: Rule, sums: dict[tuple[date, str], list[Any]], ctx: _Context, days: dict[date, _Day],
    missing: dict[str, list[Any]],
) -> Iterator[tuple[_Day, Fraction | None, list[Any]]]:
    """Each (day, currency) sum with its day bucket and the factor into the rule's currency (None: no
    rate converts it, recorded in ``missing``)."""
    for (day, cur), values in sums.items():
        f = ctx.factor(cur, rule.currency, day)
        if f is None:
            seen = missing.get(cur)
            if seen is None:
                missing[cur] = [day, day, values[3]]
            else:
                seen[0], seen[1], seen[2] = min(seen[0], day), max(seen[1], day), seen[2] + values[3]
        d = days.get(day)
        if d is None:
            d = days[day] = _Day()
        yield d, f, values


def _rule_days(
    rule: Rule, sums: dict[tuple[date, str], list[Any]], ledger: _Ledger, ctx: _Context, worldwide: bool
) -> tuple[dict[date, _Day], dict[str, list[Any]]]:
    """The rule's counted sales per day in its currency, and the sale currencies no rate converts."""
    days: dict[date, _Day] = {}
    missing: dict[str, list[Any]] = {}
    for d, f, (total, positive, tx, nrows) in _converted(rule, sums, ctx, days, missing):
        d.transactions += tx
        d.rows += nrows
        d.sales += positive > 0
        if f is None:
            d.unconverted = True
            continue
        d.total += Fraction(total) * f
        d.positive += Fraction(positive) * f
    if worldwide:
        for d, f, (total, positive, _tx, _rows) in _converted(rule, ledger.worldwide, ctx, days, missing):
            if f is None:
                d.unconverted = True
                continue
            d.ww_total += Fraction(total) * f
            d.ww_positive += Fraction(positive) * f
    return days, missing


def _scan(rule: Rule, days: dict[date, _Day]) -> list[_Candidate]:
    """Crossing candidates: per measurement window, the days on which the test may be met, up to
    the first day on which it certainly is (end-of-day totals). With only positive amounts that
    is exactly one day per window."""
    order = sorted(days)
    out: list[_Candidate] = []
    lo = 0
    run_amount, run_tx, run_rows, run_ww, run_sales = Fraction(0), 0, 0, Fraction(0), 0
    last_start: date | None = None
    done: set[date] = set()
    for i, day in enumerate(order):
        p = rule.period_on(day)
        start = window_start(day, p or rule.periods[0])
        if last_start is not None and start < last_start:
            lo, run_amount, run_tx, run_rows, run_ww, run_sales = 0, Fraction(0), 0, 0, Fraction(0), 0
        last_start = start
        while lo < i and order[lo] < start:
            old = days[order[lo]]
            run_amount -= old.total
            run_tx -= old.transactions
            run_rows -= old.rows
            run_ww -= old.ww_total
            run_sales -= old.sales
            lo += 1
        if lo > i:
            lo = i
        d = days[day]
        segment = start if p is not None and p.measurement.kind == "annual" else date.min
        if p is not None and segment not in done:
            sales = run_sales + d.sales
            certain = test_met(p, run_amount + d.total, run_tx + d.transactions, run_rows + d.rows, run_ww + d.ww_total, sales)
            possible = certain or test_met(
                p, run_amount + d.positive, run_tx + d.transactions, run_rows + d.rows, run_ww + d.ww_positive, sales
            )
            if possible:
                out.append(_Candidate(segment, day, run_amount, run_tx, run_rows, run_ww, run_sales, certain))
            if certain:
                done.add(segment)
        run_amount += d.total
        run_tx += d.transactions
        run_rows += d.rows
        run_ww += d.ww_total
        run_sales += d.sales
    return out


def _window_totals(rule: Rule, days: dict[date, _Day], start: date, end: date) -> tuple[Fraction | None, int, Fraction]:
    """Amount (None when a sale in the window has no rate into the rule's currency), transactions and
    worldwide amount of the window."""
    amount: Fraction | None = Fraction(0)
    tx, ww = 0, Fraction(0)
    for day, d in days.items():
        if start <= day <= end:
            amount = None if amount is None or d.unconverted else amount + d.total
            tx += d.transactions
            ww += d.ww_total
    return amount, tx, ww


# --------------------------------------------------------------------------------------------
# pass 2: the exact crossing sale


class _Probe:
    """Feeds the rows of one crossing day, in ledger order, until the test is met."""

    def __init__(self, state: _RuleState, cand: _Candidate, ctx: _Context, *, disqualifying: bool = False):
        self.state = state
        self.cand = cand
        self.ctx = ctx
        self.disqualifying = disqualifying
        rule = state.rule
        self.period = rule.period_on(cand.day) or rule.periods[0]
        self.amount = cand.before_amount
        self.tx = cand.before_transactions
        self.rows = cand.before_rows
        self.ww = cand.before_ww
        self.sales = cand.before_sales
        self.uses_worldwide = state.worldwide and self.period.worldwide_amount is not None

    def feed(self, sale: Sale, partition: str | None = None) -> None:
        if self.cand.found is not None:
            return
        rule, ctx, p = self.state.rule, self.ctx, self.period
        if self.disqualifying:
            if _from_other_member_state(sale.cls, sale.dest, sale.day, ctx) and sale.dest != ctx.seller.country:
                self.cand.found, self.cand.found_partition = sale.row, partition
            return
        changed = False
        dest_ok = _dest_matches(rule, sale.dest) if rule.kind != "eu_distance_sales" else True
        if dest_ok and _counts(rule, p, sale.dest, sale.cls, sale.day, ctx):
            f = ctx.factor(sale.currency, rule.currency, sale.day)
            if f is not None:  # None only for a rule whose test needs no rate (needs_rates)
                self.amount += Fraction(sale.amount) * f
            self.sales += sale.amount > 0
            self.tx += sale.transactions
            self.rows += 1
            changed = True
        if self.uses_worldwide:
            f = ctx.factor(sale.currency, rule.currency, sale.day)
            assert f is not None
            self.ww += Fraction(sale.amount) * f
            changed = True
        if changed and test_met(p, self.amount, self.tx, self.rows, self.ww, self.sales):
            self.cand.found, self.cand.found_partition = sale.row, partition


def day_sales(
    rows: Iterable[tuple[int, Sequence[Any]]], days: frozenset[date], *, seller: Seller, as_of: date,
    book: RateBook | None, partition: str | None = None,
) -> list[tuple[str | None, Sale]]:
    """The second pass over one partition: its valid sales dated on one of ``days``, in row order."""
    reader = RowReader(as_of=as_of, seller_country=seller.country, book=book)
    parse_day = reader.parse_day
    out: list[tuple[str | None, Sale]] = []
    for n, values in rows:
        if parse_day(values[0]) not in days:
            continue
        sale = reader.read(n, values)
        if not isinstance(sale, Rejection):
            out.append((partition, sale))
    return out


def _pass2(sales: Iterable[tuple[str | None, Sale]], probes: dict[date, list[_Probe]]) -> None:
    for partition, sale in sales:
        for probe in probes.get(sale.day, ()):
            probe.feed(sale, partition)


# --------------------------------------------------------------------------------------------
# results


def _money(value: Fraction, currency: str) -> str:
    """Exact rational amount rounded once to the currency's minor units, half away from zero."""
    places = minor_units(currency)
    scaled = abs(value) * 10**places
    units = math.floor(scaled + Fraction(1, 2))
    if value < 0:
        units = -units
    return format(Decimal(units).scaleb(-places), "f")


def _money_or_none(value: Fraction | None, currency: str) -> str | None:
    return None if value is None else _money(value, currency)


def _limit(amount: Decimal, currency: str) -> str:
    return format(amount.quantize(Decimal(1).scaleb(-minor_units(currency))), "f")


def _year_start(segment: date, years: int) -> date:
    return segment.replace(year=segment.year + years)


def _applicable(rule: Rule, seller: Seller) -> tuple[bool, str | None]:
    if rule.kind == "eu_distance_sales":
        return True, None
    if rule.region is not None:
        resident = seller.country == rule.country and (seller.region or "").upper() == rule.region
    else:
        resident = seller.country == rule.country or rule.country in seller.other_establishments
    if resident:
        return False, "established_in_jurisdiction"
    return True, None


def _test_words(p: Period) -> str:
    parts = []
    if p.amount is not None:
        parts.append(f"amount {'more than' if p.amount_test == 'exceeds' else 'at least'} the threshold")
    if p.transactions is not None:
        parts.append(f"{'more than' if p.transactions_test == 'exceeds' else 'at least'} {p.transactions} transactions")
    text = f" {p.combine} ".join(parts) if parts else "at least one sale there"
    if p.worldwide_amount is not None:
        text += f" and worldwide sales {'more than' if p.worldwide_test == 'exceeds' else 'at least'} the worldwide amount"
    return text


def evaluate(
    *,
    seller: Seller,
    as_of: date,
    eu_destination_option: bool,
    rows: RowSource,
    rules: ThresholdRules,
    ecb: EcbRates,
    book: RateBook | None,
    rates_version: str,
    numbered: bool = False,
    exchange_rates: Sequence[GivenRate] = (),
) -> dict[str, Any]:
    """Evaluate every threshold rule on the ledger ``rows`` (called twice: two passes). ``rows()`` gives
    the values of each row, the ``n``-th (from 0) being row ``n + FIRST_DATA_ROW`` as in a sheet with a
    header; with ``numbered``, ``(row, values)`` pairs that carry their own rows (a CSV body's)."""
    def numbered_rows() -> Iterable[tuple[int, Sequence[Any]]]:
        return rows() if numbered else enumerate(rows(), FIRST_DATA_ROW)  # type: ignore[return-value]

    first = partial(numbered_rows(), seller=seller, as_of=as_of, rules=rules, ecb=ecb, book=book)
    return finish(
        first, seller=seller, as_of=as_of, eu_destination_option=eu_destination_option, rules=rules, ecb=ecb,
        book=book, rates_version=rates_version,
        second_pass=lambda days: day_sales(numbered_rows(), days, seller=seller, as_of=as_of, book=book),
        exchange_rates=exchange_rates,
    )


def partial(
    rows: Iterable[tuple[int, Sequence[Any]]], *, seller: Seller, as_of: date, rules: ThresholdRules, ecb: EcbRates,
    book: RateBook | None, partition: str | None = None,
) -> ThresholdPartial:
    """Pass 1 over ``(row number, 12-tuple)`` pairs of one partition (or a whole ledger)."""
    from decimal import localcontext

    with localcontext() as dctx:
        dctx.prec = 60
        reader = RowReader(as_of=as_of, seller_country=seller.country, book=book)
        return _pass1(rows, reader, rules, *pass1_context(seller=seller, as_of=as_of, rules=rules, ecb=ecb), partition)


def pass1_context(*, seller: Seller, as_of: date, rules: ThresholdRules, ecb: EcbRates) -> tuple["_Context", date | None]:
    """What :class:`Pass1` needs besides the rules: the request context and the EU look-back day."""
    ctx = _Context(seller=seller, rules=rules, ecb=ecb, as_of=as_of)
    eu_qualifies, _ = _eu_qualification(seller, rules, as_of)
    return ctx, date(as_of.year - 1, 1, 1) if eu_qualifies else None


def finish(
    ledger: ThresholdPartial,
    *,
    seller: Seller,
    as_of: date,
    eu_destination_option: bool,
    rules: ThresholdRules,
    ecb: EcbRates,
    book: RateBook | None,
    rates_version: str,
    second_pass: Callable[[frozenset[date]], Iterable[tuple[str | None, Sale]]],
    exchange_rates: Sequence[GivenRate] = (),
) -> dict[str, Any]:
    """The evaluation from the merged pass 1; ``second_pass(days)`` gives the valid sales dated on
    those days as ``(partition, sale)`` in ledger order (it is not called when no day is needed).
    ``exchange_rates`` are the caller's rates for the conversions the ECB rates cannot make."""
    from decimal import localcontext

    with localcontext() as dctx:
        dctx.prec = 60
        return _evaluate(seller, as_of, eu_destination_option, ledger, second_pass, rules, ecb, rates_version, exchange_rates)


def _evaluate(
    seller: Seller,
    as_of: date,
    eu_destination_option: bool,
    ledger: ThresholdPartial,
    second_pass: Callable[[frozenset[date]], Iterable[tuple[str | None, Sale]]],
    rules: ThresholdRules,
    ecb: EcbRates,
    rates_version: str,
    exchange_rates: Sequence[GivenRate],
) -> dict[str, Any]:
    ctx = _Context(seller=seller, rules=rules, ecb=ecb, as_of=as_of, given=exchange_rates)
    eu_qualifies, eu_reason = _eu_qualification(seller, rules, as_of)

    # A conversion that cannot be made (neither the ECB nor the caller's exchange_rates has the pair)
    # leaves only the rules whose test needs it unevaluated; every row still counts everywhere else.
    sums = ledger.sums
    states: list[_RuleState] = []
    for rule in rules.rules:
        ok, reason = _applicable(rule, seller)
        worldwide = _worldwide_needed(rule, sums[rule.jurisdiction], ok)
        days, missing = _rule_days(rule, sums[rule.jurisdiction], ledger, ctx, worldwide)
        decided_without_sales = not ok or (rule.kind == "eu_distance_sales" and not eu_qualifies)
        evaluated = not missing or decided_without_sales or not needs_rates(rule)
        states.append(_RuleState(rule, ok, reason, days, _scan(rule, days) if evaluated else [], worldwide=worldwide,
                                 missing=missing, evaluated=evaluated))

    probes: dict[date, list[_Probe]] = {}
    for st in states:
        for cand in st.candidates:
            probes.setdefault(cand.day, []).append(_Probe(st, cand, ctx))
        if st.rule.kind == "eu_distance_sales" and eu_qualifies:
            first = ledger.other_ms_first
            if first is not None:
                st.disqualifying = _Candidate(date.min, first, Fraction(0), 0, 0, Fraction(0), 0, True)
                probes.setdefault(first, []).append(_Probe(st, st.disqualifying, ctx, disqualifying=True))
    wanted = frozenset(probes)
    if wanted:
        _pass2(second_pass(wanted), probes)

    rejected = sorted(ledger.rejected, key=_rejection_order)
    results = [
        _result(st, ctx, as_of, eu_destination_option, eu_qualifies, eu_reason) for st in states
    ]
    warnings = []
    not_evaluated = [e for e in results if "error" in e]
    if not_evaluated:
        warnings.append({
            "code": "exchange_rate_not_found",
            "detail": "Not evaluated for want of an exchange rate: "
            + "; ".join(f"{e['jurisdiction']} ({_pairs(e['error'])})" for e in not_evaluated)
            + ". Send the rates in exchange_rates; every other jurisdiction is evaluated.",
        })
    if ledger.missing_ca_region:
        warnings.append(
            {
                "code": "region_missing",
                "detail": f"{ledger.missing_ca_region} sale(s) to Canada have no province: they count for CA "
                "but for no province threshold (CA-QC, CA-BC).",
            }
        )
    return {
        "rates_version": rates_version,
        "as_of": as_of.isoformat(),
        "jurisdictions": results,
        "rows_in": ledger.rows_in,
        "rows_counted": ledger.rows_in - len(rejected),
        "rejected": [r.as_dict() for r in rejected],
        "exchange_rates": [
            {"currency": cur, "rate": format(rate, "f"), "date": day.isoformat()}
            for (cur, day), (rate, _d) in sorted(ctx.used.items())
        ],
        "given_exchange_rates": [_given_out(exchange_rates[i]) for i in sorted(ctx.given_used)],
        "warnings": warnings,
    }


def _eu_qualification(seller: Seller, rules: ThresholdRules, as_of: date) -> tuple[bool, str | None]:
    if not rules.is_member_state(seller.country, as_of, goods=False):
        return False, "established_outside_eu"
    others = {c for c in seller.other_establishments if c != seller.country and rules.is_member_state(c, as_of, goods=False)}
    if others:
        return False, "established_in_more_than_one_member_state"
    return True, None


def _crossings(st: _RuleState) -> dict[date, _Candidate]:
    """Per window (segment), the verified crossing."""
    out: dict[date, _Candidate] = {}
    for cand in st.candidates:
        if cand.segment in out:
            continue
        if cand.found is not None:
            out[cand.segment] = cand
    return out


def _result(
    st: _RuleState,
    ctx: _Context,
    as_of: date,
    eu_option: bool,
    eu_qualifies: bool,
    eu_reason: str | None,
) -> dict[str, Any]:
    rule = st.rule
    p = rule.period_on(as_of) or rule.periods[-1]
    cur = rule.currency
    m = p.measurement
    start = window_start(as_of, p)
    amount, tx, ww = _window_totals(rule, st.days, start, as_of)
    previous_total = None
    if m.kind == "annual":
        prev_start = _year_start(start, -1)
        prev_amount, prev_tx, _ = _window_totals(rule, st.days, prev_start, start - timedelta(days=1))
        previous_total = {"amount": _money_or_none(prev_amount, cur), "currency": cur, "transactions": prev_tx}

    exceeded, exceeded_on, crossing, obligation_from = False, None, None, None
    crossing_partition: str | None = None
    crossings = _crossings(st)
    ambiguous = any(c.found is None for c in st.candidates if c.certain)
    if m.kind == "annual":
        lag = {"current_or_previous": 0, "previous": 1, "second_previous": 2}[m.years]
        lookback = max(lag, 1)
        in_range = sorted(s for s in crossings if _year_start(start, -lookback) <= s <= start)
        if in_range:
            seg = in_range[0]
            while _year_start(seg, -1) in crossings:
                seg = _year_start(seg, -1)
            c = crossings[seg]
            exceeded, exceeded_on, crossing = True, c.day, c.found
            crossing_partition = c.found_partition
            obligation_from = c.day if lag == 0 else _year_start(seg, lag)
    elif crossings:
        c = crossings[min(crossings)]
        exceeded, exceeded_on, crossing, obligation_from = True, c.day, c.found, c.day
        crossing_partition = c.found_partition

    reason = st.reason
    applicable = st.applicable
    if rule.kind == "eu_distance_sales":
        if not eu_qualifies:
            reason = eu_reason
            exceeded, exceeded_on, crossing, obligation_from = True, None, None, None
        elif st.disqualifying is not None and st.disqualifying.found is not None:
            dq = st.disqualifying
            if exceeded_on is None or dq.day < exceeded_on:
                reason = "dispatched_from_other_member_state"
                exceeded, exceeded_on, crossing, obligation_from = True, dq.day, dq.found, dq.day
                crossing_partition = dq.found_partition
    if not applicable:
        exceeded, exceeded_on, crossing, obligation_from = False, None, None, None
    evaluated = st.evaluated or reason == "dispatched_from_other_member_state"

    limit = p.amount if p.amount is not None else p.worldwide_amount
    measured = amount if p.amount is not None else ww
    remaining: Fraction | None = None
    if exceeded or limit == 0:
        remaining = Fraction(0)
    elif limit is not None and measured is not None:
        remaining = max(Fraction(0), Fraction(limit) - measured)
    warnings: list[dict[str, str]] = []
    if applicable and not exceeded and measured is not None:
        if limit is not None and limit > 0:
            ratio = measured / Fraction(limit)
            for level, code, pct in WARN_LEVELS:
                if ratio >= level:
                    warnings.append({"code": code, "detail": f"{pct}% of the {cur} {_limit(limit, cur)} threshold reached ({_money(measured, cur)})."})
                    break
        if p.transactions is not None:
            ratio = Fraction(tx, p.transactions)
            for level, code, pct in WARN_LEVELS:
                if ratio >= level:
                    warnings.append({"code": code, "detail": f"{pct}% of the {p.transactions}-transaction test reached ({tx})."})
                    break
    if ambiguous:
        warnings.append({
            "code": "crossing_sale_ambiguous",
            "detail": "Negative amounts on the crossing day leave the exact crossing sale open; the day is given.",
        })
    threshold: dict[str, Any] = {
        "amount": _limit(limit, cur) if limit is not None else None,
        "currency": cur,
        "transactions": p.transactions,
        "period": m.describe(),
        "test": _test_words(p),
        "basis": _basis(rule, p),
        "effective_from": p.effective_from.isoformat(),
        "source": p.source,
    }
    if p.worldwide_amount is not None:
        threshold["worldwide_amount"] = _limit(p.worldwide_amount, cur)
    if p.unverified:
        threshold["unverified"] = list(p.unverified)
    if st.missing and evaluated and applicable:
        warnings.append({
            "code": "total_not_converted",
            "detail": f"Sales in {', '.join(sorted(st.missing))} count here but no rate converts them into {cur} "
            f"({_pairs({'missing_exchange_rates': _missing_out(st, cur)})}): the test needs none, the totals that "
            "include them are not shown. Send the rates in exchange_rates to see them.",
        })
    total: dict[str, Any] = {"amount": _money_or_none(amount, cur), "currency": cur, "transactions": tx}
    if p.worldwide_amount is not None:
        total["worldwide_amount"] = _money(ww, cur) if st.worldwide else None
    entry: dict[str, Any] = {
        "jurisdiction": rule.jurisdiction,
        "name": rule.name,
        "applicable": applicable,
        "threshold": threshold,
        "total": total,
        "previous_total": previous_total,
        "exceeded": exceeded,
        "exceeded_on": exceeded_on.isoformat() if exceeded_on else None,
        "crossing_sale": crossing,
        "crossing_sale_partition": crossing_partition if crossing is not None else None,
        "obligation_from": obligation_from.isoformat() if obligation_from else None,
        "remaining": _money(remaining, cur) if remaining is not None and limit is not None else None,
        "reason": reason,
        "consequence": "",
        "warnings": warnings,
    }
    if not evaluated and applicable:
        return _not_evaluated(entry, st, ctx)
    entry["consequence"] = _consequence(rule, p, entry, as_of, eu_option, ctx.seller)
    return entry


def _missing_out(st: _RuleState, to: str) -> list[dict[str, Any]]:
    return [
        {"from_currency": cur, "to_currency": to, "first_date": first.isoformat(), "last_date": last.isoformat(),
         "rows": rows}
        for cur, (first, last, rows) in sorted(st.missing.items())
    ]


def _pairs(error: dict[str, Any]) -> str:
    return ", ".join(
        f"{m['from_currency']} to {m['to_currency']} for {m['rows']} sale(s) from {m['first_date']} to {m['last_date']}"
        for m in error["missing_exchange_rates"]
    )


def _not_evaluated(entry: dict[str, Any], st: _RuleState, ctx: _Context) -> dict[str, Any]:
    """A rule whose amount test needs conversions no rate can make: no answer is guessed. Its entry says
    which currency pairs are missing, on which days, for how many rows; the other rules are unaffected."""
    rule = st.rule
    missing = _missing_out(st, rule.currency)
    stale = all(ctx.ecb.supports(m["from_currency"]) and ctx.ecb.supports(m["to_currency"]) for m in missing)
    detail = (
        f"{rule.jurisdiction} ({rule.name}) is not evaluated: its threshold is in {rule.currency} and no exchange rate "
        f"converts {_pairs({'missing_exchange_rates': missing})}. "
        + (f"The shipped ECB data ends on {ctx.ecb.last_date.isoformat()}. {REFRESH_HINT} Or send"
           if stale else "The ECB publishes no rate for this pair; send")
        + " the rate in exchange_rates (from_currency, to_currency, rate, date, source)."
    )
    entry.update(
        exceeded=None, exceeded_on=None, crossing_sale=None, crossing_sale_partition=None, obligation_from=None,
        remaining=None, reason="exchange_rate_not_found", warnings=[],
        error={"code": "exchange_rate_not_found", "detail": detail, "missing_exchange_rates": missing},
    )
    entry["total"] = {**entry["total"], "amount": None}
    if "worldwide_amount" in entry["total"]:
        entry["total"]["worldwide_amount"] = None
    if entry["previous_total"] is not None:
        entry["previous_total"] = {**entry["previous_total"], "amount": None}
    entry["consequence"] = (
        f"Not evaluated: the {rule.name} threshold is in {rule.currency} and some sales counted for it cannot be "
        "converted (see error). No answer is given rather than one computed from part of the sales."
    )
    return entry


def _given_out(given: GivenRate) -> dict[str, Any]:
    """A caller's rate as it was sent, for ``given_exchange_rates``."""
    return {
        "from_currency": given.from_currency, "to_currency": given.to_currency, "rate": format(given.rate, "f"),
        "date": given.date.isoformat() if given.date else None, "source": getattr(given, "source", None),
    }


def st_worldwide(e: dict[str, Any]) -> bool:
    return e["total"].get("worldwide_amount") is not None


def _basis(rule: Rule, p: Period) -> str:
    if rule.kind == "eu_distance_sales":
        kinds = " and ".join(s.replace("digital_services", "telecom/broadcasting/e-services") for s in sorted(p.supplies))
        return f"B2C {kinds} to consumers in other Member States, net of VAT"
    who = "consumers" if p.customer_types == frozenset({"consumer"}) else "all customers"
    counted = {"gross": "gross sales", "retail": "retail sales (not for resale)", "taxable": "taxable sales"}[p.sales_counted]
    mkt = "marketplace sales included" if p.marketplace_supplies else "marketplace-facilitated sales excluded"
    if p.marketplace_supplies and p.marketplace_supplies != frozenset({"goods", "digital_services", "services"}):
        mkt = "marketplace sales included for " + ", ".join(sorted(p.marketplace_supplies))
    text = f"{counted} to {who} in {rule.jurisdiction}, {mkt}"
    if p.goods_dispatched_from == "inside":
        text += f"; goods only when dispatched from inside {rule.country}"
    if p.worldwide_amount is not None:
        text += "; plus the seller's worldwide sales"
    return text


def _consequence(rule: Rule, p: Period, e: dict[str, Any], as_of: date, eu_option: bool, seller: Seller) -> str:
    cur = rule.currency
    row = f" (sale at row {e['crossing_sale']})" if e["crossing_sale"] is not None else ""
    if e["crossing_sale"] is not None and e.get("crossing_sale_partition"):
        row = f" (sale at row {e['crossing_sale']} of {e['crossing_sale_partition']})"
    if rule.kind == "eu_distance_sales":
        year = as_of.year
        if e["reason"] == "established_outside_eu":
            return ("The seller is not established in the EU, so the EUR 10,000 threshold never applies: every intra-EU "
                    "B2C distance sale of goods and e-service to consumers is taxed in the customer's Member State from the "
                    "first euro (Art. 59c(1)(a)); use the OSS or register where the customers are.")
        if e["reason"] == "established_in_more_than_one_member_state":
            return ("The seller is established in more than one Member State, so the EUR 10,000 threshold does not apply: "
                    "destination taxation from the first euro (Art. 59c(1)(a)).")
        if e["reason"] == "dispatched_from_other_member_state":
            return (f"Goods were dispatched to a consumer from a Member State other than the seller's on {e['exceeded_on']}{row}: "
                    "the EUR 10,000 threshold is not available for such sales, which are taxed in the customer's Member State "
                    "(AEAT, Art. 59c(1)(a)-(b)).")
        if e["exceeded"]:
            crossed = date.fromisoformat(e["exceeded_on"])
            if crossed.year < year:
                return (f"EUR 10,000 was exceeded on {e['exceeded_on']}{row}: that sale and every later intra-EU distance sale "
                        f"of goods and e-service to consumers, including all of {year} (the previous year was above the "
                        "threshold), are taxed in the customer's Member State at its rate (Art. 59c(1)(c) and (2)); declare "
                        "them in the OSS (Union scheme).")
            return (f"EUR 10,000 was exceeded on {e['exceeded_on']}{row}: that sale (its consideration is not split) and every "
                    f"later such sale in {year} and all of {year + 1} are taxed in the customer's Member State at its rate "
                    "(Art. 59c(2)); declare them in the OSS (Union scheme).")
        text = (f"Below EUR 10,000 in {year - 1} and in {year} so far (EUR {e['remaining']} left): these sales are taxed "
                f"in {seller.country} at its rates, like domestic sales (Art. 59c(1)).")
        if eu_option:
            text += (" The seller opted for destination taxation: they are taxed in the customer's Member State instead, "
                     "and the option binds for at least two calendar years (Art. 59c(3)).")
        return text
    if not e["applicable"]:
        return (f"The seller is established in {rule.jurisdiction}: this non-resident threshold does not apply; domestic "
                "registration rules do.") if rule.kind != "us_economic_nexus" else (
                f"The seller is established in {rule.name}: physical presence creates nexus; register and collect there.")
    if rule.kind == "us_economic_nexus":
        if e["exceeded"]:
            text = f"Economic nexus in {rule.name}: the test ({_test_words(p)}, {p.measurement.describe()}) was met on {e['exceeded_on']}{row}."
            if e["obligation_from"] and e["obligation_from"] != e["exceeded_on"]:
                return text + f" The test looks at the previous year: register and collect {rule.name} sales tax from {e['obligation_from']}."
            return text + f" Register for {rule.name} sales tax and collect it on taxable sales into the state (the state's own start date rules apply)."
        return f"No economic nexus in {rule.name} from these sales ({p.measurement.describe()}): USD {e['remaining']} left before the amount test."
    # non-resident registration elsewhere
    if e["exceeded"]:
        text = f"The {rule.name} threshold was crossed on {e['exceeded_on']}{row}."
        if e["obligation_from"] and e["obligation_from"] != e["exceeded_on"]:
            return text + f" Registration is required from {e['obligation_from']}."
        return text + " Register there and charge the tax on sales counted here (marketplaces charge it on sales they facilitate)."
    if p.amount is None and not st_worldwide(e):
        return (f"No sales to {rule.name} in this ledger: registration is required once the seller makes a supply there "
                f"and its worldwide turnover meets the threshold ({p.measurement.describe()}).")
    if p.amount is not None and p.amount == 0:
        return f"No threshold in {rule.name}: registration is required from the first taxable sale there; none in this ledger."
    return f"Below the {rule.name} threshold ({p.measurement.describe()}): {cur} {e['remaining']} left; no registration required yet."
