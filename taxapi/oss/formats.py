"""Renderings of an OSS summary: the whole return as CSV, Germany's BZSt upload file, a human-readable page.

Pure functions over the dict :func:`taxapi.oss.service.summarize` returns.

BZSt "OSS EU-Regelung" CSV import (https://www.elster.de/bportal/helpGlobal?themaGlobal=osseust_import).
What is verified and what is reconstructed:

* verified (official page head): UTF-8; first line is the CSV version with prefix ``#v``; no header
  line; one record per line, the record type ("Satzart") first; since version 2.0 no zero values
  for taxable and VAT amounts.
* reconstructed from a public implementation written for version 1.0, **not verified against
  the official record tables**: the field order of record types 1–5 below, ``STANDARD`` /
  ``REDUCED`` as rate types, the flag ``1``/``2`` (own supply / deemed supplier) in type 5, VAT
  number and tax number as two fields of which one is filled, the dot as decimal separator, the
  comma as field separator, ``EL`` for Greece.
* third-party (taxdoo): at most 6,000 data lines per file; more are split over several files.
* not covered: corrections of earlier periods (their record type is not known here). They are
  entered in the portal by hand; the human-readable summary lists them.

Records written (after the Satzart number)::

    1  country of consumption                                  (opens each country's block)
    2  country, rate type, rate, taxable amount, VAT            services from DE
    3  country, rate type, rate, taxable amount, VAT            goods dispatched from DE
    4  country, establishment MS, VAT no., tax no., rate type, rate, taxable amount, VAT
    5  country, flag, dispatch MS, VAT no., tax no., rate type, rate, taxable amount, VAT
"""

from __future__ import annotations

import csv
import html
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from taxapi.errors import UnsupportedScenario, ValidationFailed
from taxapi.ingest import neutralise

BZST_VERSION_LINE = "#v2.0"
BZST_MAX_DATA_LINES = 6000
BZST_COUNTRY_CODES = {"GR": "EL"}
_BZST_KIND = {"standard": "STANDARD", "reduced": "REDUCED", "second_reduced": "REDUCED", "super_reduced": "REDUCED",
              "second_super_reduced": "REDUCED", "parking": "REDUCED"}
_BZST_RECORD = {
    "services_from_msi": "2",
    "goods_from_msi": "3",
    "services_from_fixed_establishment": "4",
    "goods_from_other_ms": "5",
    "deemed_supplier_domestic": "5",
}

#: Columns of the CSV rendering (``summary_csv``): one header for every record of the return.
CSV_COLUMNS = [
    "record", "section", "period", "country_of_consumption", "supply", "ship_from_country", "deemed_supplier",
    "rate_kind", "rate_percent", "net_amount", "tax_amount", "lines_tax_amount", "corrections_tax_amount",
    "transactions_count", "currency", "exchange_rate", "rate_date", "scheme", "member_state_of_identification",
    "conversion_date", "rows_count", "rejected_count", "row", "id", "code", "detail", "rates_version",
]
#: The records of the CSV, in the order they appear, and the columns each fills (``rates_version`` always).
CSV_RECORDS = {
    "return": ("scheme", "period", "member_state_of_identification", "currency", "conversion_date", "tax_amount",
               "transactions_count", "rows_count", "rejected_count"),
    "exchange_rate": ("period", "currency", "exchange_rate", "rate_date"),
    "line": ("section", "period", "country_of_consumption", "supply", "ship_from_country", "deemed_supplier", "rate_kind",
             "rate_percent", "net_amount", "tax_amount", "transactions_count"),
    "correction": ("period", "country_of_consumption", "net_amount", "tax_amount", "transactions_count"),
    "total": ("country_of_consumption", "tax_amount", "lines_tax_amount", "corrections_tax_amount"),
    "warning": ("code", "detail"),
    "rejected": ("row", "id", "code", "detail"),
}


def _d(value: Decimal) -> str:
    return format(value, "f")


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _d(value)
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return neutralise(value) if isinstance(value, str) else value  # ledger ids and texts come from the upload


def csv_records(summary: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every part of the JSON answer as (record type, fields), in the order of :data:`CSV_RECORDS`."""
    yield "return", {
        "scheme": summary["scheme"], "period": summary["period"],
        "member_state_of_identification": summary["member_state_of_identification"], "currency": summary["currency"],
        "conversion_date": summary["conversion_date"], "tax_amount": summary["total_tax_amount"],
        "transactions_count": summary["transactions_count"], "rows_count": summary["rows_count"],
        "rejected_count": summary["rejected_count"],
    }
    for fx in summary["exchange_rates"]:
        yield "exchange_rate", {"period": fx["period"], "currency": fx["currency"], "exchange_rate": fx["rate"],
                                "rate_date": fx["date"]}
    for line in summary["lines"]:
        yield "line", {**line, "period": summary["period"]}
    for corr in summary["corrections"]:
        yield "correction", corr
    for total in summary["totals_by_country"]:
        yield "total", total
    for warning in summary["warnings"]:
        yield "warning", warning
    for rejected in summary["rejected"]:
        yield "rejected", rejected


def summary_csv(summary: dict[str, Any]) -> str:
    """The whole return as one CSV: a ``record`` column says what each row is (docs/oss.md, "CSV layout")."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    version = summary["rates_version"]
    for record, fields in csv_records(summary):
        wanted = CSV_RECORDS[record]
        writer.writerow([
            record if col == "record" else version if col == "rates_version" else _cell(fields.get(col)) if col in wanted else ""
            for col in CSV_COLUMNS
        ])
    return buf.getvalue()


# -- BZSt ----------------------------------------------------------------------------------------


def _bzst_ids(value: str) -> tuple[str, str]:
    """(VAT number, tax number): a value starting with two letters is a VAT number."""
    value = value.strip().replace(" ", "")
    if len(value) > 2 and value[:2].isalpha():
        return value.upper(), ""
    return "", value


def bzst_records(summary: dict[str, Any], *, establishment_vat_ids: dict[str, str] | None = None,
                 corrections: str = "refuse") -> list[list[list[str]]]:
    """The data records, grouped in one block per country of consumption (Satzart 1 first)."""
    if summary["scheme"] != "union" or summary["member_state_of_identification"] != "DE":
        raise UnsupportedScenario(
            "format=bzst is Germany's BZSt upload file for a Union OSS return identified in DE "
            f"(this is {summary['scheme']} identified in {summary['member_state_of_identification']}).",
            errors=[{"loc": ["format"], "msg": "bzst is only for a Union OSS return identified in DE"}],
        )
    if not summary["period"].count("Q"):
        raise UnsupportedScenario("format=bzst needs a quarterly period (the Union OSS return period), e.g. 2026-Q3.",
                                  errors=[{"loc": ["format"], "msg": "bzst needs a quarterly period, e.g. 2026-Q3"}])
    if summary["corrections"] and corrections != "manual":
        raise UnsupportedScenario(
            f"This return carries {len(summary['corrections'])} correction(s) of earlier periods, which the BZSt "
            "import file does not cover here (their record type is not verified). Enter them in the portal "
            "(format=html lists them) and ask again with bzst_corrections=manual for the file of this period's lines.",
            corrections=[{"period": c["period"], "country_of_consumption": c["country_of_consumption"],
                          "tax_amount": _d(c["tax_amount"])} for c in summary["corrections"]],
            errors=[{"loc": ["bzst_corrections"], "msg": "the return has corrections: enter them in the portal and "
                                                         "pass bzst_corrections=manual"}],
        )
    ids = {k.upper(): v for k, v in (establishment_vat_ids or {}).items()}
    problems: list[dict[str, Any]] = []
    blocks: dict[str, list[list[str]]] = {}
    for i, line in enumerate(summary["lines"]):
        net, tax = line["net_amount"], line["tax_amount"]
        if net == 0 and tax == 0:
            continue  # version 2.0 admits no zero values
        where = f"{line['country_of_consumption']} {_d(line['rate_percent'])} % ({line['section']})"
        if net <= 0 or tax < 0:
            problems.append({"loc": ["format", "lines", i], "msg": f"{where}: negative or zero taxable amount cannot be uploaded; "
                                                          "refunds of earlier periods are corrections (original_period)"})
            continue
        kind = _BZST_KIND.get(line["rate_kind"] or "")
        if kind is None:
            problems.append({"loc": ["format", "lines", i, "rate_kind"], "msg": f"{where}: rate type unknown "
                                                                       f"({line['rate_kind'] or 'no rate table for this rate'}); "
                                                                       "the file needs STANDARD or REDUCED"})
            continue
        cc = BZST_COUNTRY_CODES.get(line["country_of_consumption"], line["country_of_consumption"])
        record = _BZST_RECORD[line["section"]]
        tail = [kind, _d(line["rate_percent"]), f"{net:.2f}", f"{tax:.2f}"]
        if record in ("2", "3"):
            fields = [record, cc, *tail]
        else:
            origin = line["ship_from_country"]
            if origin not in ids:
                problems.append({"loc": ["establishment_vat_ids", origin], "msg": f"{where}: the VAT number (or tax number) "
                                                                                    f"in {origin} is needed for this line"})
                continue
            vat_no, tax_no = _bzst_ids(ids[origin])
            origin_code = BZST_COUNTRY_CODES.get(origin, origin)
            if record == "4":
                fields = [record, cc, origin_code, vat_no, tax_no, *tail]
            else:
                flag = "2" if line["deemed_supplier"] else "1"
                fields = [record, cc, flag, origin_code, vat_no, tax_no, *tail]
        blocks.setdefault(cc, [["1", cc]]).append(fields)
    if problems:
        raise ValidationFailed(
            "The return cannot be written as a BZSt file: " + "; ".join(p["msg"] for p in problems[:5]),
            errors=problems,
        )
    return [blocks[cc] for cc in sorted(blocks)]


def bzst_files(summary: dict[str, Any], *, establishment_vat_ids: dict[str, str] | None = None,
               corrections: str = "refuse", max_lines: int = BZST_MAX_DATA_LINES) -> list[tuple[str, str]]:
    """One or more ``(file name, content)``: at most ``max_lines`` data lines each.

    Countries are kept whole in one file where they fit; a country with more lines than fit is
    continued in the next file under a repeated Satzart-1 line.
    """
    blocks = bzst_records(summary, establishment_vat_ids=establishment_vat_ids, corrections=corrections)
    files: list[list[list[str]]] = []
    current: list[list[str]] = []
    for block in blocks:
        if current and len(current) + len(block) > max_lines:
            files.append(current)
            current = []
        head, body = block[0], block[1:]
        if len(block) <= max_lines - len(current):
            current.extend(block)
            continue
        step = max_lines - 1
        for start in range(0, len(body), step):
            part = [head, *body[start:start + step]]
            if current and len(current) + len(part) > max_lines:
                files.append(current)
                current = []
            current.extend(part)
    if current or not files:
        files.append(current)
    base = f"OSS_{summary['member_state_of_identification']}_{summary['period']}"
    out = []
    for n, records in enumerate(files, start=1):
        name = f"{base}.csv" if len(files) == 1 else f"{base}_{n}-of-{len(files)}.csv"
        text = BZST_VERSION_LINE + "\r\n" + "".join(",".join(r) + "\r\n" for r in records)
        out.append((name, text))
    return out


def zip_files(files: list[tuple[str, str]]) -> bytes:
    """A deterministic zip (fixed timestamps): the same return gives the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


# -- human-readable --------------------------------------------------------------------------

SECTION_TITLES = {
    "services_from_msi": "Services supplied from the Member State of identification (BZSt: Dienstleistungen)",
    "goods_from_msi": "Distance sales of goods dispatched from the Member State of identification (BZSt: Warenlieferungen vom Inland aus)",
    "services_from_fixed_establishment": "Services supplied from fixed establishments in other Member States (BZSt: feste Niederlassung)",
    "goods_from_other_ms": "Distance sales of goods dispatched from other Member States (BZSt: aus anderen Mitgliedstaaten)",
    "deemed_supplier_domestic": "Deemed-supplier supplies where dispatch begins and ends in the same Member State (Art. 14a(2))",
    "services": "Services (non-Union OSS)",
    "imported_goods": "Distance sales of imported goods (IOSS)",
}
SCHEME_TITLES = {"union": "Union OSS", "non_union": "non-Union OSS", "ioss": "Import OSS (IOSS)"}


def _table(head: list[str], rows: list[list[str]], numeric_from: int) -> str:
    out = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for r in rows:
        cells = "".join(
            f"<td class=\"num\">{html.escape(c)}</td>" if i >= numeric_from else f"<td>{html.escape(c)}</td>"
            for i, c in enumerate(r)
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


def summary_html(summary: dict[str, Any]) -> str:
    """A page a person can hold next to the filing portal: same order, same figures, EUR."""
    e = html.escape
    title = f"{SCHEME_TITLES[summary['scheme']]} return {summary['period']} — identified in {summary['member_state_of_identification']}"
    parts = [
        "<!DOCTYPE html>",
        "<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:.5em 0 1.5em}"
        "th,td{border:1px solid #999;padding:.2em .6em}td.num{text-align:right;font-variant-numeric:tabular-nums}"
        "th{background:#eee}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p>All amounts in EUR. Rates version <code>{e(summary['rates_version'])}</code>. "
        f"{summary['transactions_count']} transactions summed, {summary['rejected_count']} rejected "
        f"(of {summary['rows_count']} rows).</p>",
    ]
    if summary["exchange_rates"]:
        parts.append("<h2>ECB exchange rates used</h2>")
        parts.append(_table(
            ["period", "currency", "rate (per 1 EUR)", "ECB date"],
            [[x["period"], x["currency"], _d(x["rate"]), x["date"].isoformat()] for x in summary["exchange_rates"]], 2,
        ))
    by_section: dict[str, list[dict[str, Any]]] = {}
    for line in summary["lines"]:
        by_section.setdefault(line["section"], []).append(line)
    for section, lines in by_section.items():
        parts.append(f"<h2>{e(SECTION_TITLES[section])}</h2>")
        with_origin = section in ("services_from_fixed_establishment", "goods_from_other_ms", "deemed_supplier_domestic")
        head = ["country of consumption"] + (["from"] if with_origin else []) + ["rate type", "rate %", "taxable amount", "VAT"]
        rows = []
        for line in lines:
            row = [line["country_of_consumption"]]
            if with_origin:
                row.append(line["ship_from_country"] + (" (deemed supplier)" if line["deemed_supplier"] else ""))
            row += [line["rate_kind"] or "?", _d(line["rate_percent"]), _d(line["net_amount"]), _d(line["tax_amount"])]
            rows.append(row)
        parts.append(_table(head, rows, len(head) - 3))
    if summary["corrections"]:
        parts.append("<h2>Corrections of earlier returns</h2>")
        parts.append(_table(
            ["period", "country of consumption", "VAT correction"],
            [[c["period"], c["country_of_consumption"], _d(c["tax_amount"])] for c in summary["corrections"]], 2,
        ))
    parts.append("<h2>VAT due per Member State of consumption</h2>")
    parts.append(_table(
        ["country", "this period", "corrections", "VAT due"],
        [[t["country_of_consumption"], _d(t["lines_tax_amount"]), _d(t["corrections_tax_amount"]), _d(t["tax_amount"])]
         for t in summary["totals_by_country"]]
        + [["Total", "", "", _d(summary["total_tax_amount"])]], 1,
    ))
    if summary["warnings"]:
        parts.append("<h2>Warnings</h2><ul>")
        parts += [f"<li><code>{e(w['code'])}</code>: {e(w['detail'])}</li>" for w in summary["warnings"]]
        parts.append("</ul>")
    if summary["rejected"]:
        parts.append(f"<h2>Rejected rows ({summary['rejected_count']})</h2>")
        parts.append(_table(["row", "id", "code", "reason"],
                            [[str(r["row"]), r["id"] or "", r["code"], r["detail"]] for r in summary["rejected"][:1000]], 99))
    parts.append("</body></html>\n")
    return "\n".join(parts)
