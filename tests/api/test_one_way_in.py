"""The three CSV endpoints read files by one policy: the same dialects, the same encodings, the same rows."""

from __future__ import annotations

import pytest

THRESHOLDS = "/v1/thresholds?seller_country=DE&as_of=2026-10-20"
OSS = "/v1/oss/summary?scheme=union&period=2026-Q3&member_state_of_identification=DE"
BATCH = "/v1/batch?date=2026-03-10"

THRESHOLDS_CSV = ("date;ship_to_country;net_amount;currency;note\n"
                  "2026-03-01;FR;100.00;EUR;\"two\nlines\"\n"
                  "\n"
                  "2026-03-02;ZZ;5;EUR;x\n")
OSS_CSV = ("id;date;country_of_consumption;ship_from_country;supply;rate_percent;net_amount;tax_amount;currency\n"
           "\"a\nb\";2026-08-01;FR;DE;goods;20;100.00;20.00;EUR\n"
           "\n"
           "c;2026-08-02;ZZ;DE;goods;20;1.00;0.20;EUR\n")


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_thresholds_and_oss_read_the_same_dialects_and_number_rows_alike(client, delimiter, encoding):
    """A semicolon ledger was accepted by /v1/oss/summary and refused by /v1/thresholds; rows were numbered from
    0 in one and from 1 in the other. Now: the row a spreadsheet shows, in both (the header is row 1, the quoted
    line break stays in row 2, the blank line is row 3)."""
    t = client.post(THRESHOLDS, content=THRESHOLDS_CSV.replace(";", delimiter).encode(encoding),
                    headers={"content-type": "text/csv"})
    assert t.status_code == 200, t.text
    assert [(r["row"], r["code"]) for r in t.json()["rejected"]] == [(4, "unknown_country")]
    o = client.post(OSS, content=OSS_CSV.replace(";", delimiter).encode(encoding), headers={"content-type": "text/csv"})
    assert o.status_code == 200, o.text
    assert [(r["row"], r["id"], r["code"]) for r in o.json()["rejected"]] == [(4, "c", "invalid_country")]
    assert o.json()["transactions_count"] == 1


@pytest.mark.parametrize("url", [THRESHOLDS, OSS, BATCH])
def test_a_file_in_another_encoding_is_a_415_naming_it_everywhere(client, url):
    body = "country,amount,date,ship_to_country,net_amount,currency\nDE,1,2026-03-01,DE,1,EUR\nÖ,1,x,y,z,w\n"
    r = client.post(url, content=body.encode("latin-1"), headers={"content-type": "text/csv"})
    assert r.status_code == 415, r.text
    problem = r.json()
    assert problem["code"] == "unsupported_media_type" and problem["encoding"] == "UTF-8" and "row 3" in problem["detail"]


def test_json_rows_are_numbered_as_in_a_sheet_with_a_header(client):
    sales = [{"date": "2026-03-01", "ship_to": {"country": "FR"}, "net_amount": "1", "currency": "EUR"},
             {"date": "2026-03-01", "ship_to": {"country": "ZZ"}, "net_amount": "1", "currency": "EUR"}]
    r = client.post("/v1/thresholds", json={"seller": {"country": "DE"}, "as_of": "2026-10-20", "sales": sales})
    assert [x["row"] for x in r.json()["rejected"]] == [3]  # sales[1]: row 3, as in the CSV of the same ledger
