"""POST /v1/thresholds over HTTP: JSON and CSV bodies give the same answer; bad requests are 4xx."""

from __future__ import annotations

JSON_BODY = {
    "seller": {"country": "DE"},
    "as_of": "2026-10-20",
    "sales": [
        {"date": "2026-03-01", "ship_to": {"country": "FR"}, "net_amount": "9500.00", "currency": "EUR"},
        {"date": "2026-07-10", "ship_to": {"country": "IT"}, "net_amount": 800, "currency": "EUR", "transactions": 1},
        {"date": "2026-07-11", "ship_to": {"country": "ZZ"}, "net_amount": "5", "currency": "EUR"},
        {"date": "2026-03-02", "ship_to": {"country": "US", "region": "TX"}, "net_amount": "10000.00", "currency": "EUR",
         "ship_from": {"country": "DE"}, "customer_type": "consumer", "category": "general", "channel": "direct"},
    ],
}
CSV_BODY = (
    "\ufeffdate,ship_to.country,ship_to.region,net_amount,currency,id\r\n"
    "2026-03-01,FR,,9500.00,EUR,a\r\n"
    "2026-07-10,IT,,800,EUR,b\r\n"
    "2026-07-11,ZZ,,5,EUR,c\r\n"
    "2026-03-02,US,TX,10000.00,EUR,d\r\n"
    "\r\n"
)
CSV_URL = "/v1/thresholds?seller_country=DE&as_of=2026-10-20"


def test_json_and_csv_give_the_same_answer(client, rate_book):
    j = client.post("/v1/thresholds", json=JSON_BODY)
    c = client.post(CSV_URL, content=CSV_BODY.encode(), headers={"content-type": "text/csv; charset=utf-8"})
    assert j.status_code == c.status_code == 200
    assert j.json() == c.json()
    data = j.json()
    assert data["rates_version"] == rate_book.version and data["as_of"] == "2026-10-20"
    eu = next(x for x in data["jurisdictions"] if x["jurisdiction"] == "EU")
    assert (eu["exceeded"], eu["exceeded_on"], eu["crossing_sale"]) == (True, "2026-07-10", 3)
    assert set(eu) >= {"jurisdiction", "threshold", "total", "exceeded", "exceeded_on", "crossing_sale", "remaining", "consequence"}
    assert set(eu["threshold"]) >= {"amount", "currency", "transactions", "period"}
    assert data["rejected"] == [{"row": 4, "code": "unknown_country", "detail": "'ZZ' is not an ISO 3166-1 alpha-2 country code"}]
    assert (data["rows_in"], data["rows_counted"]) == (4, 3)
    assert {"currency": "USD", "rate": "1.1698", "date": "2026-03-02"} in data["exchange_rates"]
    tx = next(x for x in data["jurisdictions"] if x["jurisdiction"] == "US-TX")
    assert tx["total"]["amount"] == "11698.00"  # EUR 10,000 at USD 1.1698
    ids = [x["jurisdiction"] for x in data["jurisdictions"]]
    assert ids[0] == "EU" and {"GB", "NO", "CH", "AU", "NZ", "CA", "CA-QC", "SG", "JP", "US-TX", "US-FL"} <= set(ids)


def test_csv_needs_its_header_and_query_parameters(client):
    r = client.post("/v1/thresholds?as_of=2026-10-20", content=CSV_BODY.encode(), headers={"content-type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "seller_country"]
    r = client.post(CSV_URL, content=b"date,net_amount\n2026-01-01,5\n", headers={"content-type": "text/csv"})
    assert r.status_code == 422
    assert {tuple(e["loc"]) for e in r.json()["errors"]} == {("body", "header", "ship_to_country"), ("body", "header", "currency")}
    r = client.post(CSV_URL, content=b"\xff\xfe\x00date", headers={"content-type": "text/csv"})
    assert r.status_code == 415 and r.json()["encoding"] == "UTF-16"  # a UTF-16 byte-order mark, then an odd byte


def test_json_type_errors_name_each_field(client):
    body = {"seller": {"country": "DE"}, "as_of": "2026-10-20",
            "sales": [{"date": 20260101, "ship_to": {"country": "FR"}, "net_amount": True, "currency": "EUR"}, 5]}
    r = client.post("/v1/thresholds", json=body)
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["errors"]] == [
        ["body", "sales", 0, "date"], ["body", "sales", 0, "net_amount"], ["body", "sales", 1]]


def test_request_errors(client):
    assert client.post("/v1/thresholds", json={"as_of": "2026-10-20", "sales": []}).status_code == 422
    r = client.post("/v1/thresholds?as_of=2026-01-01", json=JSON_BODY)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "as_of"]
    r = client.post("/v1/thresholds", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = client.post("/v1/thresholds", content=b"x", headers={"content-type": "text/plain"})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"
    r = client.post("/v1/thresholds", json={**JSON_BODY, "as_of": "1900-01-01"})
    assert r.status_code == 422
    r = client.post("/v1/thresholds", content=b'{"seller":{"country":"DE"},"as_of":"2026-10-20","sales":[{"date":"2026-01-01","ship_to":{"country":"FR"},"net_amount":NaN,"currency":"EUR"}]}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_json_numbers_are_read_exactly(client):
    body = {**JSON_BODY, "sales": [{"date": "2026-03-01", "ship_to": {"country": "FR"}, "net_amount": 10000.01, "currency": "EUR"},
                                   {"date": "2026-03-01", "ship_to": {"country": "FR"}, "net_amount": 1e300, "currency": "EUR"}]}
    data = client.post("/v1/thresholds", json=body).json()
    assert data["jurisdictions"][0]["crossing_sale"] == 2
    assert [r["code"] for r in data["rejected"]] == ["invalid_amount"]


# ----- exchange_rates: conversions the ECB rates cannot make (Taiwan's threshold is in TWD) ---------------

TW_JSON = {
    "seller": {"country": "US"}, "as_of": "2026-10-20",
    "sales": [
        {"date": "2026-02-01", "ship_to": {"country": "TW"}, "net_amount": "18750.00", "currency": "USD",
         "category": "digital_services"},
        {"date": "2026-02-02", "ship_to": {"country": "TW"}, "net_amount": "0.01", "currency": "USD",
         "category": "digital_services"},
        {"date": "2026-02-03", "ship_to": {"country": "US", "region": "GA"}, "net_amount": "100000.01", "currency": "USD"},
    ],
}
TW_CSV = ("date,ship_to_country,ship_to_region,net_amount,currency,category\n"
          "2026-02-01,TW,,18750.00,USD,digital_services\n2026-02-02,TW,,0.01,USD,digital_services\n"
          "2026-02-03,US,GA,100000.01,USD,\n")
TW_URL = "/v1/thresholds?seller_country=US&as_of=2026-10-20"


def _tw(data):
    return next(x for x in data["jurisdictions"] if x["jurisdiction"] == "TW")


def test_exchange_rates_in_the_json_body_and_the_csv_query_give_the_same_answer(client):
    # USD 18,750.00 x 32 = NT$600,000.00 (not more than NT$600,000); USD 0.01 x 32 = 0.32 crosses (row 3).
    body = {**TW_JSON, "exchange_rates": [{"from_currency": "USD", "to_currency": "TWD", "rate": "32",
                                           "date": "2026-01-01", "source": "fixture rate"}]}
    j = client.post("/v1/thresholds", json=body)
    c = client.post(f"{TW_URL}&exchange_rates=USD:TWD:32:2026-01-01", content=TW_CSV.encode(),
                    headers={"content-type": "text/csv"})
    assert j.status_code == c.status_code == 200
    tw = _tw(j.json())
    assert (tw["exceeded"], tw["exceeded_on"], tw["crossing_sale"], tw["total"]["amount"]) == (True, "2026-02-02", 3, "600000.32")
    assert j.json()["given_exchange_rates"] == body["exchange_rates"]
    assert _tw(c.json()) == tw and c.json()["given_exchange_rates"][0]["source"] is None


def test_without_a_twd_rate_only_taiwan_is_not_evaluated(client):
    for r in (client.post("/v1/thresholds", json=TW_JSON),
              client.post(TW_URL, content=TW_CSV.encode(), headers={"content-type": "text/csv"})):
        assert r.status_code == 200
        data = r.json()
        tw = _tw(data)
        assert (tw["exceeded"], tw["total"]["amount"], tw["error"]["code"]) == (None, None, "exchange_rate_not_found")
        assert [(m["from_currency"], m["to_currency"], m["rows"]) for m in tw["error"]["missing_exchange_rates"]] == [
            ("USD", "TWD", 2)]
        assert [x["jurisdiction"] for x in data["jurisdictions"] if "error" in x] == ["TW"]
        ga = next(x for x in data["jurisdictions"] if x["jurisdiction"] == "US-GA")
        assert (ga["exceeded"], ga["crossing_sale"]) == (True, 4)
        assert data["rejected"] == [] and data["rows_counted"] == 3


def test_bad_exchange_rates_are_422_naming_the_field(client):
    bad = [({"from_currency": "USD", "to_currency": "TWD", "rate": "0"}, ["body", "exchange_rates", 0, "rate"]),
           ({"from_currency": "USD", "to_currency": "TWD", "rate": "32", "date": "2026-13-01"},
            ["body", "exchange_rates", 0, "date"])]
    for rate, loc in bad:
        r = client.post("/v1/thresholds", json={**TW_JSON, "exchange_rates": [rate]})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == loc, rate
    twice = [{"from_currency": "USD", "to_currency": "TWD", "rate": "32"}, {"from_currency": "TWD", "to_currency": "USD", "rate": "0.03"}]
    r = client.post("/v1/thresholds", json={**TW_JSON, "exchange_rates": twice})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "exchange_rates"]
    for query, loc in (("USD:TWD", ["query", "exchange_rates", 0]), ("USD:TWD:-1", ["query", "exchange_rates", 0, "rate"]),
                       ("USD:TWD:32:x", ["query", "exchange_rates", 0, "date"])):
        r = client.post(f"{TW_URL}&exchange_rates={query}", content=TW_CSV.encode(), headers={"content-type": "text/csv"})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == loc, query
    r = client.post("/v1/thresholds?exchange_rates=USD:TWD:32", json=TW_JSON)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "exchange_rates"]


def test_a_parquet_ledger_takes_exchange_rates_in_the_query(client):
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = [line.split(",") for line in TW_CSV.strip().split("\n")]
    buf = io.BytesIO()
    pq.write_table(pa.table({n: pa.array([r[i] for r in lines[1:]], pa.string()) for i, n in enumerate(lines[0])}), buf)
    headers = {"content-type": "application/vnd.apache.parquet"}
    with_rate = client.post(f"{TW_URL}&exchange_rates=TWD:USD:0.03125", content=buf.getvalue(), headers=headers)
    assert with_rate.status_code == 200, with_rate.text
    tw = _tw(with_rate.json())  # USD 18,750.01 x 32 = NT$600,000.32, crossed by the second row (row 3)
    assert (tw["exceeded"], tw["crossing_sale"], tw["total"]["amount"]) == (True, 3, "600000.32")
    without = _tw(client.post(TW_URL, content=buf.getvalue(), headers=headers).json())
    assert (without["exceeded"], without["error"]["missing_exchange_rates"][0]["to_currency"]) == (None, "TWD")
