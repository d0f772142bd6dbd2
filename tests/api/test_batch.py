"""POST /v1/batch: price lists as Excel and Google Sheets save them, one output row per input row, in order.

Hand-worked values as in test_price.py (DE 19 %/7 %, FR 20 %, IT 22 %, IE children's clothing 0 %
(VATCA 2010 Sch. 2 para. 8), DE shelf price 119.00 -> net 100.00 + tax 19.00).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from taxapi.sheets.files import XLSX_MEDIA_TYPE
from taxapi.sheets.service import OUTPUT_COLUMNS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "price-list-de.csv"
DAY = "2026-03-10"


def post_csv(client, body: bytes, **params):
    params.setdefault("date", DAY)
    return client.post("/v1/batch", params=params, content=body, headers={"content-type": "text/csv"})


def rows_of(response, delimiter=";"):
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_example_price_list_semicolons_bom_german_decimals(client):
    """The README's example file, as German Excel saves 'CSV UTF-8 (Trennzeichen-getrennt)'."""
    data = EXAMPLE.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b";" in data
    r = post_csv(client, data, locale="de_DE")
    assert r.headers["content-type"].startswith("text/csv") and r.headers["x-rates-version"]
    assert r.content.startswith(b"\xef\xbb\xbf")  # BOM kept: Excel opens the answer as UTF-8 too
    rows = rows_of(r)
    src = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    src = [s for s in src if any(s)]  # the two empty trailing rows are not answered
    assert len(rows) == len(src)
    width = len(src[0])
    assert rows[0] == [*src[0], *OUTPUT_COLUMNS]
    for out, inp in zip(rows, src):
        assert out[:width] == inp  # original columns untouched, in order
    got = {r[0]: dict(zip(OUTPUT_COLUMNS, r[width:])) for r in rows[1:]}
    assert (got["A-100"]["tax_amount"], got["A-100"]["gross_amount"]) == ("1,90", "11,90")
    assert (got["A-101"]["tax_amount"], got["A-101"]["rate_percent"]) == ("0,70", "7")
    assert (got["A-102"]["tax_amount"], got["A-102"]["gross_amount"]) == ("246,90", "1481,40")
    assert (got["A-103"]["net_amount"], got["A-103"]["tax_amount"], got["A-103"]["gross_amount"]) == ("100,00", "19,00", "119,00")
    assert (got["A-104"]["taxability_reason"], got["A-104"]["seller_proceeds"]) == ("marketplace_collects", "10,00")
    assert (got["A-105"]["gross_amount"], got["A-105"]["seller_proceeds"]) == ("122,00", "100,00")
    assert got["A-106"]["error"].startswith("amount:") and got["A-106"]["net_amount"] == ""
    assert got["A-107"]["error"].startswith("region:")
    assert (got["A-108"]["tax_amount"], got["A-108"]["taxability_reason"]) == ("0,00", "zero_rated")
    assert all(got[k]["error"] == "" for k in got if k not in ("A-106", "A-107"))


def test_bad_rows_in_the_middle_keep_count_and_order(client):
    body = ["id,country,amount"]
    for i in range(300):
        body.append(f"{i},{'DE' if i % 7 else 'BR'},{'oops' if i % 11 == 0 else '10.00'}")
    body.insert(150, ",,")  # an empty row in the middle is answered, not dropped
    r = post_csv(client, ("\n".join(body) + "\n\n\n").encode())
    rows = rows_of(r, ",")
    assert len(rows) == len(body)
    assert [row[0] for row in rows] == [line.split(",")[0] for line in body]
    errors = [row[-1] for row in rows[1:]]
    assert errors[149] == "empty row"
    priced = [row for row in rows[1:] if not row[-1]]
    proceeds = rows[0].index("seller_proceeds")
    assert priced and all(row[proceeds] == "11.90" for row in priced)
    assert sum(1 for e in errors if e.startswith("amount:")) == sum(1 for i in range(300) if i % 11 == 0)


def test_query_parameters_are_defaults_and_cells_win(client):
    r = post_csv(client, b"country;amount;currency\nDE;10;\nDE;10;USD\n", currency="EUR")
    rows = rows_of(r)
    assert [row[5] for row in rows[1:]] == ["11.90", "11.90"]
    r = post_csv(client, b"country;amount;date\nDE;10;2020-08-01\nDE;10;\n")
    rows = rows_of(r)  # 2020-07-01..2020-12-31: 16 % (Zweites Corona-Steuerhilfegesetz)
    assert [row[5] for row in rows[1:]] == ["11.60", "11.90"]


def test_calculate_style_headers_and_output_name_clash(client):
    r = post_csv(client, b"Ship To.Country,Lines Amount,net_amount\nFR,100,old\n")
    rows = rows_of(r, ",")
    assert rows[0][:4] == ["Ship To.Country", "Lines Amount", "net_amount", "result_net_amount"]
    assert rows[1][:5] == ["FR", "100", "old", "100.00", "20.00"]


def test_tab_and_comma_files_and_quoted_fields(client):
    r = post_csv(client, b'note\tcountry\tamount\r\n"a\ttab"\tDE\t1,5\r\n', locale="de_DE")
    rows = rows_of(r, "\t")
    assert rows[1][:3] == ["a\ttab", "DE", "1,5"] and rows[1][5] == "1,79"  # 1.50 × 19 % = 0.285 -> 0.29
    r = post_csv(client, b'note,country,amount\n"line\nbreak",DE,2\n', locale="de_DE")
    rows = rows_of(r, ",")
    assert rows[1][0] == "line\nbreak" and rows[1][5] == "2,38"


def test_streamed_in_tiny_chunks(client):
    """A character or the BOM split across network chunks is read whole."""
    data = "\ufeffname;country;amount\r\nÄpfel »groß«;DE;1.000,00\r\n".encode()

    def chunks():
        for i in range(0, len(data), 3):
            yield data[i:i + 3]

    r = client.post("/v1/batch", params={"date": DAY, "locale": "de_DE"}, content=chunks(), headers={"content-type": "text/csv"})
    rows = rows_of(r)
    assert rows[1][:3] == ["Äpfel »groß«", "DE", "1.000,00"] and rows[1][5] == "1190,00"


def test_multipart_upload(client):
    files = {"file": ("Preise März.csv", EXAMPLE.read_bytes(), "text/csv")}
    r = client.post("/v1/batch", params={"locale": "de_DE"}, data={"date": DAY}, files=files)
    assert r.status_code == 200, r.text
    assert 'filename="Preise_M_rz-priced.csv"' in r.headers["content-disposition"]
    assert len(rows_of(r)) == 10


@pytest.mark.parametrize(
    ("body", "params", "status", "fragment"),
    [
        (b"", {}, 422, "empty"),
        (b"sku,amount\nA,10\n", {}, 422, "country"),
        (b"country,amount\nDE,10\n", {"date": ""}, 422, "date"),
        (b"country,Country\nDE,FR\n", {}, 422, "Country"),
        (b"country,amount\nDE,10\n", {"locale": "xx_YY"}, 422, "locale"),
        (b"country,amount\nDE,10\n", {"delimiter": "|"}, 422, "delimiter"),
        (b"country,amount\nD\xe9,10\n", {}, 415, "UTF-8"),  # Latin-1: neither UTF-8 nor a byte-order mark
    ],
)
def test_unusable_files_are_refused_before_any_row(client, body, params, status, fragment):
    params = {"date": DAY, **params}
    if params["date"] == "":
        del params["date"]
    r = client.post("/v1/batch", params=params, content=body, headers={"content-type": "text/csv"})
    assert r.status_code == status, r.text
    assert fragment in r.json()["detail"]


def test_unsupported_media_type(client):
    r = client.post("/v1/batch", params={"date": DAY}, json={"country": "DE"})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"


def _workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Preise"
    ws.append(["SKU", "Land", "amount", "date", "prices_include_tax", "Formel"])
    ws.append(["A1", "DE", 19.99, date(2026, 3, 10), False, "=C2*2"])
    ws.append(["A2", "FR", "1.234,50", "2026-03-10", True, None])
    ws.append([None] * 6)
    ws.append(["A3", "JP", 1234, "2026-03-10", None, None])
    ws.append(["A4", "DE", "zehn", "2026-03-10", None, None])
    ws.append([None] * 6)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_round_trip_keeps_the_original_columns(client):
    r = client.post("/v1/batch", params={"locale": "de_DE", "country": "DE"}, content=_workbook(),
                    headers={"content-type": XLSX_MEDIA_TYPE})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX_MEDIA_TYPE
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.title == "Preise"
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["SKU", "Land", "amount", "date", "prices_include_tax", "Formel", *OUTPUT_COLUMNS]
    assert len(rows) == 6  # header, 4 rows with an empty one between, trailing empty row dropped
    assert rows[1][:6] == ["A1", "DE", 19.99, rows[1][3], False, "=C2*2"]  # the formula stays a formula
    assert rows[1][3].date() == date(2026, 3, 10)
    # 'Land' is not a known column: the country default DE applies to every row.
    assert rows[1][6:11] == [19.99, 3.8, 23.79, 19, "DE"]  # 19.99 × 19 % = 3.7981 -> 3.80
    assert rows[2][6:9] == [1037.39, 197.11, 1234.5]  # shelf price 1234.50: tax 197.1050 -> 197.11
    assert rows[3][-1] == "empty row"
    assert rows[5][-1].startswith("amount:")
    cell = ws.cell(row=2, column=8)
    assert cell.number_format == "0.00"


def test_xlsx_multipart_and_garbage(client):
    files = {"file": ("prices.xlsx", _workbook(), "application/octet-stream")}
    r = client.post("/v1/batch", params={"country": "DE"}, files=files)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX_MEDIA_TYPE
    r = client.post("/v1/batch", content=b"PK\x03\x04garbage", headers={"content-type": XLSX_MEDIA_TYPE})
    assert r.status_code == 422 and "XLSX" in r.json()["detail"]


def test_upload_ending_inside_a_multibyte_character_is_refused_not_a_crash(client):
    # Found by schemathesis: a multipart file of the single byte 0xC2 (half a UTF-8 character).
    r = client.post("/v1/batch", files={"file": ("file", b"\xc2")})
    assert r.status_code == 415
    assert r.json()["errors"][0]["msg"] == "not UTF-8"


def test_old_mac_line_ends_and_a_stray_carriage_return_are_line_ends_not_a_crash(client):
    r = post_csv(client, b"id,country,amount\r1,DE,10.00\r2,FR,10.00\r")
    rows = rows_of(r, ",")
    assert [row[0] for row in rows] == ["id", "1", "2"] and [row[5] for row in rows[1:]] == ["11.90", "12.00"]
    r = post_csv(client, b"id,country,amount\r\n1,DE,10\r00\r\n2,FR,10.00\r\n")  # a CR inside a row ends it
    rows = rows_of(r, ",")
    assert [row[0] for row in rows] == ["id", "1", "00", "2"]
    assert rows[2][-1].startswith("country: required") and rows[3][5] == "12.00"
    r = post_csv(client, b"\r0")  # a header of one cell '' and a row '0': no 500
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "header"]


def test_crlf_split_between_network_chunks_is_one_line_end():
    from taxapi.ingest import csv_records

    data = b"id,country,amount\r\n1,DE,10.00\r\n2,FR,10.00\r\n"
    cut = data.index(b"\r\n", 20) + 1  # between the CR and the LF of the second line end

    parser, records = csv_records([data[:cut], data[cut:]])
    header, rows = parser.header, [cells for _, cells in records]
    assert header == ["id", "country", "amount"]
    assert rows == [["1", "DE", "10.00"], ["2", "FR", "10.00"]]


def test_each_row_says_its_currency_and_the_warnings_price_gives(client):
    """Without a currency column each row is priced in its destination's currency: the same list is
    EUR, GBP, USD and SEK. US-CA has the state rate only (local_rate_unknown, as /v1/price says);
    22060 is Italy unless the row names Campione d'Italia (territory_depends_on_city)."""
    body = (
        "id,country,postal_code,city,amount\n"
        "de,DE,,,10.00\ngb,GB,,,10.00\nus,US-CA,,,10.00\nse,SE,,,10.00\n"
        "it,IT,22060,,10.00\ncampione,IT,22060,Campione d'Italia,10.00\n"
    ).encode()
    rows = rows_of(post_csv(client, body), ",")
    header, data = rows[0], rows[1:]
    got = {r[0]: dict(zip(header, r)) for r in data}
    assert {k: v["currency"] for k, v in got.items()} == {
        "de": "EUR", "gb": "GBP", "us": "USD", "se": "SEK", "it": "EUR", "campione": "EUR"}
    assert got["us"]["warnings"] == "local_rate_unknown"
    assert got["it"]["warnings"] == "territory_depends_on_city" and got["it"]["jurisdiction"] == "IT"
    assert got["campione"]["warnings"] == "" and got["campione"]["jurisdiction"] == "IT-CAMPIONE"
    for r in data:
        row = dict(zip(header, r))
        params = {k: row[k] for k in ("country", "postal_code", "city", "amount") if row[k]}
        p = client.get("/v1/price", params={**params, "date": DAY}).json()
        assert row["currency"] == p["currency"]
        assert row["warnings"] == " ".join(w["code"] for w in p["warnings"])


def test_seller_keeps_what_is_left_after_the_tax_it_owes(client):
    # A German shop selling 100.00 net in Germany is paid 119.00 and remits 19.00 (UStG § 13a(1) Nr. 1);
    # through a deemed-supplier marketplace it is paid the net and remits nothing.
    body = b"id,country,amount,seller_country,marketplace\ndirect,DE,100.00,,\nmarket,DE,100.00,CN,Amazon\n"
    rows = rows_of(post_csv(client, body), ",")
    got = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert (got["direct"]["seller_proceeds"], got["direct"]["seller_keeps"]) == ("119.00", "100.00")
    assert (got["market"]["seller_proceeds"], got["market"]["seller_keeps"]) == ("100.00", "100.00")
