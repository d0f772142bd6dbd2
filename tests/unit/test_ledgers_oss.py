"""Columnar OSS ledgers: the vectorised reader gives exactly the row reader's return (lines,
counts, every rejection with its row and reason) for CSV, Parquet and Arrow files, single or
partitioned, merged in any order."""

from __future__ import annotations

import functools
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxapi import cli
from taxapi.ecb import get_ecb_rates
from taxapi.errors import ValidationFailed
from taxapi.ledgers import sources
from taxapi.ledgers.oss import file_partial, rows_partial
from taxapi.oss import service
from taxapi.rate_tables.loader import get_rate_book

PERIOD = "2025-Q3"
COLS = ["id", "date", "country_of_consumption", "ship_from_country", "supply", "rate_percent", "net_amount",
        "tax_amount", "currency", "deemed_supplier", "original_period"]
SPEC = service.return_spec(scheme="union", period=PERIOD, member_state_of_identification="DE")

# Values a real export may hold, valid and not: every rejection reason is reachable.
VALUES = {
    "date": ["2025-07-01", "2025-08-15", "2025-09-30", "2025-06-30", "2025-10-01", "2025-02-30", "15.08.2025", ""],
    "country_of_consumption": ["FR", "AT", "it", "EL", "DE", "US", "XI", ""],
    "ship_from_country": ["DE", "DE", "PL", "", "CN", "FR"],
    "supply": ["goods", "goods", "services", "Goods", "digital", ""],
    "rate_percent": ["20", "5.5", "10", "22", "0", "100", "abc", ""],
    "net_amount": ["100.00", "19.99", "0", "-50.00", "1e3", " 7.00", "1.1234567890123", "", "12345678901234567.00"],
    "tax_amount": ["20.00", "1.10", "0.00", "-10.00", "x", ""],
    "currency": ["EUR", "EUR", "USD", "GBP", "eur", "XYZ", ""],
    "deemed_supplier": ["", "false", "true", "maybe"],
    "original_period": ["", "", "2025-Q2", "2025-Q3", "2025-07", "2019-Q1", "2026-Q1", "soon"],
}

rows_strategy = st.lists(
    st.fixed_dictionaries({c: st.sampled_from(v) for c, v in VALUES.items()}), min_size=0, max_size=60,
)


def book_ecb():
    return get_rate_book(), get_ecb_rates()


def row_path(rows: list[dict[str, str]]) -> dict:
    """The reference: the row-by-row CSV reader."""
    book, ecb = book_ecb()
    return service.summarize_csv_chunks(scheme="union", period=PERIOD, member_state_of_identification="DE",
                                        chunks=[csv_text(rows).encode()], book=book, ecb=ecb)


def csv_text(rows, delimiter=","):
    out = [delimiter.join(COLS)]
    for i, r in enumerate(rows):
        out.append(delimiter.join([f"r{i}", *(r[c] for c in COLS[1:])]))
    return "\n".join(out) + "\n"


def vector(path) -> dict:
    book, ecb = book_ecb()
    parts = [file_partial(f, spec=SPEC, currencies=ecb.currencies()) for f in sources.discover(path)]
    return service.finish(functools.reduce(service.merge, parts), book=book, ecb=ecb)


def string_table(rows, start=0):
    return pa.table({c: [f"r{start + i}" for i in range(len(rows))] if c == "id" else [r[c] for r in rows] for c in COLS},
                    schema=pa.schema([pa.field(c, pa.string()) for c in COLS]))


@settings(max_examples=40)
@given(rows_strategy)
def test_vectorised_csv_gives_exactly_the_row_readers_return(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "ledger.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    assert vector(path) == row_path(rows)


@settings(max_examples=20)
@given(rows_strategy, st.sampled_from([";", "\t"]))
def test_semicolon_and_tab_ledger_files_read_as_the_request_bodies_are(tmp_path_factory, rows, delimiter):
    """One dialect policy: a file with ``;`` or tab gives the return of the same ledger with commas."""
    path = tmp_path_factory.mktemp("dialect") / "ledger.csv"
    path.write_text(csv_text(rows, delimiter), encoding="utf-8")
    assert vector(path) == row_path(rows)


@settings(max_examples=40)
@given(rows_strategy)
def test_parquet_and_arrow_give_the_same_return_as_the_csv(tmp_path_factory, rows):
    root = tmp_path_factory.mktemp("columnar")
    table = string_table(rows)
    pq.write_table(table, root / "ledger.parquet")
    with pa.OSFile(str(root / "ledger.arrow"), "wb") as f, pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table)
    expected = row_path(rows)
    assert vector(root / "ledger.parquet") == expected
    assert vector(root / "ledger.arrow") == expected


@settings(max_examples=30)
@given(rows_strategy, st.lists(st.integers(0, 60), max_size=4))
def test_a_partitioned_ledger_merges_exactly_and_names_each_rejected_rows_file(tmp_path_factory, rows, cuts):
    root = tmp_path_factory.mktemp("dataset")
    bounds = sorted({0, len(rows), *(min(c, len(rows)) for c in cuts)}) if rows else [0, 0]
    parts = []
    for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
        name = f"month={k}/part-{k}.parquet"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(string_table(rows[a:b], start=a), root / name)
        parts.append((name, a))
    (root / "_SUCCESS").write_text("")
    whole = row_path(rows)
    got = vector(root)
    by_id = {r["id"]: r for r in whole["rejected"]}
    # same return; each rejected row names its file and its row inside it
    for r in got["rejected"]:
        name, start = next(p for p in parts if p[0] == r["partition"])
        record = start + r["row"] - 2  # row 2 is the file's first record
        assert r["id"] == f"r{record}"
        assert by_id[r["id"]]["code"] == r["code"] and by_id[r["id"]]["detail"] == r["detail"]
    strip = [{k: v for k, v in r.items() if k not in ("row", "partition")} for r in got["rejected"]]
    assert strip == [{k: v for k, v in r.items() if k != "row"} for r in whole["rejected"]]
    assert {k: v for k, v in got.items() if k != "rejected"} == {k: v for k, v in whole.items() if k != "rejected"}


@given(rows_strategy, st.randoms(use_true_random=False))
def test_merge_is_independent_of_order_and_survives_json(rows, rnd):
    ecb = get_ecb_rates()
    chunks = [rows[i:i + 7] for i in range(0, len(rows), 7)]
    parts = [rows_partial(SPEC, string_table(c), currencies=ecb.currencies(), partition=f"p{i:02d}")
             for i, c in enumerate(chunks)]
    if not parts:
        return
    a = functools.reduce(service.merge, parts)
    shuffled = list(parts)
    rnd.shuffle(shuffled)
    b = functools.reduce(service.merge, [service.OssPartial.from_json(json.loads(json.dumps(p.to_json()))) for p in shuffled])
    assert a == b


def test_worked_example_from_a_parquet_file_with_decimal_date_and_boolean_columns(tmp_path):
    """docs/oss.md's example: USD 10,749.00 at the ECB rate of 2 April 2024 (1.0749) is EUR 10,000.00."""
    table = pa.table({
        "id": ["1001", "1002", "1003"],
        "date": pa.array([19763, 19810, 19815], pa.date32()),  # 2024-02-10, 2024-03-28, 2024-04-02
        "country_of_consumption": ["FR", "AT", "FR"],
        "ship_from_country": ["DE", "PL", "DE"],
        "supply": ["goods", "goods", "goods"],
        "rate_percent": pa.array([Decimal("20"), Decimal("20"), Decimal("20")], pa.decimal128(4, 1)),
        "net_amount": pa.array([Decimal("10749.00"), Decimal("100.00"), Decimal("10.00")], pa.decimal128(12, 2)),
        "tax_amount": pa.array([Decimal("2149.80"), Decimal("20.00"), Decimal("2.00")], pa.decimal128(12, 2)),
        "currency": ["USD", "EUR", "EUR"],
        "deemed_supplier": [False, False, False],
    })
    pq.write_table(table, tmp_path / "q1.parquet")
    book, ecb = book_ecb()
    spec = service.return_spec(scheme="union", period="2024-Q1", member_state_of_identification="DE")
    s = service.finish(file_partial(sources.discover(tmp_path / "q1.parquet")[0], spec=spec, currencies=ecb.currencies()),
                       book=book, ecb=ecb)
    assert [(x["country_of_consumption"], x["net_amount"], x["tax_amount"]) for x in s["lines"]] == [
        ("FR", Decimal("10000.00"), Decimal("2000.00")), ("AT", Decimal("100.00"), Decimal("20.00"))]
    assert s["rejected"] == [{"row": 4, "id": "1003", "code": "outside_period", "detail": "date 2024-04-02 is not in 2024-Q1"}]


def test_a_float_column_is_refused_naming_the_column(tmp_path):
    rows = [dict.fromkeys(COLS, "") | {"date": "2025-08-01", "net_amount": 1.5}]
    table = string_table([{**r, "net_amount": "1"} for r in rows]).set_column(
        COLS.index("net_amount"), "net_amount", pa.array([1.5], pa.float64()))
    pq.write_table(table, tmp_path / "f.parquet")
    with pytest.raises(ValidationFailed) as exc:
        vector(tmp_path / "f.parquet")
    assert exc.value.errors[0]["loc"] == ["ledger", "column", "net_amount"]
    assert "floating-point" in exc.value.detail and "net_amount" in exc.value.detail


def test_a_missing_column_is_the_same_error_as_for_csv(tmp_path):
    pq.write_table(string_table([]).drop_columns(["currency"]), tmp_path / "m.parquet")
    with pytest.raises(ValidationFailed) as exc:
        vector(tmp_path / "m.parquet")
    assert [(e["loc"], e["msg"]) for e in exc.value.errors] == [(["ledger", "header", "currency"], "required column missing")]


def test_csv_the_arrow_reader_cannot_take_is_read_row_by_row(tmp_path):
    """A short record, a semicolon file, blank lines and quoted newlines: same answer as the row reader."""
    rows = [dict(zip(COLS[1:], ["2025-08-01", "FR", "DE", "goods", "20", "100.00", "20.00", "EUR", "", ""]))] * 3
    text = csv_text(rows).replace("\nr1,", '\n\n"r1\nx",') + "r9,2025-08-02,FR\n"
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    book, ecb = book_ecb()
    reference = service.summarize_csv_chunks(scheme="union", period=PERIOD, member_state_of_identification="DE",
                                             chunks=[text.encode()], book=book, ecb=ecb)
    assert vector(tmp_path / "a.csv") == reference
    assert [(r["row"], r["code"]) for r in reference["rejected"]] == [(6, "malformed_row")]  # the blank line keeps its row
    (tmp_path / "b.csv").write_text(csv_text(rows, ";"), encoding="utf-8")
    assert vector(tmp_path / "b.csv")["transactions_count"] == 3


def test_cli_reads_parquet_and_partitioned_datasets(tmp_path, capsys):
    rows = [dict(zip(COLS[1:], ["2025-08-01", "FR", "DE", "goods", "20", "100.00", "20.00", "EUR", "", ""])),
            dict(zip(COLS[1:], ["2025-10-01", "FR", "DE", "goods", "20", "1.00", "0.20", "EUR", "", ""]))]
    (tmp_path / "ds").mkdir()
    pq.write_table(string_table(rows), tmp_path / "ds" / "a.parquet")
    pq.write_table(string_table(rows), tmp_path / "ds" / "b.parquet")
    out = tmp_path / "r.json"
    assert cli.main(["oss-summary", str(tmp_path / "ds"), "--scheme", "union", "--period", PERIOD, "--msi", "DE",
                     "-o", str(out), "--progress"]) == 0
    assert "100.0%" in capsys.readouterr().err
    doc = json.loads(out.read_text())
    assert doc["lines"][0]["net_amount"] == "200.00" and doc["transactions_count"] == 2
    assert [(r["partition"], r["row"]) for r in doc["rejected"]] == [("a.parquet", 3), ("b.parquet", 3)]
    assert cli.main(["oss-summary", str(tmp_path / "ds" / "*.parquet"), "--scheme", "union", "--period", PERIOD,
                     "--msi", "DE", "-o", str(out), "--no-progress"]) == 0
    assert json.loads(out.read_text()) == doc


def test_ids_of_rejected_rows_are_found_across_row_groups_and_batches(tmp_path, monkeypatch):
    """Parquet ids are read only for rejected rows; a batch may span row groups."""
    monkeypatch.setattr(sources, "BATCH_ROWS", 7)
    rows = [dict(zip(COLS[1:], ["2025-08-01", "FR", "DE", "goods", "20", "1.00", "0.20", "EUR", "", ""]))
            for _ in range(50)]
    rows[23] = {**rows[23], "date": "2024-01-01"}
    rows[41] = {**rows[41], "net_amount": "1e3"}
    pq.write_table(string_table(rows), tmp_path / "g.parquet", row_group_size=10)
    s = vector(tmp_path / "g.parquet")
    assert [(r["row"], r["id"], r["code"]) for r in s["rejected"]] == [(25, "r23", "outside_period"), (43, "r41", "invalid_amount")]
    assert s == row_path(rows)


def test_a_fully_quoted_csv_export_is_read_vectorised_with_the_same_answer(tmp_path, monkeypatch):
    rows = [dict(zip(COLS[1:], ["2025-08-01", "FR", "DE", "goods", "20", "100.00", "20.00", "EUR", "", ""])),
            dict(zip(COLS[1:], ["2025-06-30", "FR", "DE", "goods", "20", "5.00", "1.00", "EUR", "", ""]))]
    quoted = "\n".join(",".join(f'"{v}"' for v in line.split(",")) for line in csv_text(rows).strip().split("\n")) + "\n"
    (tmp_path / "q.csv").write_text(quoted, encoding="utf-8")

    def refuse(*args, **kwargs):
        raise AssertionError("the row reader was used")

    reference = row_path(rows)
    monkeypatch.setattr("taxapi.ledgers.oss.CsvLedgerReader", refuse)
    assert vector(tmp_path / "q.csv") == reference
