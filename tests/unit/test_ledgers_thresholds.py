"""Threshold evaluation of ledger files: CSV, Parquet, partitioned datasets; the mergeable
evaluation (partial → merge → finish with a second pass over the partitions) finds the same
crossing sale as the two-pass evaluation of the whole ledger."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from taxapi import cli
from taxapi.ledgers import FIRST_RECORD_ROW
from taxapi.ledgers.cluster import Engine
from taxapi.ledgers.sources import discover
from taxapi.ledgers.thresholds import evaluate_files, file_rows
from taxapi.thresholds import service
from taxapi.thresholds.service import Seller

AS_OF = date(2026, 10, 20)
START = date(2024, 11, 1)
COLS = ["date", "ship_to.country", "ship_to.region", "net_amount", "currency", "channel", "transactions"]
DESTS = [("FR", "", "EUR"), ("IT", "", "EUR"), ("PL", "", "PLN"), ("US", "GA", "USD"), ("NO", "", "NOK"),
         ("GB", "", "GBP"), ("CA", "QC", "CAD"), ("ZZ", "", "EUR"), ("US", "", "USD"), ("CA", "", "CAD")]
WATCHED = ("EU", "US-GA", "NO", "GB", "CA", "CA-QC")

sales = st.tuples(
    st.integers(0, (AS_OF - START).days - 25),
    st.sampled_from(DESTS),
    st.decimals(min_value=Decimal("-300"), max_value=Decimal("9000"), places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "direct", "marketplace", "shop"]),
    st.sampled_from(["", "", "1", "3", "x", "12"]),
    st.sampled_from([None, None, None, None, "1e3", "", "7.5"]),
)


def as_row(s):
    offset, (country, region, currency), amount, channel, tx, odd_amount = s
    return [(START + timedelta(days=offset)).isoformat(), country, region, odd_amount or str(amount), currency, channel, tx]


def write_csv(path, rows, blank_at=None):
    lines = [",".join(r) + "\n" for r in rows]
    if blank_at is not None:
        lines.insert(min(blank_at, len(lines)), ",,,,,,\n")  # not a record for the body reader
    path.write_text(",".join(COLS) + "\n" + "".join(lines), encoding="utf-8")


def write_parquet(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(COLS)}), path)


def run(path, **kw):
    with Engine() as eng:
        return evaluate_files(discover(path), seller=Seller("DE"), as_of=AS_OF, eu_destination_option=False, engine=eng, **kw)


def row_path(csv_path):
    """The reference: the CSV read row by row by the body reader of POST /v1/thresholds."""
    from taxapi.ecb import get_ecb_rates
    from taxapi.rate_tables.loader import get_rate_book
    from taxapi.thresholds.rules import get_threshold_rules

    f = discover(csv_path)[0]
    ctx = {"rules": get_threshold_rules(), "ecb": get_ecb_rates(), "book": get_rate_book()}
    first = service.partial(file_rows(f), seller=Seller("DE"), as_of=AS_OF, **ctx)
    return service.finish(first, seller=Seller("DE"), as_of=AS_OF, eu_destination_option=False, rates_version=ctx["book"].version,
                          second_pass=lambda days: service.day_sales(file_rows(f), days, seller=Seller("DE"), as_of=AS_OF,
                                                                     book=ctx["book"]), **ctx)


def test_a_csv_file_gives_the_http_csv_answer_numbered_as_a_spreadsheet(tmp_path, client):
    rows = [["2026-03-01", "FR", "", "9500.00", "EUR", "", ""], ["2026-07-10", "IT", "", "800", "EUR", "", ""],
            ["2026-07-11", "ZZ", "", "5", "EUR", "", ""], ["2026-03-02", "US", "TX", "10000.00", "EUR", "", ""]]
    write_csv(tmp_path / "l.csv", rows)
    http = client.post("/v1/thresholds?seller_country=DE&as_of=2026-10-20", content=(tmp_path / "l.csv").read_bytes(),
                       headers={"content-type": "text/csv"}).json()
    out = tmp_path / "r.json"
    assert cli.main(["thresholds", str(tmp_path / "l.csv"), "--seller-country", "DE", "--as-of", "2026-10-20",
                     "-o", str(out)]) == 0
    mine = json.loads(out.read_text())
    eu = next(j for j in mine["jurisdictions"] if j["jurisdiction"] == "EU")
    # EUR 9,500 + 800 crosses EUR 10,000 with the sale of 10 July, the file's row 3 (the header is row 1)
    assert (eu["exceeded_on"], eu["crossing_sale"]) == ("2026-07-10", 3)
    assert mine["rejected"] == [{"row": 4, "code": "unknown_country", "detail": "'ZZ' is not an ISO 3166-1 alpha-2 country code"}]
    assert mine == http  # the CSV body is numbered as the file is
    write_parquet(tmp_path / "l.parquet", rows)
    assert cli.main(["thresholds", str(tmp_path / "l.parquet"), "--seller-country", "DE", "--as-of", "2026-10-20",
                     "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == mine


def _where(result, rows, parts):
    """Jurisdiction -> (date, amount, destination) of the crossing sale, and rejected rows as records."""
    def record(partition, row):
        if partition is None:
            return rows[row - FIRST_RECORD_ROW]
        start = next(s for name, s in parts if name == partition)
        return rows[start + row - FIRST_RECORD_ROW]

    crossing = {j["jurisdiction"]: (j["exceeded"], j["exceeded_on"], j["total"], j["remaining"], j["warnings"],
                                    None if j["crossing_sale"] is None else record(j.get("crossing_sale_partition"), j["crossing_sale"]))
                for j in result["jurisdictions"] if j["jurisdiction"] in WATCHED}
    rejected = [(record(r.get("partition"), r["row"]), r["code"]) for r in result["rejected"]]
    return crossing, rejected, result["rows_in"], result["rows_counted"], result["warnings"]


@settings(max_examples=25, deadline=None)
@given(st.lists(sales, max_size=40), st.lists(st.integers(0, 40), max_size=3))
def test_partitions_find_the_same_crossing_sale_as_the_whole_ledger(tmp_path_factory, ledger, cuts):
    root = tmp_path_factory.mktemp("th")
    rows = [as_row(s) for s in ledger]
    write_csv(root / "whole.csv", rows)
    bounds = sorted({0, len(rows), *(min(c, len(rows)) for c in cuts)}) if rows else [0, 0]
    parts = []
    for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
        name = f"part-{k}.parquet"
        write_parquet(root / "lake" / name, rows[a:b])
        parts.append((name, a))
    whole = row_path(root / "whole.csv")
    assert run(root / "whole.csv") == whole
    split = run(root / "lake")
    assert _where(split, rows, parts) == _where(whole, rows, parts)


@given(st.lists(sales, max_size=30), st.integers(0, 30))
def test_threshold_partials_merge_and_survive_json(ledger, cut):
    from taxapi.ecb import get_ecb_rates
    from taxapi.rate_tables.loader import get_rate_book
    from taxapi.thresholds.rules import get_threshold_rules

    rows = [tuple([r[0], r[1], r[2] or None, None, None, r[3], r[4], None, None, r[5] or None, r[6] or None, None])
            for r in map(as_row, ledger)]
    ctx = {"seller": Seller("DE"), "as_of": AS_OF, "rules": get_threshold_rules(), "ecb": get_ecb_rates(), "book": get_rate_book()}
    whole = service.partial(enumerate(rows), **ctx)
    a = service.partial(enumerate(rows[:cut]), **ctx)
    b = service.partial(enumerate(rows[cut:], start=min(cut, len(rows))), **ctx)
    for x, y in ((a, b), (b, a)):
        merged = service.merge(service.ThresholdPartial.from_json(json.loads(json.dumps(x.to_json()))), y)
        assert merged.to_json() == service.merge(whole, service.ThresholdPartial(sums={})).to_json()


def test_csv_rows_the_arrow_reader_cannot_take_are_read_by_the_body_reader(tmp_path):
    """A row of empty fields (not a record for the CSV body reader) and a short row: same answer."""
    rows = [as_row((i * 37 % 600, DESTS[i % len(DESTS)], Decimal(900 + i), "", "", None)) for i in range(40)]
    write_csv(tmp_path / "blank.csv", rows, blank_at=10)
    assert run(tmp_path / "blank.csv") == row_path(tmp_path / "blank.csv")
    (tmp_path / "short.csv").write_text((tmp_path / "blank.csv").read_text().replace(",,,,,,\n", "2026-01-05,FR\n"))
    short = run(tmp_path / "short.csv")
    assert short == row_path(tmp_path / "short.csv")
    assert short["rows_in"] == 41 and any(r["row"] == 12 and r["code"] == "invalid_amount" for r in short["rejected"])


def test_the_cli_takes_exchange_rates(tmp_path, capsys):
    """``--exchange-rate FROM:TO:RATE[:DATE]``: the JSON body's exchange_rates. USD 18,750.01 x 32 =
    NT$600,000.32 crosses Taiwan's NT$600,000; without the rate Taiwan alone is not evaluated."""
    (tmp_path / "l.csv").write_text("date,ship_to_country,net_amount,currency,category\n"
                                    "2026-02-01,TW,18750.01,USD,digital_services\n")
    out = tmp_path / "r.json"
    args = ["thresholds", str(tmp_path / "l.csv"), "--seller-country", "US", "--as-of", "2026-10-20", "-o", str(out)]
    assert cli.main([*args, "--exchange-rate", "USD:TWD:32:2026-01-01"]) == 0
    tw = next(j for j in json.loads(out.read_text())["jurisdictions"] if j["jurisdiction"] == "TW")
    assert (tw["exceeded"], tw["crossing_sale"], tw["total"]["amount"]) == (True, 2, "600000.32")
    assert cli.main(args) == 0
    assert "not evaluated (exchange rate missing): TW" in capsys.readouterr().err
    assert cli.main([*args, "--exchange-rate", "USD:TWD"]) == 2
    assert "--exchange-rate.0" in capsys.readouterr().err
