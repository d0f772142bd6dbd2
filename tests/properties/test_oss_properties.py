"""Properties of the OSS summary.

1. The lines add up to the converted rows: |Σ lines − Σ row/rate| ≤ (number of lines) × half a cent,
   because each line is converted and rounded once.
2. Row order does not matter.
3. Splitting a ledger in two: merging the two ledgers gives exactly the return of the whole; adding
   the two rounded returns gives the same figures for EUR amounts in cents, and within half a cent
   per line and half for currencies converted at a rate.
4. The streamed CSV path and the JSON path give the same return.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.oss import service
from taxapi.rate_tables.loader import get_rate_book

PERIOD = "2025-Q3"
HALF_CENT = Decimal("0.005")
COUNTRIES = ["FR", "AT", "IT", "SE"]  # not PL: PL -> PL would be a domestic supply
RATES = ["20", "5.5", "10", "22", "0"]

amounts = st.decimals(min_value=Decimal("-500"), max_value=Decimal("100000"), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def ledger_rows(draw, currencies=("EUR", "USD", "GBP", "SEK", "JPY")):
    n = draw(st.integers(min_value=0, max_value=40))
    rows = []
    for i in range(n):
        net = draw(amounts)
        rate = draw(st.sampled_from(RATES))
        tax = (net * Decimal(rate) / 100).quantize(Decimal("0.01"))
        negative = net < 0
        rows.append({
            "id": str(i),
            "date": f"2025-0{draw(st.integers(7, 9))}-{draw(st.integers(1, 28)):02d}",
            "country_of_consumption": draw(st.sampled_from(COUNTRIES)),
            "ship_from_country": draw(st.sampled_from(["DE", "DE", "PL"])),
            "supply": "goods",
            "rate_percent": rate,
            "net_amount": str(net),
            "tax_amount": str(tax),
            "currency": draw(st.sampled_from(currencies)),
            "original_period": draw(st.sampled_from(["2025-Q2", "2025-Q3"])) if negative else draw(st.sampled_from([None, None, "2025-Q1"])),
        })
    return rows


def run(rows):
    return service.summarize_rows(scheme="union", period=PERIOD, member_state_of_identification="DE", transactions=rows,
                                  book=get_rate_book(), ecb=get_ecb_rates())


def ledger_of(rows, start=1):
    led = service.OssLedger(service.return_spec(scheme="union", period=PERIOD, member_state_of_identification="DE"))
    for i, r in enumerate(rows, start=start):
        led.add_row(r, row_number=i)
    return led


@given(ledger_rows())
def test_lines_add_up_to_the_converted_rows_within_rounding(rows):
    s = run(rows)
    ecb = get_ecb_rates()
    end = service.parse_period(PERIOD).end
    exact_net = exact_tax = Decimal(0)
    for r in rows:
        if r["original_period"] == "2025-Q1" or (r["original_period"] == "2025-Q2"):
            continue  # corrections
        fx = ecb.on_or_after(r["currency"], end)
        exact_net += service._to_eur(Decimal(r["net_amount"]), fx)
        exact_tax += service._to_eur(Decimal(r["tax_amount"]), fx)
    n = len(s["lines"])
    assert abs(sum((x["net_amount"] for x in s["lines"]), Decimal(0)) - exact_net) <= n * HALF_CENT
    assert abs(sum((x["tax_amount"] for x in s["lines"]), Decimal(0)) - exact_tax) <= n * HALF_CENT
    assert s["rejected"] == [] and s["transactions_count"] == s["rows_count"] == len(rows)


def _without_row_numbers(s):
    s = dict(s)
    s["rejected"] = sorted((r["id"], r["code"]) for r in s["rejected"])
    return s


@given(ledger_rows(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert _without_row_numbers(run(shuffled)) == _without_row_numbers(run(rows))


@given(ledger_rows(), st.data())
def test_split_ledger_merged_gives_the_same_return(rows, data):
    cut = data.draw(st.integers(0, len(rows)))
    first, second = ledger_of(rows[:cut]), ledger_of(rows[cut:], start=cut + 1)
    first.merge(second)
    merged = service.summarize(ledger=first, book=get_rate_book(), ecb=get_ecb_rates())
    assert merged == run(rows)


def _line_key(x):
    return (x["section"], x["country_of_consumption"], x["ship_from_country"], x["deemed_supplier"], x["rate_percent"])


@given(ledger_rows(currencies=("EUR",)), st.data())
def test_adding_the_returns_of_two_halves_gives_the_whole_for_euro_amounts(rows, data):
    cut = data.draw(st.integers(0, len(rows)))
    a, b, whole = run(rows[:cut]), run(rows[cut:]), run(rows)
    added: dict = {}
    for s in (a, b):
        for x in s["lines"]:
            net, tax = added.get(_line_key(x), (Decimal(0), Decimal(0)))
            added[_line_key(x)] = (net + x["net_amount"], tax + x["tax_amount"])
    assert added == {_line_key(x): (x["net_amount"], x["tax_amount"]) for x in whole["lines"]}
    assert a["total_tax_amount"] + b["total_tax_amount"] == whole["total_tax_amount"]


@given(ledger_rows(), st.data())
def test_adding_the_returns_of_two_halves_is_within_a_cent_per_line(rows, data):
    cut = data.draw(st.integers(0, len(rows)))
    a, b, whole = run(rows[:cut]), run(rows[cut:]), run(rows)
    for x in whole["lines"]:
        parts = [y for s in (a, b) for y in s["lines"] if _line_key(y) == _line_key(x)]
        # each half rounds once (≤ ½ cent each), the whole rounds once (≤ ½ cent)
        assert abs(sum((y["tax_amount"] for y in parts), Decimal(0)) - x["tax_amount"]) <= 3 * HALF_CENT


@given(ledger_rows(), st.integers(1, 200))
def test_csv_and_json_paths_agree(rows, chunk):
    cols = ["id", "date", "country_of_consumption", "ship_from_country", "supply", "rate_percent", "net_amount",
            "tax_amount", "currency", "original_period"]
    text = ",".join(cols) + "\n" + "".join(",".join(r[c] or "" for c in cols) + "\n" for r in rows)
    data = text.encode()
    s = service.summarize_csv_chunks(scheme="union", period=PERIOD, member_state_of_identification="DE",
                                     chunks=[data[i:i + chunk] for i in range(0, len(data), chunk)],
                                     book=get_rate_book(), ecb=get_ecb_rates())
    assert s == run(rows)
