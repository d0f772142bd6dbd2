"""Thresholds in currencies the ECB does not publish: Taiwan's NT$480,000 / NT$600,000 and the caller's
``exchange_rates``.

Taiwan: foreign e-service providers selling to individuals register when their annual sales exceed
NT$480,000 (MoF Decree No. 10604539420, from 2017-05-01), NT$600,000 from 2025-04-07 (MoF Decree No.
11404515420, in force on issuance) -- rates/thresholds/world.json. The ECB publishes no TWD rate, so a sale in
another currency needs the caller's rate; the rates below are fixture rates, not official ones.
"""

from __future__ import annotations

from .test_thresholds_service import entry, run, sale

DS = "digital_services"
USD_TWD = [
    {"from_currency": "USD", "to_currency": "TWD", "rate": "32.5", "date": "2025-01-01", "source": "fixture"},
    {"from_currency": "USD", "to_currency": "TWD", "rate": "30", "date": "2025-06-01", "source": "fixture"},
]


def test_taiwan_crossed_on_the_right_day_at_the_callers_rates():
    """USD sales of e-services to consumers in Taiwan, each converted at the caller's rate dated on or before
    its day:
      2025-03-10  USD 10,000.00 x 32.5 = 325,000.00
      2025-05-20  USD  8,000.00 x 32.5 = 260,000.00   585,000.00
      2025-06-02  USD    500.00 x 30   =  15,000.00   600,000.00  (not more than NT$600,000)
      2025-06-03  USD      0.01 x 30   =       0.30   600,000.30  -> crossed, row 5
    """
    rows = [sale("2025-03-10", "TW", "10000.00", "USD", category=DS), sale("2025-05-20", "TW", "8000.00", "USD", category=DS),
            sale("2025-06-02", "TW", "500.00", "USD", category=DS)]
    tw = entry(run(rows, seller="US", as_of="2025-12-31", exchange_rates=USD_TWD), "TW")
    assert (tw["threshold"]["amount"], tw["threshold"]["currency"], tw["threshold"]["effective_from"]) == (
        "600000.00", "TWD", "2025-04-07")
    assert (tw["exceeded"], tw["total"]["amount"], tw["remaining"]) == (False, "600000.00", "0.00")
    assert [w["code"] for w in tw["warnings"]] == ["threshold_90_percent"]
    result = run([*rows, sale("2025-06-03", "TW", "0.01", "USD", category=DS)], seller="US", as_of="2025-12-31",
                 exchange_rates=USD_TWD)
    tw = entry(result, "TW")
    assert (tw["exceeded"], tw["exceeded_on"], tw["crossing_sale"], tw["total"]["amount"]) == (
        True, "2025-06-03", 5, "600000.30")
    assert "Taiwan threshold was crossed on 2025-06-03 (sale at row 5)" in tw["consequence"]
    assert result["given_exchange_rates"] == USD_TWD  # both were used, as sent
    assert result["exchange_rates"] == []  # no ECB rate was needed


def test_taiwan_the_day_before_the_nt_600000_decree_the_threshold_was_nt_480000():
    """USD 15,000.01 x 32 = NT$480,000.32: over NT$480,000 on 2025-04-06, under NT$600,000 on 2025-04-07."""
    rate = [{"from_currency": "USD", "to_currency": "TWD", "rate": "32"}]
    before = entry(run([sale("2025-04-06", "TW", "15000.01", "USD", category=DS)], seller="DE", as_of="2025-04-06",
                       exchange_rates=rate), "TW")
    assert (before["threshold"]["amount"], before["exceeded"], before["exceeded_on"], before["total"]["amount"]) == (
        "480000.00", True, "2025-04-06", "480000.32")
    on = entry(run([sale("2025-04-07", "TW", "15000.01", "USD", category=DS)], seller="DE", as_of="2025-04-07",
                   exchange_rates=rate), "TW")
    assert (on["threshold"]["amount"], on["exceeded"], on["remaining"]) == ("600000.00", False, "119999.68")


def test_a_missing_twd_rate_fails_taiwan_only():
    """No USD -> TWD rate: Taiwan's entry is not evaluated and names TWD and TW; the EU, GB and the US state in
    the same ledger are answered, no row is rejected, and the warning names no other jurisdiction."""
    rows = [sale("2026-02-01", "TW", "20000.00", "USD", category=DS), sale("2026-02-01", "FR", "10000.01", "EUR"),
            sale("2026-02-02", "GB", "10.00", "GBP"), sale("2026-02-03", "US", "100000.01", "USD", region="GA"),
            sale("2026-02-04", "TW", "10.00", "USD", category=DS)]
    result = run(rows, seller="DE")
    assert (result["rejected"], result["rows_counted"]) == ([], 5)
    tw = entry(result, "TW")
    assert (tw["exceeded"], tw["exceeded_on"], tw["crossing_sale"], tw["remaining"], tw["total"]["amount"]) == (
        None, None, None, None, None)
    assert tw["error"]["code"] == "exchange_rate_not_found"
    assert tw["error"]["missing_exchange_rates"] == [
        {"from_currency": "USD", "to_currency": "TWD", "first_date": "2026-02-01", "last_date": "2026-02-04", "rows": 2}]
    assert "TW (Taiwan) is not evaluated" in tw["error"]["detail"] and "USD to TWD" in tw["error"]["detail"]
    assert "Not evaluated" in tw["consequence"]
    others = [j for j in result["jurisdictions"] if j["jurisdiction"] != "TW"]
    assert not any("error" in j or j["exceeded"] is None for j in others)
    assert [(j, entry(result, j)["exceeded_on"]) for j in ("EU", "GB", "US-GA")] == [
        ("EU", "2026-02-01"), ("GB", "2026-02-02"), ("US-GA", "2026-02-03")]
    [warning] = result["warnings"]
    assert warning["code"] == "exchange_rate_not_found" and warning["detail"].startswith("Not evaluated for want of an "
                                                                                         "exchange rate: TW (USD to TWD")
    # The same ledger with a rate for another pair only, or dated after the sales, is still not evaluated.
    for rates in ([{"from_currency": "USD", "to_currency": "SAR", "rate": "3.75"}],
                  [{"from_currency": "USD", "to_currency": "TWD", "rate": "32", "date": "2026-03-01"}]):
        assert entry(run(rows, seller="DE", exchange_rates=rates), "TW")["error"]["code"] == "exchange_rate_not_found"
    # A rate for the first day on, given the other way round (TWD 1 = USD 0.03125, i.e. USD 1 = TWD 32):
    # 20,010.00 x 32 = 640,320.00, over NT$600,000 on the first sale's day.
    given = [{"from_currency": "TWD", "to_currency": "USD", "rate": "0.03125", "date": "2026-01-01"}]
    tw = entry(run(rows, seller="DE", exchange_rates=given), "TW")
    assert (tw["exceeded"], tw["exceeded_on"], tw["crossing_sale"], tw["total"]["amount"]) == (
        True, "2026-02-01", 2, "640320.00")


def test_a_ledger_mixing_currencies():
    """Taiwan counts TWD as it is, EUR and USD at the caller's rates (EUR 1 = TWD 35, USD 1 = TWD 32):
      TWD 300,000.00 + EUR 5,000.00 x 35 (175,000.00) + USD 3,906.25 x 32 (125,000.00) = 600,000.00
    then EUR 0.01 x 35 = 0.35 crosses (row 5). A sale to Switzerland makes its worldwide-turnover test count
    every sale: the TWD sale has no rate into CHF, so CH alone is not evaluated, until TWD -> CHF is given."""
    rates = [{"from_currency": "EUR", "to_currency": "TWD", "rate": "35"},
             {"from_currency": "USD", "to_currency": "TWD", "rate": "32"}]
    rows = [sale("2026-01-05", "TW", "300000.00", "TWD", category=DS), sale("2026-01-06", "TW", "5000.00", "EUR", category=DS),
            sale("2026-01-07", "TW", "3906.25", "USD", category=DS), sale("2026-01-08", "TW", "0.01", "EUR", category=DS)]
    tw = entry(run(rows, seller="DE", exchange_rates=rates), "TW")
    assert (tw["exceeded"], tw["exceeded_on"], tw["crossing_sale"], tw["total"]["amount"]) == (
        True, "2026-01-08", 5, "600000.35")
    with_ch = [*rows, sale("2026-01-09", "CH", "100.00", "CHF")]
    result = run(with_ch, seller="DE", exchange_rates=rates)
    ch = entry(result, "CH")
    assert ch["exceeded"] is None and ch["error"]["missing_exchange_rates"][0]["from_currency"] == "TWD"
    assert ch["error"]["missing_exchange_rates"][0]["to_currency"] == "CHF"
    assert entry(result, "TW")["crossing_sale"] == 5 and "error" not in entry(result, "EU")
    # TWD 1 = CHF 0.025: TWD 300,000.00 is CHF 7,500.00 of worldwide turnover, far below CHF 100,000.
    result = run(with_ch, seller="DE", exchange_rates=[*rates, {"from_currency": "TWD", "to_currency": "CHF", "rate": "0.025"}])
    ch = entry(result, "CH")
    assert (ch["exceeded"], "error" in ch) == (False, False)
