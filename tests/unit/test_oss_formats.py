"""The streamed CSV reader and the renderings: the return as CSV, BZSt upload file, HTML page."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from taxapi.ecb import get_ecb_rates
from taxapi.errors import UnsupportedMediaType, UnsupportedScenario, ValidationFailed
from taxapi.oss import formats, service

HEADER = "id,date,country_of_consumption,ship_from_country,supply,rate_percent,net_amount,tax_amount,currency,deemed_supplier,original_period\n"
LEDGER = (
    HEADER
    + '1,2025-08-01,FR,DE,goods,20,100.00,20.00,EUR,false,\n'
    + '"2, with a\nnewline",2025-08-02,FR,DE,goods,5.5,200.00,11.00,EUR,false,\n'
    + '3,2025-08-03,AT,PL,goods,20,50.00,10.00,EUR,false,\n'
    + '\n'
    + '4,2025-08-04,FR,FR,goods,20,30.00,6.00,EUR,true,\n'
    + '5,2025-08-05,IT,,services,22,10.00,2.20,EUR,false,\n'
    + '6,2025-08-06,FR,DE,goods\n'
    + '7,2025-06-30,FR,DE,goods,20,100.00,20.00,EUR,false,\n'
)


def run_csv(data: bytes, chunk: int, *, book=None, scheme="union", period="2025-Q3"):
    from taxapi.rate_tables.loader import get_rate_book

    chunks = [data[i:i + chunk] for i in range(0, len(data), chunk)]
    return service.summarize_csv_chunks(
        scheme=scheme, period=period, member_state_of_identification="DE", chunks=chunks,
        book=book or get_rate_book(), ecb=get_ecb_rates(),
    )


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 10_000])
def test_csv_records_split_anywhere_between_chunks_read_the_same(chunk):
    s = run_csv(LEDGER.encode(), chunk)
    assert s == run_csv(LEDGER.encode(), 1_000_000)
    assert s["transactions_count"] == 5
    assert [(r["row"], r["id"], r["code"]) for r in s["rejected"]] == [
        (8, "6", "malformed_row"), (9, "7", "outside_period"),
    ]  # the rows a spreadsheet shows: the header is row 1, the quoted line break and the blank line keep their rows
    assert s["rows_count"] == 7  # the blank line is not a record


def test_csv_bom_crlf_semicolons_and_column_order():
    text = ("\ufeffcurrency;tax_amount;net_amount;rate_percent;supply;ship_from_country;country_of_consumption;date;extra\r\n"
            "EUR;20.00;100.00;20;goods;DE;FR;2025-08-01;ignored\r\n")
    s = run_csv(text.encode("utf-8"), 5)
    assert s["lines"][0]["net_amount"] == Decimal("100.00") and s["rejected"] == []


def test_csv_without_required_columns_names_them():
    with pytest.raises(ValidationFailed) as exc:
        run_csv(b"date,net_amount\n2025-08-01,1\n", 100)
    assert {tuple(e["loc"]) for e in exc.value.errors} >= {("body", "header", "currency"), ("body", "header", "supply")}


def test_csv_that_is_not_utf8_or_empty_is_refused():
    with pytest.raises(UnsupportedMediaType):
        run_csv(HEADER.encode() + b"1,2025-08-01,FR,DE,goods,20,1,0.2,EUR,false,\xff\n", 10)
    with pytest.raises(ValidationFailed):
        run_csv(b"", 10)


# -- lines CSV / HTML ----------------------------------------------------------------------------


def test_csv_and_html_show_the_same_figures():
    s = run_csv(LEDGER.encode(), 10_000)
    text = formats.summary_csv(s)
    lines = text.splitlines()
    assert lines[0].startswith("record,section,period,country_of_consumption,supply,ship_from_country,deemed_supplier,rate_kind,rate_percent")
    assert "line,goods_from_other_ms,2025-Q3,AT,goods,PL,false,standard,20,50.00,10.00,,,1," in text
    page = formats.summary_html(s)
    assert "<table>" in page and "50.00" in page and "Distance sales of goods dispatched from other Member States" in page
    assert s["rates_version"] in page and "&lt;" not in page.split("<body>")[0]


# A return with every section the JSON has: a USD line (an exchange rate), a correction of an earlier
# quarter (its own rate), a refund netted into this quarter (negative_line warning) and rejected rows.
FULL_LEDGER = (
    HEADER
    + "1,2025-08-01,FR,DE,goods,20,100.00,20.00,EUR,false,\n"
    + "2,2025-08-02,IT,,services,22,110.00,24.20,USD,false,\n"
    + "3,2025-08-03,AT,DE,goods,20,-50.00,-10.00,EUR,false,2025-Q3\n"
    + "4,2025-08-04,FR,DE,goods,20,-40.00,-8.00,EUR,false,2025-Q2\n"
    + "5,2025-08-05,FR,DE,goods\n"
    + "6,2025-08-06,FR,DE,goods,20,-5.00,-1.00,EUR,false,\n"
)


def _read_back(text: str) -> dict[str, list[dict[str, str]]]:
    import csv

    out: dict[str, list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        wanted = formats.CSV_RECORDS[row["record"]]
        # columns a record does not use stay empty, and every record names the rate tables
        assert all(row[c] == "" for c in formats.CSV_COLUMNS if c not in (*wanted, "record", "rates_version")), row
        out.setdefault(row["record"], []).append({c: row[c] for c in wanted} | {"rates_version": row["rates_version"]})
    return out


def test_csv_carries_every_section_of_the_json():
    s = run_csv(FULL_LEDGER.encode(), 10_000)
    assert s["exchange_rates"] and s["corrections"] and s["rejected"] and s["warnings"] and s["lines"]
    got = _read_back(formats.summary_csv(s))
    assert list(got) == ["return", "exchange_rate", "line", "correction", "total", "warning", "rejected"]
    assert {r["rates_version"] for rows in got.values() for r in rows} == {s["rates_version"]}
    assert got["return"] == [{
        "scheme": "union", "period": "2025-Q3", "member_state_of_identification": "DE", "currency": "EUR",
        "conversion_date": "2025-09-30", "tax_amount": str(s["total_tax_amount"]),
        "transactions_count": str(s["transactions_count"]), "rows_count": "6", "rejected_count": "2",
        "rates_version": s["rates_version"],
    }]
    assert [(r["currency"], Decimal(r["exchange_rate"]), r["rate_date"], r["period"]) for r in got["exchange_rate"]] == [
        (fx["currency"], fx["rate"], fx["date"].isoformat(), fx["period"]) for fx in s["exchange_rates"]]
    assert [(r["section"], r["country_of_consumption"], r["rate_percent"], r["net_amount"], r["tax_amount"]) for r in got["line"]] == [
        (ln["section"], ln["country_of_consumption"], str(ln["rate_percent"]), str(ln["net_amount"]), str(ln["tax_amount"]))
        for ln in s["lines"]]
    assert [(r["period"], r["country_of_consumption"], r["net_amount"], r["tax_amount"]) for r in got["correction"]] == [
        ("2025-Q2", "FR", "-40.00", "-8.00")]
    assert [(r["country_of_consumption"], r["tax_amount"], r["lines_tax_amount"], r["corrections_tax_amount"]) for r in got["total"]] == [
        (t["country_of_consumption"], str(t["tax_amount"]), str(t["lines_tax_amount"]), str(t["corrections_tax_amount"]))
        for t in s["totals_by_country"]]
    assert [(r["code"], r["detail"]) for r in got["warning"]] == [(w["code"], w["detail"]) for w in s["warnings"]]
    assert [(r["row"], r["id"], r["code"], r["detail"]) for r in got["rejected"]] == [
        (str(r["row"]), r["id"], r["code"], r["detail"]) for r in s["rejected"]]
    assert [(r["id"], r["code"]) for r in got["rejected"]] == [("5", "malformed_row"), ("6", "original_period_required")]


# -- BZSt ----------------------------------------------------------------------------------------


def test_bzst_file_record_layout(fixture_rate_book):
    s = run_csv(LEDGER.encode(), 10_000, book=fixture_rate_book)
    name, text = formats.bzst_files(s, establishment_vat_ids={"PL": "PL5260001246", "FR": "FR40303265045"})[0]
    assert name == "OSS_DE_2025-Q3.csv"
    assert text == (
        "#v2.0\r\n"
        "1,AT\r\n"
        "5,AT,1,PL,PL5260001246,,STANDARD,20,50.00,10.00\r\n"
        "1,FR\r\n"
        "3,FR,STANDARD,20,100.00,20.00\r\n"
        "3,FR,REDUCED,5.5,200.00,11.00\r\n"
        "5,FR,2,FR,FR40303265045,,STANDARD,20,30.00,6.00\r\n"
        "1,IT\r\n"
        "2,IT,STANDARD,22,10.00,2.20\r\n"
    )


def test_bzst_splits_over_files_at_the_line_limit(fixture_rate_book):
    s = run_csv(LEDGER.encode(), 10_000, book=fixture_rate_book)
    files = formats.bzst_files(s, establishment_vat_ids={"PL": "PL5260001246", "FR": "FR40303265045"}, max_lines=3)
    assert [n for n, _ in files] == [f"OSS_DE_2025-Q3_{i}-of-4.csv" for i in range(1, 5)]
    bodies = [t.splitlines() for _, t in files]
    assert all(b[0] == "#v2.0" and len(b) - 1 <= 3 for b in bodies)
    # AT fits whole; FR (3 records) is continued under a repeated "1,FR"; IT starts a new file.
    assert bodies[0] == ["#v2.0", "1,AT", "5,AT,1,PL,PL5260001246,,STANDARD,20,50.00,10.00"]
    assert bodies[1] == ["#v2.0", "1,FR", "3,FR,STANDARD,20,100.00,20.00", "3,FR,REDUCED,5.5,200.00,11.00"]
    assert bodies[2] == ["#v2.0", "1,FR", "5,FR,2,FR,FR40303265045,,STANDARD,20,30.00,6.00"]
    assert bodies[3] == ["#v2.0", "1,IT", "2,IT,STANDARD,22,10.00,2.20"]
    records = [r for b in bodies for r in b[1:] if not r.startswith("1,")]
    assert len(records) == 5  # every line in exactly one file
    archive = zipfile.ZipFile(io.BytesIO(formats.zip_files(files)))
    assert archive.namelist() == [n for n, _ in files]
    assert formats.zip_files(files) == formats.zip_files(files)  # deterministic bytes


def test_bzst_refuses_what_it_cannot_write(fixture_rate_book):
    s = run_csv(LEDGER.encode(), 10_000, book=fixture_rate_book)
    with pytest.raises(ValidationFailed) as exc:
        formats.bzst_files(s)  # no VAT numbers for PL and FR
    assert {tuple(e["loc"]) for e in exc.value.errors} == {("establishment_vat_ids", "PL"), ("establishment_vat_ids", "FR")}
    with pytest.raises(UnsupportedScenario):
        formats.bzst_files(run_csv(b"date,country_of_consumption,supply,rate_percent,net_amount,tax_amount,currency,ship_from_country\n"
                                   b"2025-08-01,IT,goods,22,10,2.2,EUR,CN\n", 100, scheme="ioss", period="2025-08"))
    corrected = run_csv((HEADER + "9,2025-08-01,FR,DE,goods,20,-10.00,-2.00,EUR,false,2025-Q2\n").encode(), 1000,
                        book=fixture_rate_book)
    with pytest.raises(UnsupportedScenario) as exc2:
        formats.bzst_files(corrected)
    assert exc2.value.fields["corrections"][0]["tax_amount"] == "-2.00"
    assert formats.bzst_files(corrected, corrections="manual")[0][1] == "#v2.0\r\n"
