"""Non-resident registration thresholds of the markets beyond Europe, North America and Oceania.

Hand-worked ledgers, each with the rule it checks and its source (cited in rates/thresholds/world.json).
Exchange rates are the ECB reference rates shipped in rates/ecb/eurofxref-hist.zip.
"""

from __future__ import annotations

from .test_thresholds_service import entry, run, sale

DS = "digital_services"


def test_south_africa_r1m_in_any_12_months_for_e_services():
    """VAT Act s.23(1A): e-services above R1M in any 12 months (R50,000 before 2019-04-01)."""
    rows = [sale("2026-01-10", "ZA", "600000", "ZAR", category=DS), sale("2026-05-10", "ZA", "400000", "ZAR", category=DS)]
    za = entry(run(rows, seller="GB"), "ZA")
    assert (za["exceeded"], za["total"]["amount"], za["threshold"]["amount"]) == (False, "1000000.00", "1000000.00")
    za = entry(run([*rows, sale("2026-05-11", "ZA", "0.01", "ZAR", category=DS)], seller="GB"), "ZA")
    assert (za["exceeded"], za["exceeded_on"], za["crossing_sale"]) == (True, "2026-05-11", 4)
    goods = [sale("2026-01-10", "ZA", "2000000", "ZAR")]
    assert entry(run(goods, seller="GB"), "ZA")["exceeded"] is False


def test_south_africa_r50000_before_2019_04_01():
    rows = [sale("2019-01-10", "ZA", "50000.01", "ZAR", category=DS)]
    za = entry(run(rows, seller="GB", as_of="2019-03-31"), "ZA")
    assert (za["exceeded"], za["threshold"]["amount"]) == (True, "50000.00")


def test_thailand_thb_1_8m_a_year_e_services_only():
    """Revenue Code s.85 (Act No. 53): e-service income above THB 1.8M a year."""
    rows = [sale("2026-02-01", "TH", "1800000", "THB", category=DS), sale("2026-02-01", "TH", "5000000", "THB")]
    th = entry(run(rows, seller="CN"), "TH")
    assert (th["exceeded"], th["total"]["amount"]) == (False, "1800000.00")
    th = entry(run([*rows, sale("2026-03-01", "TH", "0.01", "THB", category=DS)], seller="CN"), "TH")
    assert (th["exceeded"], th["crossing_sale"]) == (True, 4)


def test_philippines_php_3m_from_2025_06_02():
    """RA 12023 / RR 3-2025: nonresident digital services above PHP 3M in 12 months, liable from 2025-06-02."""
    rows = [sale("2025-07-01", "PH", "3000000", "PHP", category=DS)]
    assert entry(run(rows, seller="US"), "PH")["exceeded"] is False
    ph = entry(run([*rows, sale("2025-07-02", "PH", "1", "PHP", category=DS)], seller="US"), "PH")
    assert (ph["exceeded"], ph["exceeded_on"]) == (True, "2025-07-02")


def test_indonesia_idr_600m_for_digital_products():
    """PMK 48/2020 (now PMK 60/2022): PMSE appointed above IDR 600M a year."""
    rows = [sale("2026-02-01", "ID", "600000000", "IDR", category=DS)]
    assert entry(run(rows, seller="SG"), "ID")["exceeded"] is False
    rows.append(sale("2026-02-02", "ID", "1", "IDR", category=DS))
    assert entry(run(rows, seller="SG"), "ID")["crossing_sale"] == 3


def test_nil_thresholds_register_from_the_first_digital_sale():
    """LIVA art. 18-D (MX), IGST Act s.14 (IN), VAT Act art. 53-2 (KR), KDV art. 9 (TR): no threshold."""
    for cc, cur in [("MX", "MXN"), ("IN", "INR"), ("KR", "KRW"), ("TR", "TRY")]:
        rows = [sale("2026-03-01", cc, "10", cur), sale("2026-03-02", cc, "0.01", cur, category=DS)]
        found = entry(run(rows, seller="DE"), cc)
        assert (found["exceeded"], found["crossing_sale"], found["total"]["transactions"]) == (True, 3, 1), cc


def test_korea_marketplace_sales_are_the_marketplaces():
    """VAT Act art. 53-2(2): a provider selling through a marketplace that charges the VAT is relieved."""
    rows = [sale("2026-03-01", "KR", "1000", "KRW", category=DS, channel="marketplace")]
    assert entry(run(rows, seller="US"), "KR")["exceeded"] is False


def test_chile_counts_goods_from_abroad_only_from_2025_10_25():
    """Law 21.713: low-value goods sold from abroad to consumers taxed at the sale from 2025-10-25."""
    before = [sale("2025-10-24", "CL", "100", "USD")]
    assert entry(run(before, seller="CN", as_of="2025-10-24"), "CL")["exceeded"] is False
    after = [sale("2025-10-25", "CL", "100", "USD")]
    cl = entry(run(after, seller="CN", as_of="2025-10-25"), "CL")
    assert (cl["exceeded"], cl["exceeded_on"]) == (True, "2025-10-25")


def test_nil_thresholds_are_in_their_own_currency_and_need_no_rate():
    """CL, CO, VN, SA, AE have no threshold (CL: Law 21.210 / Circular SII 42/2020; SA: Implementing
    Regulations art. 5 ...): stated as zero in the currency of the tax, none of which the ECB publishes. The
    first sale counted registers whatever its currency, so no rate is needed: a EUR sale crosses on its day,
    nothing is rejected, and only the total, which would need EUR -> CLP, is not shown."""
    rows = [sale("2026-03-02", "CL", "100.00", "EUR", category=DS), sale("2026-03-03", "CL", "5000", "CLP", category=DS)]
    result = run(rows, seller="DE")
    assert (result["rejected"], result["rows_counted"], result["warnings"]) == ([], 2, [])
    cl = entry(result, "CL")
    assert (cl["threshold"]["currency"], cl["threshold"]["amount"]) == ("CLP", "0")
    assert (cl["exceeded"], cl["exceeded_on"], cl["crossing_sale"], cl["remaining"]) == (True, "2026-03-02", 2, "0")
    assert (cl["total"]["amount"], cl["total"]["transactions"], "error" in cl) == (None, 2, False)
    assert [w["code"] for w in cl["warnings"]] == ["total_not_converted"] and "EUR" in cl["warnings"][0]["detail"]
    # With the caller's EUR -> CLP rate (CLP 1,000 per EUR, a fixture rate) the total is 100.00 x 1,000 + 5,000.
    result = run(rows, seller="DE", exchange_rates=[{"from_currency": "EUR", "to_currency": "CLP", "rate": "1000"}])
    cl = entry(result, "CL")
    assert (cl["total"]["amount"], cl["warnings"], cl["crossing_sale"]) == ("105000", [], 2)
    for cc, cur in [("CO", "COP"), ("VN", "VND"), ("SA", "SAR"), ("AE", "AED")]:
        found = entry(run([sale("2026-03-02", cc, "1.00", "USD", category=DS)], seller="DE"), cc)
        assert (found["threshold"]["currency"], found["exceeded"], found["exceeded_on"]) == (cur, True, "2026-03-02"), cc


def test_new_rules_leave_the_other_jurisdictions_alone():
    """Sales to the new markets in EUR are not rejected, so worldwide totals (CH, SG) still count them."""
    rows = [sale("2026-02-02", cc, "20000", "CHF") for cc in ("CL", "CO", "VN", "SA", "AE", "MX", "TR")]
    rows.append(sale("2026-02-03", "CH", "1", "CHF"))
    result = run(rows, seller="DE")
    assert result["rejected"] == []
    ch = entry(result, "CH")
    assert (ch["exceeded"], ch["total"]["worldwide_amount"]) == (True, "140001.00")
