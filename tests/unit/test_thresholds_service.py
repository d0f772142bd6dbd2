"""Hand-worked ledgers for POST /v1/thresholds, each with the rule it checks and its source.

Amounts are chosen so the expected crossing sale can be checked by hand. Exchange rates are the
ECB reference rates shipped in rates/ecb/eurofxref-hist.zip (quoted in each test).
"""

from __future__ import annotations

from datetime import date

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import ExchangeRate
from taxapi.rate_tables.loader import get_rate_book
from taxapi.thresholds.rules import get_threshold_rules
from taxapi.thresholds.service import Seller, evaluate


def sale(day, country, amount, currency="EUR", *, region=None, postal=None, ship_from=None, customer=None,
         category=None, channel=None, transactions=None, exemption=None):
    return (day, country, region, postal, ship_from, amount, currency, customer, category, channel, transactions, exemption)


def run(rows, *, seller="DE", region=None, others=(), as_of="2026-10-20", option=False, book=None, exchange_rates=()):
    return evaluate(
        seller=Seller(seller, region, tuple(others)),
        as_of=date.fromisoformat(as_of),
        eu_destination_option=option,
        rows=lambda: rows,
        rules=get_threshold_rules(),
        ecb=get_ecb_rates(),
        book=book or get_rate_book(),
        rates_version="test",
        exchange_rates=[ExchangeRate.model_validate(r) for r in exchange_rates],
    )


def entry(result, jurisdiction):
    return next(j for j in result["jurisdictions"] if j["jurisdiction"] == jurisdiction)


# ---- EU: Art. 59c VAT Directive ------------------------------------------------------------------

def test_exactly_10000_is_not_exceeded_and_the_next_cent_is():
    """Art. 59c(1)(c): "does not ... exceed EUR 10 000" -- a strict test (spec TH-03)."""
    rows = [sale("2026-02-01", "FR", "6000.00"), sale("2026-03-01", "AT", "4000.00")]
    eu = entry(run(rows), "EU")
    assert (eu["exceeded"], eu["total"]["amount"], eu["remaining"]) == (False, "10000.00", "0.00")
    eu = entry(run([*rows, sale("2026-03-02", "IT", "0.01")]), "EU")
    assert (eu["exceeded"], eu["exceeded_on"], eu["crossing_sale"]) == (True, "2026-03-02", 4)


def test_the_crossing_sale_itself_moves_to_destination():
    """TH-02: 9,500 then an 800 sale to IT on 2026-07-10: that sale is taxed in IT, not split
    (Art. 59c(2) "as of that time"; AEAT: the consideration may not be split)."""
    rows = [sale("2026-07-10", "IT", "800.00"), sale("2026-03-01", "FR", "9500.00"), sale("2026-08-01", "AT", "5")]
    eu = entry(run(rows), "EU")
    assert eu["exceeded"] and eu["crossing_sale"] == 2
    assert eu["exceeded_on"] == eu["obligation_from"] == "2026-07-10"
    assert eu["total"]["amount"] == "10305.00"
    assert "2027" in eu["consequence"] and "not split" in eu["consequence"]


def test_previous_year_above_10000_makes_the_whole_current_year_destination():
    """TH-04: 2025 total 10,000.01 -> destination taxation from 1 January 2026 (Art. 59c(1)(c))."""
    rows = [sale("2025-05-01", "FR", "10000.00"), sale("2025-11-30", "PL", "0.01"), sale("2026-01-02", "NL", "50")]
    eu = entry(run(rows), "EU")
    assert eu["exceeded"] and eu["exceeded_on"] == "2025-11-30" and eu["crossing_sale"] == 3
    assert eu["previous_total"]["amount"] == "10000.01" and eu["total"]["amount"] == "50.00"
    assert "all of 2026" in eu["consequence"]


def test_a_year_back_below_the_threshold_returns_to_origin_taxation():
    """TH-05: 2025 12,000; 2026 4,000; in 2027 both years are looked at: 2026 <= 10,000 and 2027 so far too."""
    rows = [sale("2025-06-01", "FR", "12000"), sale("2026-03-01", "FR", "4000"), sale("2027-01-05", "FR", "10")]
    assert entry(run(rows, as_of="2026-06-01"), "EU")["exceeded"] is True
    eu = entry(run(rows, as_of="2027-02-01"), "EU")
    assert eu["exceeded"] is False and eu["previous_total"]["amount"] == "4000.00"


def test_consecutive_years_above_report_the_first_crossing():
    rows = [sale("2024-04-01", "FR", "10500"), sale("2025-02-01", "FR", "10500"), sale("2026-01-10", "FR", "10")]
    eu = entry(run(rows), "EU")
    assert eu["exceeded_on"] == "2024-04-01"


def test_non_eur_sales_are_converted_at_the_ecb_rate_of_their_date():
    """ECB reference rates: USD 1.1698 on 2026-03-02; 2026-03-01 is a Sunday, so the rate of Friday
    2026-02-27 (USD 1.1805) applies (latest rate on or before the date, Art. 91(2))."""
    exact = [sale("2026-03-02", "FR", "11698.00", "USD")]  # 11,698 / 1.1698 = 10,000.00 exactly
    eu = entry(run(exact), "EU")
    assert (eu["exceeded"], eu["total"]["amount"]) == (False, "10000.00")
    over = [sale("2026-03-02", "FR", "11698.02", "USD")]  # 10,000.0171 EUR
    assert entry(run(over), "EU")["exceeded"] is True
    sunday = run([sale("2026-03-01", "FR", "11805.00", "USD")])  # 11,805 / 1.1805 = 10,000.00
    assert entry(sunday, "EU")["total"]["amount"] == "10000.00"
    assert {"currency": "USD", "rate": "1.1805", "date": "2026-02-27"} in sunday["exchange_rates"]


def test_only_intra_eu_b2c_distance_sales_and_e_services_count():
    """TH-10 / T2, T11, T12: domestic, B2B, exports, imports, other services and e-services through a
    platform (Art. 9a IR 282/2011) do not count; an EU seller's goods via a marketplace do (Art. 14a(2)
    covers only sellers established outside the EU)."""
    rows = [
        sale("2026-02-01", "DE", "50000"),                                   # domestic
        sale("2026-02-01", "FR", "80000", customer="business"),               # B2B
        sale("2026-02-01", "US", "9000", region="NY"),                        # export
        sale("2026-02-01", "FR", "9000", ship_from="CN"),                     # import
        sale("2026-02-01", "FR", "9000", category="services"),               # general B2C services rule
        sale("2026-02-01", "FR", "9000", category="digital_services", channel="marketplace"),
        sale("2026-02-01", "FR", "1000", channel="marketplace"),              # goods via marketplace: counts
        sale("2026-02-02", "AT", "2000", category="ebooks"),                 # e-service: counts
    ]
    eu = entry(run(rows), "EU")
    assert (eu["exceeded"], eu["total"]["amount"], eu["total"]["transactions"]) == (False, "3000.00", 2)


def test_goods_and_e_services_share_one_counter():
    """TH-11: TBE services 7,000 and distance sales 3,500: the crossing is the goods sale."""
    rows = [sale("2026-01-10", "FR", "7000", category="digital_services"), sale("2026-02-10", "IT", "3500")]
    eu = entry(run(rows), "EU")
    assert eu["crossing_sale"] == 3


def test_seller_outside_the_eu_or_in_two_member_states_never_qualifies():
    """T5 / TH-07, TH-08: Art. 59c(1)(a) -- established only in one Member State."""
    rows = [sale("2026-02-01", "CZ", "30", ship_from="PL")]
    cn = entry(run(rows, seller="CN"), "EU")
    assert cn["exceeded"] is True and cn["reason"] == "established_outside_eu"
    two = entry(run(rows, others=["FR"]), "EU")
    assert two["exceeded"] is True and two["reason"] == "established_in_more_than_one_member_state"
    # an establishment outside the EU does not matter
    assert entry(run([sale("2026-02-01", "FR", "30")], others=["CH"]), "EU")["exceeded"] is False


def test_goods_dispatched_from_another_member_state_do_not_qualify():
    """T6 / TH-09: DE seller ships 500 to NL from a PL warehouse (AEAT Manual IVA 2023)."""
    rows = [sale("2026-01-05", "FR", "100"), sale("2026-04-01", "NL", "500", ship_from="PL")]
    eu = entry(run(rows), "EU")
    assert eu["exceeded"] and eu["reason"] == "dispatched_from_other_member_state"
    assert (eu["exceeded_on"], eu["crossing_sale"]) == ("2026-04-01", 3)


def test_destination_option_is_stated_in_the_consequence():
    eu = entry(run([sale("2026-02-01", "FR", "100")], option=True), "EU")
    assert eu["exceeded"] is False and "opted for destination taxation" in eu["consequence"]


def test_canary_islands_are_outside_the_eu_vat_territory():
    """Art. 6(1)(b) VAT Directive: a sale to Las Palmas (35001) is an export, not a distance sale."""
    rows = [sale("2026-02-01", "ES", "9000", postal="35001"), sale("2026-02-02", "ES", "2000", postal="28001")]
    eu = entry(run(rows), "EU")
    assert (eu["exceeded"], eu["total"]["amount"]) == (False, "2000.00")


# ---- US economic nexus ---------------------------------------------------------------------------

def test_transaction_only_crossing_in_a_state():
    """Georgia: $100,000 or 200 retail transactions, previous or current year (Avior economic-nexus table, 2025-12-31 [S21]).
    200 sales of $1: the 200th crosses on the transaction count alone."""
    rows = [sale(f"2026-03-{1 + i // 10:02d}", "US", "1.00", "USD", region="GA") for i in range(200)]
    ga = entry(run(rows), "US-GA")
    assert ga["exceeded"] and ga["crossing_sale"] == 201 and ga["exceeded_on"] == "2026-03-20"
    assert ga["total"] == {"amount": "200.00", "currency": "USD", "transactions": 200}


def test_illinois_dropped_the_transaction_test_on_2026_01_01():
    """Illinois P.A. 104-0006: from 2026-01-01 only $100,000 counts; 200 sales still crossed in 2025."""
    in_2026 = [sale("2026-02-01", "US", "10", "USD", region="IL") for _ in range(250)]
    assert entry(run(in_2026), "US-IL")["exceeded"] is False
    in_2025 = [sale("2025-03-01", "US", "10", "USD", region="IL") for _ in range(250)]
    il = entry(run(in_2025, as_of="2025-12-31"), "US-IL")
    assert il["exceeded"] and il["crossing_sale"] == 201


def test_resale_does_not_count_where_retail_sales_count():
    """Colorado counts retail sales (not for resale) [S21]."""
    rows = [sale("2026-02-01", "US", "150000", "USD", region="CO", customer="business", exemption="resale")]
    assert entry(run(rows), "US-CO")["exceeded"] is False
    rows = [sale("2026-02-01", "US", "150000", "USD", region="CO", customer="business")]
    assert entry(run(rows), "US-CO")["exceeded"] is True


def test_marketplace_sales_per_state_flag():
    """Alabama excludes marketplace-facilitated sales; California includes them [S19]."""
    rows = [sale("2026-02-01", "US", "600000", "USD", region=r, channel="marketplace") for r in ("AL", "CA")]
    result = run(rows)
    assert entry(result, "US-AL")["exceeded"] is False
    assert entry(result, "US-CA")["exceeded"] is True


def test_previous_year_states_oblige_from_the_next_january():
    """Florida measures the previous calendar year (Avior economic-nexus table [S21])."""
    fl = entry(run([sale("2025-09-01", "US", "100000.01", "USD", region="FL")]), "US-FL")
    assert fl["exceeded"] and fl["obligation_from"] == "2026-01-01"
    fl = entry(run([sale("2026-09-01", "US", "100000.01", "USD", region="FL")]), "US-FL")
    assert fl["exceeded"] and fl["obligation_from"] == "2027-01-01"


def test_a_state_seller_is_not_a_remote_seller_there():
    rows = [sale("2026-02-01", "US", "600000", "USD", region="CA")]
    ca = entry(run(rows, seller="US", region="CA"), "US-CA")
    assert ca["applicable"] is False and ca["exceeded"] is False


# ---- rolling windows and other markets ----------------------------------------------------------

def test_a_rolling_12_month_window_rolls():
    """Norway VOEC: NOK 50,000 within 12 months (Skatteetaten). 30,000 on 2025-01-15 and 20,000 on
    2026-01-14 fall in one 12-month period; on 2026-01-15 the first sale has left the window."""
    inside = [sale("2025-01-15", "NO", "30000", "NOK"), sale("2026-01-14", "NO", "20000", "NOK")]
    no = entry(run(inside), "NO")
    assert no["exceeded"] and no["crossing_sale"] == 3
    outside = [sale("2025-01-15", "NO", "30000", "NOK"), sale("2026-01-15", "NO", "20000", "NOK")]
    assert entry(run(outside), "NO")["exceeded"] is False


def test_gb_has_no_threshold_for_overseas_sellers():
    """HMRC VATREG37210: no threshold for non-established taxable persons; OMP sales are the OMP's."""
    rows = [sale("2026-02-01", "GB", "5", "GBP", channel="marketplace"), sale("2026-02-03", "GB", "0.01", "GBP")]
    gb = entry(run(rows, seller="CN"), "GB")
    assert (gb["exceeded"], gb["crossing_sale"]) == (True, 3)
    assert entry(run(rows[:1], seller="CN"), "GB")["exceeded"] is False


def test_northern_ireland_goods_are_eu_goods_not_gb():
    rows = [sale("2026-02-01", "GB", "10", "GBP", postal="BT1 1AA")]
    result = run(rows)
    assert entry(result, "GB")["total"]["amount"] == "0.00"
    assert entry(result, "EU")["total"]["transactions"] == 1


def test_singapore_needs_global_and_local_turnover():
    """IRAS OVR: global turnover > S$1m AND B2C supplies to Singapore > S$100,000 in a calendar year."""
    rows = [sale("2026-02-01", "SG", "100000.01", "SGD"), sale("2026-03-02", "US", "600000", "SGD", region="NY")]
    assert entry(run(rows), "SG")["exceeded"] is False
    rows.append(sale("2026-03-02", "DE", "300000", "SGD"))
    sg = entry(run(rows), "SG")
    assert (sg["exceeded"], sg["crossing_sale"]) == (True, 4)


def test_switzerland_counts_worldwide_turnover_once_there_is_a_swiss_supply():
    """MWSTG Art. 10: CHF 100,000 worldwide turnover; the seller must make a supply in Switzerland."""
    rows = [sale("2026-02-02", "FR", "99999", "CHF"), sale("2026-02-03", "CH", "1", "CHF")]
    ch = entry(run(rows), "CH")
    assert (ch["exceeded"], ch["crossing_sale"], ch["total"]["worldwide_amount"]) == (True, 3, "100000.00")


def test_japan_base_period_is_two_years_back():
    """Consumption Tax Act art. 9: taxable sales > JPY 10m in the base period (two years before)."""
    rows = [sale("2024-05-01", "JP", "10000001", "JPY", category="digital_services")]
    jp = entry(run(rows), "JP")
    assert jp["exceeded"] and jp["obligation_from"] == "2026-01-01"


# ---- the ledger itself ---------------------------------------------------------------------------

def test_bad_rows_are_reported_with_their_row_number():
    rows = [
        sale("2026-02-01", "FR", "10"),
        sale("2026-02-30", "FR", "10"),
        sale("2026-02-01", "XX", "10"),
        sale("2026-02-01", "FR", "1,5"),
        sale("2026-12-01", "FR", "10"),
        sale("2026-02-01", "US", "10", "USD"),
        sale("2026-02-01", "FR", "10", "EURO"),
        sale("2026-02-01", "FR", "10", channel="shop"),
    ]
    result = run(rows)
    codes = [(r["row"], r["code"]) for r in result["rejected"]]
    assert codes == [(3, "invalid_date"), (4, "unknown_country"), (5, "invalid_amount"), (6, "after_as_of"),
                     (7, "missing_field"), (8, "unsupported_currency"), (9, "invalid_field")]  # rows of a sheet: header row 1
    assert (result["rows_in"], result["rows_counted"]) == (8, 1)


def test_a_missing_exchange_rate_leaves_only_the_threshold_that_needs_it_unevaluated():
    """The shipped ECB history ends before 2026-11-05: a USD sale to FR then cannot be converted to EUR. The
    row is counted (not rejected): the EU entry is not evaluated and names the pair, nothing is guessed; a
    US state's USD test on a USD sale the same day needs no rate and is answered."""
    rows = [sale("2026-11-05", "FR", "10", "USD"), sale("2026-11-05", "FR", "10"),
            sale("2026-11-05", "US", "100001", "USD", region="GA")]
    result = run(rows, as_of="2026-11-21")
    assert (result["rejected"], result["rows_counted"]) == ([], 3)
    eu = entry(result, "EU")
    assert (eu["exceeded"], eu["total"]["amount"], eu["remaining"], eu["error"]["code"]) == (
        None, None, None, "exchange_rate_not_found")
    assert eu["error"]["missing_exchange_rates"] == [
        {"from_currency": "USD", "to_currency": "EUR", "first_date": "2026-11-05", "last_date": "2026-11-05", "rows": 1}]
    assert "ecb refresh" in eu["error"]["detail"]
    ga = entry(result, "US-GA")
    assert (ga["exceeded"], ga["exceeded_on"], ga["crossing_sale"], "error" in ga) == (True, "2026-11-05", 4, False)
    assert [w["code"] for w in result["warnings"]] == ["exchange_rate_not_found"]
    assert "EU (USD to EUR" in result["warnings"][0]["detail"] and "US-GA" not in result["warnings"][0]["detail"]
    # The caller's rate for the day (EUR 1 = USD 1.25, given either way round) completes the EU answer:
    # 10.00 + 10 / 1.25 = 18.00.
    for given in ({"from_currency": "EUR", "to_currency": "USD", "rate": "1.25"},
                  {"from_currency": "USD", "to_currency": "EUR", "rate": "0.8", "date": "2026-11-01"}):
        result = run(rows, as_of="2026-11-21", exchange_rates=[given])
        eu = entry(result, "EU")
        assert (eu["total"]["amount"], eu["exceeded"], "error" in eu) == ("18.00", False, False)
        assert result["given_exchange_rates"] == [{"source": None, "date": None, **given}]


def test_warnings_at_75_and_90_percent():
    eu75 = entry(run([sale("2026-02-01", "FR", "7500")]), "EU")
    eu90 = entry(run([sale("2026-02-01", "FR", "9000")]), "EU")
    assert [w["code"] for w in eu75["warnings"]] == ["threshold_75_percent"]
    assert [w["code"] for w in eu90["warnings"]] == ["threshold_90_percent"]
    assert entry(run([sale("2026-02-01", "FR", "7499.99")]), "EU")["warnings"] == []


def test_a_credit_note_later_the_same_day_does_not_undo_the_crossing():
    rows = [sale("2026-02-01", "FR", "9000"), sale("2026-02-02", "IT", "2000"), sale("2026-02-02", "IT", "-1500")]
    eu = entry(run(rows), "EU")
    assert eu["crossing_sale"] == 3 and eu["total"]["amount"] == "9500.00"
