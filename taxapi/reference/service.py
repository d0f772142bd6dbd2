"""Reference data: rates in force, categories, jurisdictions. No FastAPI here."""

from __future__ import annotations

from datetime import date
from typing import Any

from taxapi.categories import CATEGORY_DESCRIPTIONS, NUMERIC_KIND_ORDER, Category
from taxapi.money import fmt_percent
from taxapi.rate_tables.combined import combined_rate
from taxapi.rate_tables.model import Jurisdiction, RateBook



def rate_answer(book: RateBook, j: Jurisdiction, category: Category, day: date) -> dict[str, Any]:
    """``GET /v1/rates/{jurisdiction}``: the combined rate, as ``/v1/calculate`` and ``/v1/price`` apply it."""
    rate = combined_rate(book, j, category, day)
    own = rate.own
    assert own is not None
    period = j.period_on(day)
    return {
        "rates_version": book.version,
        "jurisdiction": j.id,
        "name": j.name,
        "tax_name": j.tax_name,
        "currency": j.currency,
        "date": day.isoformat(),
        "category": category.value,
        "rate_kind": rate.rate_kind.value,
        "rate_percent": str(rate.rate_percent),
        "source": rate.source,
        "category_source": own.category_source,
        "effective_from": own.effective_from.isoformat(),
        "effective_to": own.effective_to.isoformat() if own.effective_to else None,
        "rates": {k.value: fmt_percent(v) for k, v in period.rates_percent.items()},
        "breakdown": [
            {"jurisdiction": lv.jurisdiction, "level": lv.level, "rate_kind": lv.rate_kind.value,
             "rate_percent": str(lv.rate_percent), "source": lv.source}
            for lv in rate.levels
        ] if len(rate.levels) > 1 else [],
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
        for kind in NUMERIC_KIND_ORDER:
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
            if day < j.starts_on or not j.maps(cat):  # an optional category only where a table maps it
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
                        "note": m.note,
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
