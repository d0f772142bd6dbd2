"""POST /v1/oss/summary over HTTP: JSON and streamed CSV bodies, the response formats, problems."""

from __future__ import annotations

import io
import zipfile

import pytest

URL = "/v1/oss/summary"
HEADER = "id,date,country_of_consumption,ship_from_country,supply,rate_percent,net_amount,tax_amount,currency\n"
Q = "scheme=union&period=2024-Q1&member_state_of_identification=DE"


def body(rows, **kw):
    return {"scheme": "union", "period": "2024-Q1", "member_state_of_identification": "DE", "transactions": rows, **kw}


ROW = {"id": "r1", "date": "2024-02-10", "country_of_consumption": "FR", "ship_from_country": "DE", "supply": "goods",
       "rate_percent": "20", "net_amount": "10749.00", "tax_amount": "2149.80", "currency": "USD"}


def test_json_return_with_easter_rate(client, rate_book):
    r = client.post(URL, json=body([ROW, {**ROW, "id": "r2", "date": "2024-04-02"}]))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["rates_version"] == rate_book.version
    assert out["currency"] == "EUR"
    assert out["exchange_rates"] == [{"currency": "USD", "rate": "1.0749", "date": "2024-04-02", "period": "2024-Q1"}]
    assert out["lines"][0] | {} == {
        "section": "goods_from_msi", "country_of_consumption": "FR", "supply": "goods", "ship_from_country": "DE",
        "deemed_supplier": False, "rate_kind": "standard", "rate_percent": "20", "net_amount": "10000.00",
        "tax_amount": "2000.00", "transactions_count": 1,
    }
    assert out["total_tax_amount"] == "2000.00"
    assert out["rejected"] == [{"row": 3, "id": "r2", "code": "outside_period", "detail": "date 2024-04-02 is not in 2024-Q1"}]
    assert out["transactions_count"] + out["rejected_count"] == out["rows_count"] == 2


def test_csv_body_is_streamed_and_gives_the_same_return(client):
    csv_text = HEADER + "r1,2024-02-10,FR,DE,goods,20,10749.00,2149.80,USD\nr2,2024-04-02,FR,DE,goods,20,1,0.2,USD\n"

    def chunks():
        data = csv_text.encode()
        for i in range(0, len(data), 7):
            yield data[i:i + 7]

    r = client.post(f"{URL}?{Q}", content=chunks(), headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    j = client.post(URL, json=body([ROW, {**ROW, "id": "r2", "date": "2024-04-02", "net_amount": "1", "tax_amount": "0.2"}])).json()
    # A CSV row is numbered as a spreadsheet shows it (header row 1); a JSON row as in a sheet with a header.
    assert [r["row"] for r in j["rejected"]] == [3]
    assert r.json() == j


def test_accept_text_csv_returns_the_whole_return(client, rate_book):
    r = client.post(URL, json=body([ROW]), headers={"accept": "text/csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["taxapi-rates-version"] == rate_book.version
    lines = r.text.splitlines()
    assert lines[1] == f"return,,2024-Q1,,,,,,,,2000.00,,,1,EUR,,,union,DE,2024-03-31,1,0,,,,,{rate_book.version}"
    assert lines[2] == f"exchange_rate,,2024-Q1,,,,,,,,,,,,USD,1.0749,2024-04-02,,,,,,,,,,{rate_book.version}"
    assert lines[3] == f"line,goods_from_msi,2024-Q1,FR,goods,DE,false,standard,20,10000.00,2000.00,,,1,,,,,,,,,,,,,{rate_book.version}"
    assert lines[4] == f"total,,,FR,,,,,,,2000.00,2000.00,0.00,,,,,,,,,,,,,,{rate_book.version}"


def test_html_summary(client):
    r = client.post(f"{URL}?format=html", json=body([ROW]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "10000.00" in r.text and "1.0749" in r.text and "2024-04-02" in r.text


def test_bzst_file_and_zip(client, fixture_rate_book, monkeypatch):
    from taxapi.oss import formats, router

    monkeypatch.setattr(router, "get_rate_book", lambda: fixture_rate_book)
    rows = [ROW, {**ROW, "id": "r3", "country_of_consumption": "AT", "ship_from_country": "PL", "currency": "EUR",
                  "net_amount": "100.00", "tax_amount": "20.00"}]
    r = client.post(f"{URL}?format=bzst", json=body(rows, establishment_vat_ids={"PL": "PL5260001246"}))
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="OSS_DE_2024-Q1.csv"'
    assert r.text == ("#v2.0\r\n1,AT\r\n5,AT,1,PL,PL5260001246,,STANDARD,20,100.00,20.00\r\n"
                      "1,FR\r\n3,FR,STANDARD,20,10000.00,2000.00\r\n")
    monkeypatch.setattr(formats, "BZST_MAX_DATA_LINES", 2)
    r = client.post(f"{URL}?format=bzst", json=body(rows, establishment_vat_ids={"PL": "PL5260001246"}))
    assert r.headers["content-type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(r.content)).namelist() == ["OSS_DE_2024-Q1_1-of-2.csv", "OSS_DE_2024-Q1_2-of-2.csv"]

    csv_text = HEADER + "r3,2024-02-10,AT,PL,goods,20,100.00,20.00,EUR\n"
    r = client.post(f"{URL}?{Q}&format=bzst&establishment_vat_id=PL:PL5260001246", content=csv_text,
                    headers={"content-type": "text/csv"})
    assert r.status_code == 200 and "5,AT,1,PL,PL5260001246" in r.text


def test_bzst_problems(client):
    r = client.post(f"{URL}?format=bzst", json=body([{**ROW, "rate_percent": "19"}]))  # France has no 19 % rate
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "format", "lines", 0, "rate_kind"]
    r = client.post(f"{URL}?format=bzst", json=body([ROW], member_state_of_identification="AT"))
    assert r.status_code == 422 and r.json()["code"] == "unsupported_scenario"


@pytest.mark.parametrize(
    ("url", "kwargs", "status", "locs"),
    [
        (URL, {"content": HEADER, "headers": {"content-type": "text/csv"}}, 422,
         [["query", "scheme"], ["query", "period"], ["query", "member_state_of_identification"]]),
        (f"{URL}?{Q}", {"content": "a,b\n1,2\n", "headers": {"content-type": "text/csv"}}, 422, None),
        (URL, {"content": b"<x/>", "headers": {"content-type": "application/xml"}}, 415, None),
        (URL, {"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, [["body"]]),
        (URL, {"json": {"scheme": "ioss", "period": "2024-Q1", "member_state_of_identification": "DE", "transactions": []}},
         422, [["body", "period"]]),
        (URL, {"json": {"scheme": "union", "period": "2024-Q1", "member_state_of_identification": "DE", "transactions": [1]}},
         422, [["body", "transactions", 0]]),
        (f"{URL}?scheme=ioss", {"json": body([])}, 422, [["query", "scheme"]]),
        (f"{URL}?{Q}&establishment_vat_id=PL", {"content": HEADER, "headers": {"content-type": "text/csv"}}, 422,
         [["query", "establishment_vat_id", 0]]),
    ],
)
def test_bad_requests_are_problems_naming_the_field(client, url, kwargs, status, locs):
    r = client.post(url, **kwargs)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if locs is not None:
        assert [e["loc"] for e in r.json()["errors"]] == locs


def test_unpublished_rate_is_a_problem_that_says_how_to_refresh_offline(client):
    from taxapi.ecb import get_ecb_rates

    r = client.post(URL, json=body([{**ROW, "date": "2030-02-01"}], period="2030-Q1"))
    assert r.status_code == 422 and r.json()["code"] == "exchange_rate_not_found"
    detail = r.json()["detail"]
    assert f"the shipped ECB data ends on {get_ecb_rates().last_date.isoformat()}" in detail
    assert "taxapi ecb refresh --source eurofxref-hist.zip" in detail  # the offline way, with the CLI's option
    assert "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip" in detail


def test_calculate_results_round_trip_into_the_return(client):
    """Stored /v1/calculate results become ledger rows (docs/oss.md) and the return adds them up."""
    from taxapi.oss.service import ledger_rows_from_calculation

    seller = {"country": "DE", "oss": "union", "eu_distance_sales": {"previous_year": "20000.00", "current_year": "0"}}
    orders = [
        {"date": "2026-07-14", "currency": "EUR", "seller": seller, "ship_from": {"country": "DE"},
         "ship_to": {"country": "FR", "postal_code": "75001"},
         "lines": [{"id": "a", "amount": "100.00"}, {"id": "b", "amount": "20.00", "category": "books"}],
         "shipping": {"amount": "6.00"}},
        {"date": "2026-08-02", "currency": "EUR", "seller": seller, "ship_from": {"country": "DE"},
         "ship_to": {"country": "AT", "postal_code": "1010"}, "lines": [{"id": "c", "amount": "50.00"}]},
        {"date": "2026-09-30", "currency": "EUR", "seller": seller, "ship_from": {"country": "DE"},
         "ship_to": {"country": "DE", "postal_code": "10115"}, "lines": [{"id": "d", "amount": "70.00"}]},  # domestic: not OSS
    ]
    rows = []
    for i, order in enumerate(orders):
        result = client.post("/v1/calculate", json=order)
        assert result.status_code == 200, result.text
        rows += ledger_rows_from_calculation(order, result.json(), order_id=f"o{i}")
    r = client.post(URL, json={"scheme": "union", "period": "2026-Q3", "member_state_of_identification": "DE", "transactions": rows})
    assert r.status_code == 200, r.text
    out = r.json()
    lines = {(x["country_of_consumption"], x["rate_percent"]): (x["net_amount"], x["tax_amount"]) for x in out["lines"]}
    # FR: 100.00 + shipping share 5.00 at 20 % = 21.00; books 20.00 + 1.00 at 5.5 % = 1.10 + 0.06 (per line rounding).
    # AT: 50.00 at 20 % = 10.00. The domestic DE sale is not an OSS supply.
    assert lines == {("FR", "20"): ("105.00", "21.00"), ("FR", "5.5"): ("21.00", "1.16"), ("AT", "20"): ("50.00", "10.00")}
    assert out["total_tax_amount"] == "32.16"
    assert out["rejected"] == []
