"""OSS / IOSS returns worked by hand.

Sources of the expected values:

* ECB euro reference rates as published by the ECB (shipped in ``rates/ecb/``), units per 1 EUR:
  USD 1.0749 on 2024-04-02 (first publication after Sunday 31 March 2024: 29 March and 1 April
  2024 were TARGET holidays, Good Friday and Easter Monday), GBP 0.8551 on 2024-04-02,
  USD 1.1720 on 2025-06-30, USD 1.1741 on 2025-09-30, USD 1.1750 on 2025-12-31,
  USD 1.1715 and SEK 11.012 on 2025-09-01 (August 2025 ended on a Sunday).
* Conversion rule: VAT Directive Art. 366(2), 369h, 369u — rate of the last day of the period,
  or of the next day of publication. Rounding: half up to the cent once per line (Council
  Regulation (EC) 1103/97 Art. 5 for euro conversions; the Directive prescribes none).
* Corrections in a later return per Member State of consumption and period: Art. 369g(4), 369t(2).
* Sections: Art. 369g(2) (goods dispatched from other Member States), Art. 14a(2) / 369b (deemed
  supplier domestic supplies).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from taxapi.ecb import get_ecb_rates
from taxapi.errors import ExchangeRateNotFound, ValidationFailed
from taxapi.oss import service
from taxapi.oss.periods import parse_period

D = Decimal


def row(**kw):
    base = {
        "id": None, "date": "2024-02-15", "country_of_consumption": "FR", "ship_from_country": "DE",
        "supply": "goods", "rate_percent": "20", "net_amount": "100.00", "tax_amount": "20.00", "currency": "EUR",
    }
    base.update(kw)
    return base


def summary(rows, *, scheme="union", period="2024-Q1", msi="DE", book=None, rate_book=None):
    from taxapi.rate_tables.loader import get_rate_book

    return service.summarize_rows(
        scheme=scheme, period=period, member_state_of_identification=msi, transactions=rows,
        book=book or get_rate_book(), ecb=get_ecb_rates(),
    )


def line_map(s):
    return {
        (x["section"], x["country_of_consumption"], x["ship_from_country"], str(x["rate_percent"])): (x["net_amount"], x["tax_amount"])
        for x in s["lines"]
    }


def test_mixed_currencies_with_easter_at_period_end():
    """Union OSS Q1 2024, identified in DE: Q1 2024 ends on Easter Sunday, so the 2 April 2024 rates apply."""
    s = summary([
        row(id="us-1", net_amount="10749.00", tax_amount="2149.80", currency="USD"),  # 10,000.00 / 2,000.00 EUR
        row(id="eu-1", net_amount="100.00", tax_amount="20.00"),
        row(id="gb-1", country_of_consumption="AT", ship_from_country="", supply="services",
            net_amount="855.10", tax_amount="171.02", currency="GBP"),  # 855.10 / 0.8551 = 1,000.00; 171.02 / 0.8551 = 200.00
    ])
    assert [(x["currency"], x["rate"], x["date"].isoformat()) for x in s["exchange_rates"]] == [
        ("GBP", D("0.8551"), "2024-04-02"), ("USD", D("1.0749"), "2024-04-02"),
    ]
    assert line_map(s) == {
        ("services_from_msi", "AT", None, "20"): (D("1000.00"), D("200.00")),
        ("goods_from_msi", "FR", "DE", "20"): (D("10100.00"), D("2020.00")),
    }
    assert [(t["country_of_consumption"], t["tax_amount"]) for t in s["totals_by_country"]] == [
        ("AT", D("200.00")), ("FR", D("2020.00")),
    ]
    assert s["total_tax_amount"] == D("2220.00")
    assert s["transactions_count"] == 3 and s["rejected"] == [] and s["rows_count"] == 3
    assert s["conversion_date"].isoformat() == "2024-03-31"


@pytest.mark.parametrize(
    ("period", "day", "ecb_date", "expected"),
    [
        # USD 10,749.00 of sales converted at the period-end rate (ECB USD per EUR)
        ("2024-Q1", "2024-03-01", "2024-04-02", "10000.00"),  # 1.0749, Easter
        ("2025-Q2", "2025-05-01", "2025-06-30", "9171.50"),  # 1.1720: 9171.5017
        ("2025-Q3", "2025-08-01", "2025-09-30", "9155.10"),  # 1.1741: 9155.0975
        ("2025-Q4", "2025-11-01", "2025-12-31", "9148.09"),  # 1.1750: 9148.0851
    ],
)
def test_period_end_rate_per_quarter(period, day, ecb_date, expected):
    s = summary([row(date=day, net_amount="10749.00", tax_amount="0", rate_percent="0", currency="USD")], period=period)
    assert s["lines"][0]["net_amount"] == D(expected)
    assert s["exchange_rates"][0]["date"].isoformat() == ecb_date


def test_each_line_is_converted_once_and_rounded_once():
    # Three USD rows with 0.20 tax: per row 0.20 / 1.0749 = 0.18606... would round to 0.19 each (0.57);
    # the line total 0.60 / 1.0749 = 0.55819... rounds once to 0.56.
    s = summary([row(net_amount="1.00", tax_amount="0.20", currency="USD") for _ in range(3)])
    assert s["lines"][0]["tax_amount"] == D("0.56")
    assert s["lines"][0]["net_amount"] == D("2.79")  # 3.00 / 1.0749 = 2.79095...


def test_corrections_go_to_their_period_at_that_periods_rate():
    """Q3 2025 return with corrections of Q2 2025 (FR) and Q1 2025 (AT)."""
    s = summary([
        row(id="sale", date="2025-08-10", net_amount="200.00", tax_amount="40.00"),
        row(id="credit-eur", date="2025-08-11", net_amount="-100.00", tax_amount="-20.00", original_period="2025-Q2"),
        # USD correction of May 2025 = part of the Q2 2025 return, converted at 30 June 2025 (1.1720):
        # -586.00 / 1.172 = -500.00, -117.20 / 1.172 = -100.00
        row(id="credit-usd", date="2025-09-01", net_amount="-586.00", tax_amount="-117.20", currency="USD",
            original_period="2025-05"),
        row(id="late-sale", date="2025-07-02", country_of_consumption="AT", net_amount="50.00", tax_amount="10.00",
            original_period="2025-Q1"),
    ], period="2025-Q3")
    assert line_map(s) == {("goods_from_msi", "FR", "DE", "20"): (D("200.00"), D("40.00"))}
    assert [(c["period"], c["country_of_consumption"], c["net_amount"], c["tax_amount"]) for c in s["corrections"]] == [
        ("2025-Q1", "AT", D("50.00"), D("10.00")),
        ("2025-Q2", "FR", D("-600.00"), D("-120.00")),
    ]
    totals = {t["country_of_consumption"]: (t["lines_tax_amount"], t["corrections_tax_amount"], t["tax_amount"]) for t in s["totals_by_country"]}
    assert totals == {"AT": (D("0.00"), D("10.00"), D("10.00")), "FR": (D("40.00"), D("-120.00"), D("-80.00"))}
    assert s["total_tax_amount"] == D("-70.00")
    assert {(x["period"], x["currency"], x["rate"]) for x in s["exchange_rates"]} == {("2025-Q2", "USD", D("1.172"))}
    assert s["transactions_count"] == 4


def test_refunds_in_the_same_period_net_and_others_need_their_period():
    s = summary([
        row(id="sale", net_amount="300.00", tax_amount="60.00"),
        row(id="refund-same-period", net_amount="-100.00", tax_amount="-20.00", original_period="2024-Q1"),
        row(id="refund-unknown", net_amount="-50.00", tax_amount="-10.00"),
        row(id="sale-at", country_of_consumption="AT", net_amount="10.00", tax_amount="2.00"),
        row(id="over-refund-at", country_of_consumption="AT", net_amount="-30.00", tax_amount="-6.00", original_period="2024-01"),
    ])
    assert line_map(s) == {
        ("goods_from_msi", "AT", "DE", "20"): (D("-20.00"), D("-4.00")),
        ("goods_from_msi", "FR", "DE", "20"): (D("200.00"), D("40.00")),
    }
    assert s["corrections"] == []
    assert [(r["row"], r["id"], r["code"]) for r in s["rejected"]] == [(4, "refund-unknown", "original_period_required")]  # item 2: row 4 of a sheet with a header
    assert [w["code"] for w in s["warnings"] if w["code"] == "negative_line"] == ["negative_line"]
    assert s["transactions_count"] + s["rejected_count"] == s["rows_count"] == 5


def test_goods_from_a_second_member_state_and_deemed_supplier_supplies():
    s = summary([
        row(id="de-fr", net_amount="100.00", tax_amount="20.00"),
        row(id="pl-fr", ship_from_country="PL", net_amount="1000.00", tax_amount="200.00"),
        row(id="pl-fr-2", ship_from_country="PL", net_amount="500.00", tax_amount="100.00"),
        row(id="pl-at", ship_from_country="PL", country_of_consumption="AT", net_amount="10.00", tax_amount="2.00"),
        row(id="fr-fr-deemed", ship_from_country="FR", deemed_supplier=True, net_amount="40.00", tax_amount="8.00"),
        row(id="fr-fr-own", ship_from_country="FR", net_amount="40.00", tax_amount="8.00"),
        row(id="cn-fr", ship_from_country="CN", net_amount="40.00", tax_amount="8.00"),
        row(id="de-de", country_of_consumption="DE", rate_percent="19", net_amount="40.00", tax_amount="7.60"),
        row(id="svc-de", country_of_consumption="DE", supply="services", ship_from_country="", rate_percent="19",
            net_amount="40.00", tax_amount="7.60"),
        row(id="pl-de", country_of_consumption="DE", ship_from_country="PL", rate_percent="19", net_amount="100.00",
            tax_amount="19.00"),
    ])
    assert line_map(s) == {
        ("goods_from_msi", "FR", "DE", "20"): (D("100.00"), D("20.00")),
        ("goods_from_other_ms", "AT", "PL", "20"): (D("10.00"), D("2.00")),
        ("goods_from_other_ms", "DE", "PL", "19"): (D("100.00"), D("19.00")),
        ("goods_from_other_ms", "FR", "PL", "20"): (D("1500.00"), D("300.00")),
        ("deemed_supplier_domestic", "FR", "FR", "20"): (D("40.00"), D("8.00")),
    }
    assert {r["id"]: r["code"] for r in s["rejected"]} == {
        "fr-fr-own": "domestic_supply", "cn-fr": "other_scheme", "de-de": "domestic_supply", "svc-de": "domestic_supply",
    }
    # DE's own table knows 19 % as the standard rate (the only table the repository ships today).
    de_line = next(x for x in s["lines"] if x["country_of_consumption"] == "DE")
    assert de_line["rate_kind"] == "standard"


def test_ioss_month_ending_on_a_sunday():
    """IOSS August 2025 (ended Sunday 31 August): ECB rates of Monday 1 September 2025."""
    s = summary([
        # 1171.50 / 1.1715 = 1000.00; 257.73 / 1.1715 = 220.00
        row(id="us", date="2025-08-05", country_of_consumption="IT", ship_from_country="CN", rate_percent="22",
            net_amount="1171.50", tax_amount="257.73", currency="USD"),
        # 110.12 / 11.012 = 10.00; 24.23 / 11.012 = 2.20032... -> line tax 222.20032... = 222.20
        row(id="se", date="2025-08-31", country_of_consumption="IT", ship_from_country="US", rate_percent="22",
            net_amount="110.12", tax_amount="24.23", currency="SEK"),
        row(id="svc", date="2025-08-06", country_of_consumption="IT", supply="services", ship_from_country="",
            rate_percent="22"),
        row(id="from-eu", date="2025-08-06", country_of_consumption="IT", ship_from_country="DE", rate_percent="22"),
        row(id="july", date="2025-07-31", country_of_consumption="IT", ship_from_country="CN", rate_percent="22"),
    ], scheme="ioss", period="2025-08")
    assert line_map(s) == {("imported_goods", "IT", None, "22"): (D("1010.00"), D("222.20"))}
    assert [(x["currency"], x["date"].isoformat()) for x in s["exchange_rates"]] == [("SEK", "2025-09-01"), ("USD", "2025-09-01")]
    assert {r["id"]: r["code"] for r in s["rejected"]} == {"svc": "other_scheme", "from-eu": "other_scheme", "july": "outside_period"}


def test_every_row_is_summed_or_rejected_with_a_reason():
    rows = [
        row(id="ok"),
        row(id="late", date="2024-04-01"),
        row(id="bad-amount", net_amount="12,50"),
        row(id="bad-date", date="15.02.2024"),
        row(id="xxx-currency", currency="XXX"),
        row(id="no-supply", supply=""),
        row(id="services-only", scheme="non_union"),
        row(id="us-consumer", country_of_consumption="US"),
        row(id="signs", net_amount="10.00", tax_amount="-2.00"),
        row(id="future-original", original_period="2024-Q2"),
        row(id="float-ok", net_amount=100.5, tax_amount=20.1),
        "not an object",
        {"id": {"nested": 1}, "date": None},
    ]
    s = summary(rows)
    codes = [(r["row"], r["id"], r["code"]) for r in s["rejected"]]
    assert codes == [
        (3, "late", "outside_period"),
        (4, "bad-amount", "invalid_amount"),
        (5, "bad-date", "invalid_date"),
        (6, "xxx-currency", "unsupported_currency"),
        (7, "no-supply", "missing_field"),
        (8, "services-only", "other_scheme"),
        (9, "us-consumer", "invalid_country"),
        (10, "signs", "sign_mismatch"),
        (11, "future-original", "invalid_original_period"),
        (13, None, "malformed_row"),
        (14, None, "missing_field"),
    ]
    assert s["transactions_count"] == 2
    assert s["transactions_count"] + s["rejected_count"] == s["rows_count"] == len(rows)
    assert s["lines"][0]["net_amount"] == D("200.50")


def test_rejected_list_is_capped_but_counted():
    ledger = service.OssLedger(service.return_spec(scheme="union", period="2024-Q1", member_state_of_identification="DE"),
                               max_rejected=3)
    for i in range(10):
        ledger.add_row(row(date="2023-01-01"), row_number=i + 1)
    assert ledger.rejected_count == 10 and len(ledger.rejected) == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scheme": "ioss", "period": "2025-Q3", "member_state_of_identification": "DE"}, "period"),
        ({"scheme": "union", "period": "2021-Q2", "member_state_of_identification": "DE"}, "period"),
        ({"scheme": "union", "period": "2025-Q3", "member_state_of_identification": "CH"}, "member_state_of_identification"),
        ({"scheme": "oss", "period": "2025-Q3", "member_state_of_identification": "DE"}, "scheme"),
    ],
)
def test_bad_return_parameters_name_the_field(kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        service.return_spec(**kwargs)
    assert exc.value.errors[0]["loc"] == ["body", field]


def test_unpublished_period_end_rate_is_a_problem_not_a_guess():
    ecb = get_ecb_rates()
    later = parse_period(f"{ecb.last_date.year + 1}-Q4")
    with pytest.raises(ExchangeRateNotFound):
        summary([row(date=later.start.isoformat(), currency="USD")], period=later.text)


def test_monthly_union_figures_are_flagged():
    s = summary([row(date="2025-08-03")], period="2025-08")
    assert s["warnings"][0]["code"] == "monthly_figures"


def test_rate_kinds_come_from_the_rate_tables(fixture_rate_book):
    s = summary([
        row(rate_percent="20"), row(rate_percent="5.5", tax_amount="5.50"), row(rate_percent="5.50", tax_amount="5.50"),
        row(rate_percent="19", tax_amount="19.00"),
    ], book=fixture_rate_book)
    kinds = {str(x["rate_percent"]): x["rate_kind"] for x in s["lines"]}
    assert kinds == {"20": "standard", "5.5": "second_reduced", "19": None}
    assert [w["code"] for w in s["warnings"]] == ["rate_kind_unknown"]
    assert s["rates_version"] == fixture_rate_book.version


def test_ledger_rows_from_a_calculation_round_trip():
    """Hand-made ``POST /v1/calculate`` request/response (shape of api.md §1); the round trip
    through the real endpoint is to be added once it exists."""
    request = {
        "date": "2025-08-14", "currency": "USD",
        "seller": {"country": "DE", "oss": "union"},
        "ship_from": {"country": "PL"}, "ship_to": {"country": "FR", "postal_code": "75001"},
        "lines": [
            {"id": "book", "amount": "21.10", "category": "books"},
            {"id": "shirt", "amount": "50.00", "category": "general"},
            {"id": "app", "amount": "10.00", "category": "digital_services"},
        ],
        "shipping": {"amount": "5.00"},
    }
    line = lambda i, rate, net, tax, scheme="oss_union", who="seller", j="FR": {  # noqa: E731
        "id": i, "jurisdiction": j, "rate_percent": rate, "net_amount": net, "tax_amount": tax,
        "gross_amount": str(D(net) + D(tax)), "scheme": scheme, "collected_by": who,
    }
    response = {
        "date": "2025-08-14", "currency": "USD",
        "lines": [line("book", "5.5", "21.10", "1.16"), line("shirt", "20", "50.00", "10.00"),
                  line("app", "20", "10.00", "2.00")],
        "shipping": line(None, "20", "5.00", "1.00"),
    }
    rows = service.ledger_rows_from_calculation(request, response, order_id="A-1")
    assert [(r["id"], r["supply"], r["ship_from_country"], r["rate_percent"]) for r in rows] == [
        ("A-1/book", "goods", "PL", "5.5"), ("A-1/shirt", "goods", "PL", "20"),
        ("A-1/app", "services", "", "20"), ("A-1/shipping", "goods", "PL", "20"),
    ]
    refund = service.ledger_rows_from_calculation(request, response, order_id="A-1", refund_of_period="2025-Q3")
    assert refund[0]["net_amount"] == "-21.10" and refund[0]["original_period"] == "2025-Q3"

    s = summary(rows + refund[:1], period="2025-Q3")  # the book is refunded in the same quarter
    assert s["rejected"] == [] and s["transactions_count"] == 5
    # USD at 30 September 2025 (1.1741): goods from PL to FR at 20 %: 55.00 / 1.1741 = 46.84, 11.00 / 1.1741 = 9.37;
    # the book nets to 0; the app is a service supplied from DE: 10.00 / 1.1741 = 8.52, 2.00 / 1.1741 = 1.70.
    assert line_map(s) == {
        ("services_from_msi", "FR", None, "20"): (D("8.52"), D("1.70")),
        ("goods_from_other_ms", "FR", "PL", "20"): (D("46.84"), D("9.37")),
        ("goods_from_other_ms", "FR", "PL", "5.5"): (D("0.00"), D("0.00")),
    }

    # Lines other than the seller's OSS lines are not ledger rows; Madeira is reported as PT.
    other = {"lines": [line("book", "5.5", "21.10", "1.16", scheme="domestic"),
                       line("shirt", "20", "50.00", "10.00", who="marketplace"),
                       line("app", "22", "10.00", "2.20", j="PT-30")], "shipping": None}
    rows = service.ledger_rows_from_calculation(request, other)
    assert [(r["id"], r["country_of_consumption"]) for r in rows] == [("app", "PT")]
    market = service.ledger_rows_from_calculation(request, other, reporting_party="marketplace")
    assert [(r["id"], r["deemed_supplier"]) for r in market] == [("shirt", True)]
