"""Reference data: rates in force, categories, jurisdictions. No FastAPI here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from taxapi.categories import CATEGORY_DESCRIPTIONS, NUMERIC_KINDS, Category, RateKind
from taxapi.money import fmt_percent
from taxapi.rate_tables.model import Jurisdiction, RateBook

KIND_COLUMNS = [k for k in RateKind if k in NUMERIC_KINDS]


def levels(book: RateBook, j: Jurisdiction) -> list[tuple[Jurisdiction, str]]:
    """The jurisdictions whose rates add up for ``j``: a Canadian province adds the federal GST."""
    if j.regime == "ca_provincial" and j.parent:
        return [(book.get(j.parent), "federal"), (j, "provincial")]
    if j.regime == "ca_gst":
        return [(j, "federal")]
    if j.regime == "us_sales_tax":
        return [(j, "state")]
    return [(j, "national" if j.parent is None else "territory")]


def rate_answer(book: RateBook, j: Jurisdiction, category: Category, day: date) -> dict[str, Any]:
    parts = []
    total = Decimal(0)
    main = None
    for level_j, level in levels(book, j):
        found = level_j.lookup(category, day)
        total += found.rate_percent
        parts.append(
            {
                "jurisdiction": level_j.id,
                "level": level,
                "rate_kind": found.rate_kind.value,
                "rate_percent": fmt_percent(found.rate_percent),
                "source": found.source,
            }
        )
        main = found if level_j is j else main
    assert main is not None
    period = j.period_on(day)
    return {
        "rates_version": book.version,
        "jurisdiction": j.id,
        "name": j.name,
        "tax_name": j.tax_name,
        "currency": j.currency,
        "date": day.isoformat(),
        "category": category.value,
        "rate_kind": main.rate_kind.value,
        "rate_percent": fmt_percent(total),
        "source": main.source,
        "category_source": main.category_source,
        "effective_from": main.effective_from.isoformat(),
        "effective_to": main.effective_to.isoformat() if main.effective_to else None,
        "rates": {k.value: fmt_percent(v) for k, v in period.rates_percent.items()},
        "breakdown": parts if len(parts) > 1 else [],
        "note": period.note,
    }


def rates_table(book: RateBook, day: date, country: str | None) -> list[dict[str, Any]]:
    rows = []
    cc = country.strip().upper() if country else None
    for j in book.jurisdictions.values():
        if cc and j.country != cc and all(m.country != cc for m in j.match):
            continue
        if day < j.starts_on:
            continue
        period = j.period_on(day)
        row: dict[str, Any] = {
            "jurisdiction": j.id,
            "name": j.name,
            "country": j.country,
            "currency": j.currency,
            "regime": j.regime,
            "tax_name": j.tax_name,
        }
        for kind in KIND_COLUMNS:
            value = period.rates_percent.get(kind)
            row[kind.value] = fmt_percent(value) if value is not None else None
        row["effective_from"] = period.effective_from.isoformat()
        row["source"] = period.source
        rows.append(row)
    return rows


def categories_table(book: RateBook, day: date, jurisdiction: str | None) -> list[dict[str, Any]]:
    js = [book.get(jurisdiction)] if jurisdiction else list(book.jurisdictions.values())
    out = []
    for cat in Category:
        mapping = {}
        for j in js:
            if day < j.starts_on:
                continue
            found = j.lookup(cat, day)
            mapping[j.id] = {"rate_kind": found.rate_kind.value, "rate_percent": fmt_percent(found.rate_percent)}
        out.append({"category": cat.value, "description": CATEGORY_DESCRIPTIONS[cat], "jurisdictions": mapping})
    return out


def jurisdictions_list(book: RateBook) -> list[dict[str, Any]]:
    out = []
    for j in book.jurisdictions.values():
        latest = j.periods[-1]
        out.append(
            {
                "jurisdiction": j.id,
                "name": j.name,
                "country": j.country,
                "parent": j.parent,
                "currency": j.currency,
                "regime": j.regime,
                "tax_name": j.tax_name,
                "tax_type": j.tax_type,
                "table_starts": j.starts_on.isoformat(),
                "source": latest.source,
                "file": j.file,
                "match": [
                    {
                        "country": m.country,
                        "region": m.region,
                        "postal_code": m.postal_code.pattern if m.postal_code else None,
                        "city": list(m.cities) if m.cities else None,
                    }
                    for m in j.match
                ],
            }
        )
    return out


def jurisdictions_markdown(book: RateBook) -> str:
    """The README's supported-jurisdictions block (kept true by tests/test_readme.py)."""
    lines = [
        f"We currently support {len(book.jurisdictions)} jurisdictions.",
        "",
        "| jurisdiction | name | tax | currency | table starts |",
        "|---|---|---|---|---|",
    ]
    for j in book.jurisdictions.values():
        lines.append(f"| `{j.id}` | {j.name} | {j.tax_name} | {j.currency} | {j.starts_on.isoformat()} |")
    return "\n".join(lines)
