"""The one way in for bodies and files: CSV dialect and encodings, row numbers, record limits, JSON, XLSX."""

from __future__ import annotations

import asyncio
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxapi import ingest
from taxapi.errors import PayloadTooLarge, TimeLimitExceeded, UnsupportedMediaType, ValidationFailed
from taxapi.ingest import csv_records, sniff_delimiter


@pytest.fixture
def limits():
    """Set limits for one test; the environment's come back afterwards."""
    previous = ingest.get_limits()
    yield lambda **changes: ingest.set_limits(previous, **changes)
    ingest.set_limits(None)


def read(data: bytes, size: int = 1 << 20, **kw):
    parser, records = csv_records([data[i:i + size] for i in range(0, len(data), size)], **kw)
    return parser, list(records)


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [("a,b,c\r\n", ","), ("a;b;c\n", ";"), ("a\tb\tc\n", "\t"), ('"x,y";b;c\n', ";"), ("single\n", ",")],
)
def test_delimiter_sniffing(line, delimiter):
    assert sniff_delimiter(line) == delimiter


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64 * 1024])
def test_csv_reader_survives_any_chunking(size):
    """BOM, multibyte characters and quoted line breaks split across chunks are read whole."""
    data = "\ufeffname;amount\r\n\"Kaffeebecher\r\n»groß«\";1.234,56\r\nÄpfel;2\r\nlast;3".encode()
    parser, records = read(data, size)
    assert parser.bom and parser.delimiter == ";" and parser.header == ["name", "amount"]
    assert records == [(2, ["Kaffeebecher\r\n»groß«", "1.234,56"]), (3, ["Äpfel", "2"]), (4, ["last", "3"])]


def test_csv_reader_keeps_excel_sep_line():
    parser, records = read(b"sep=;\r\na,b;c\r\n1,5;2\r\n", 4)
    assert parser.sep_line == "sep=;" and parser.delimiter == ";"
    assert parser.header == ["a,b", "c"] and records == [(2, ["1,5", "2"])]


def test_rows_are_the_rows_a_spreadsheet_shows():
    """Header row 1; a quoted line break stays in its row; a blank line is a row (Excel shows it empty);
    Excel's sep= line is not (Excel hides it)."""
    data = b'sep=,\nid,name\n1,"two\nlines"\n\n3,x\r\n4,y'
    _, records = read(data, 3)
    assert records == [(2, ["1", "two\nlines"]), (3, []), (4, ["3", "x"]), (5, ["4", "y"])]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read(encoding):
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff"
    data = bom + "land\tBetrag\r\nÖsterreich\t1,5\r\n".encode(encoding)
    parser, records = read(data, 3)
    assert parser.encoding == encoding and parser.delimiter == "\t"
    assert parser.header == ["land", "Betrag"] and records == [(2, ["Österreich", "1,5"])]


def test_other_encodings_are_refused_naming_the_encoding_and_row():
    with pytest.raises(UnsupportedMediaType) as exc:
        read("a,b\n1,2\nStraße,3\n".encode("latin-1"))
    assert exc.value.fields["encoding"] == "UTF-8" and "row 3" in exc.value.detail
    with pytest.raises(UnsupportedMediaType) as exc:
        read(b"\xff\xfea\x00,")  # a UTF-16 byte-order mark, then half a character
    assert exc.value.fields["encoding"] == "UTF-16"


def test_an_empty_file_is_refused():
    for data in (b"", b"\xef\xbb\xbf", b"\r\n\r\n"):
        with pytest.raises(ValidationFailed):
            read(data)


@pytest.mark.parametrize("size", [7, 1 << 20])
def test_a_record_over_the_limit_is_refused_with_its_row(limits, size):
    limits(csv_max_record_chars=100)
    for data, row in [
        (b"a,b\n" + b"x" * 500 + b"\n1,2\n", 2),  # a long line
        (b"a,b\n1,2\n\"" + b"y" * 300 + b"\"\n", 3),  # a long quoted field
        (b"a,b\n1,2\n3,\"never closed\n" + b"z,\n" * 100, 3),  # a quote that is never closed
        (b"x" * 200 + b"\n1,2\n", 1),  # a long header
    ]:
        with pytest.raises(PayloadTooLarge) as exc:
            read(data, size)
        assert exc.value.errors[0]["loc"] == ["body", row], data[:20]
        assert exc.value.fields["limit_chars"] == 100


def test_records_up_to_the_limit_are_read_whole(limits):
    limits(csv_max_record_chars=1000)
    field = "ä" * 990
    _, records = read(f"a,b\n1,{field}\n".encode(), 64)
    assert records == [(2, ["1", field])]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.text(alphabet='ab,;"\n\r é', max_size=6), min_size=2, max_size=2), max_size=8),
    st.integers(min_value=1, max_value=40),
)
def test_chunking_never_changes_what_is_read(rows, size):
    """Whatever the rows and however the bytes are cut, the records read are the same."""
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([["h1", "h2"], *rows])
    data = buf.getvalue().encode()
    whole = read(data)[1]
    assert whole == [(i + ingest.FIRST_DATA_ROW, r) for i, r in enumerate(rows)]
    assert read(data, size)[1] == whole


def test_deadline_stops_the_reading():
    deadline = ingest.Deadline(0)
    with pytest.raises(TimeLimitExceeded):
        read(b"a,b\n" + b"1,2\n" * 10, 4, deadline=deadline)


# ----- JSON -----------------------------------------------------------------------------------


def test_json_numbers_are_exact_and_deep_nesting_is_a_422():
    from decimal import Decimal

    assert ingest.parse_json(b'{"a": 0.1}') == {"a": Decimal("0.1")}
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000, b"{", b"NaN"):
        with pytest.raises(ValidationFailed) as exc:
            ingest.parse_json(body)
        assert exc.value.errors[0]["loc"] == ["body"]


# ----- bodies ---------------------------------------------------------------------------------


def _request(*messages: dict, headers: list[tuple[bytes, bytes]] | None = None):
    from starlette.requests import Request

    queue = list(messages)

    async def receive() -> dict:
        return queue.pop(0)

    return Request({"type": "http", "method": "POST", "headers": headers or []}, receive)


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    req = _request(headers=[(b"content-length", b"1001")])  # no message to receive: reading would fail
    with pytest.raises(PayloadTooLarge) as exc:
        asyncio.run(ingest.read_body(req, 1000))
    assert exc.value.status == 413 and exc.value.fields["limit_bytes"] == 1000


def test_a_chunked_body_is_refused_once_the_count_passes_the_limit():
    never = {"type": "http.request", "body": b"never read", "more_body": False}
    req = _request({"type": "http.request", "body": b"x" * 600, "more_body": True},
                   {"type": "http.request", "body": b"x" * 600, "more_body": True}, never)
    with pytest.raises(PayloadTooLarge):
        asyncio.run(ingest.read_body(req, 1000))

    async def stream() -> list[bytes]:
        req = _request({"type": "http.request", "body": b"x" * 600, "more_body": True},
                       {"type": "http.request", "body": b"x" * 600, "more_body": True}, never)
        return [c async for c in ingest.body_chunks(req, 1000)]

    with pytest.raises(PayloadTooLarge):
        asyncio.run(stream())


def test_limits_are_settings(monkeypatch):
    from taxapi.settings import SettingsError, load_settings

    monkeypatch.setenv("TAXAPI_MAX_BODY_BYTES_CALCULATE", "4096")
    monkeypatch.setenv("TAXAPI_REQUEST_TIME_LIMIT_SECONDS", "2.5")
    got = ingest.Limits.from_settings(load_settings())
    assert got.max_body_bytes_calculate == 4096 and got.request_time_limit_seconds == 2.5
    assert got.max_body_bytes_oss_csv == ingest.Limits().max_body_bytes_oss_csv
    monkeypatch.setenv("TAXAPI_XLSX_MAX_ROWS", "many")
    with pytest.raises(SettingsError, match="^TAXAPI_XLSX_MAX_ROWS: "):
        load_settings()
    monkeypatch.setenv("TAXAPI_XLSX_MAX_ROWS", "0")
    with pytest.raises(SettingsError, match="^TAXAPI_XLSX_MAX_ROWS: .*greater than 0"):
        load_settings()


# ----- spreadsheet output ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "out"),
    [("=1+2", "'=1+2"), ("+49 30 123", "'+49 30 123"), ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
     ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("-5,00", "-5,00"), ("-12.5", "-12.5"),
     ("+3", "+3"), ("plain", "plain"), ("", "")],
)
def test_text_a_spreadsheet_would_run_is_neutralised(text, out):
    assert ingest.neutralise(text) == out


# ----- XLSX -----------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_an_archive_that_unpacks_past_the_limit_is_refused_from_its_directory(limits):
    limits(xlsx_max_uncompressed_bytes=10_000)
    bomb = _zip({"xl/sharedStrings.xml": b"a" * 1_000_000})  # 1 MB of one letter packs to about 1 KB
    assert len(bomb) < 5_000
    with pytest.raises(PayloadTooLarge) as exc:
        ingest.check_xlsx_archive(bomb)
    assert exc.value.fields["limit_bytes"] == 10_000
    with pytest.raises(ValidationFailed):
        ingest.check_xlsx_archive(b"PK\x03\x04 not a zip")


def _workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_rows_columns_and_cells_are_checked_while_reading(limits):
    limits(xlsx_max_rows=3, xlsx_max_columns=4, xlsx_max_cell_chars=10)
    for rows, kind in [
        ([["a"], [1], [2], [3]], "limit_rows"),
        ([["a"], [1, 2, 3, 4, 5]], "limit_columns"),
        ([["a"], ["x" * 11]], "limit_chars"),
    ]:
        sheet = ingest.read_xlsx(_workbook(rows))
        try:
            with pytest.raises(PayloadTooLarge) as exc:
                list(sheet.rows)
        finally:
            sheet.close()
        assert kind in exc.value.fields
    sheet = ingest.read_xlsx(_workbook([["a", "b", "c", "d"], [1, 2, 3, 4]]))  # at the limits: read
    try:
        assert [(row, vals) for row, _, vals in sheet.rows] == [(2, (1, 2, 3, 4))]
    finally:
        sheet.close()


def test_a_forged_dimension_does_not_pad_the_rows():
    data = _workbook([["a", "b"], [1, 2]])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    sheet_xml = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = sheet_xml.replace(b'<dimension ref="A1:B2" />', b'<dimension ref="A1:XFD1048576" />')
    assert members["xl/worksheets/sheet1.xml"] != sheet_xml
    sheet = ingest.read_xlsx(_zip(members))
    try:
        assert sheet.header == ["a", "b"]
        assert [(row, vals) for row, _, vals in sheet.rows] == [(2, (1, 2))]
    finally:
        sheet.close()


def test_reproducible_zip_fixes_the_timestamps():
    core = (b'<cp:coreProperties><dcterms:created xsi:type="dcterms:W3CDTF">2026-12-01T20:00:00Z</dcterms:created>'
            b'<dcterms:modified xsi:type="dcterms:W3CDTF">2026-12-01T20:00:01Z</dcterms:modified></cp:coreProperties>')
    a = ingest.reproducible_zip(_zip({"docProps/core.xml": core, "x.xml": b"<x/>"}))
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert {i.date_time for i in z.infolist()} == {ingest.XLSX_EPOCH}
        assert b"2026" not in z.read("docProps/core.xml") and z.read("x.xml") == b"<x/>"
