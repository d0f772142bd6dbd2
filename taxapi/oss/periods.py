"""Return periods of the special schemes: calendar quarters (``2026-Q3``) and months (``2026-07``).

Union and non-Union OSS returns are quarterly (VAT Directive Art. 364, 369f); IOSS returns are
monthly (Art. 369s). The schemes apply from 1 July 2021 (Directive (EU) 2017/2455 as amended by
Council Decision (EU) 2020/1109), so the first return period is 2021-Q3 / 2021-07.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

PERIOD_PATTERN = r"^[0-9]{4}-(Q[1-4]|0[1-9]|1[0-2])$"
_PERIOD_RE = re.compile(PERIOD_PATTERN)
FIRST_DAY = date(2021, 7, 1)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    start: date
    end: date  # inclusive
    quarterly: bool

    @property
    def text(self) -> str:
        if self.quarterly:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    def quarter(self) -> "Period":
        """The calendar quarter containing this period."""
        q = (self.start.month - 1) // 3
        return _quarter(self.start.year, q + 1)

    def month_of(self, day: date) -> "Period":
        return _month(day.year, day.month)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.text


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _quarter(year: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(date(year, first, 1), _month_end(year, first + 2), True)


def _month(year: int, month: int) -> Period:
    return Period(date(year, month, 1), _month_end(year, month), False)


def parse_period(text: str) -> Period:
    """``2026-Q3`` or ``2026-07``; ValueError with the reason otherwise.

    >>> parse_period("2024-Q1").end
    datetime.date(2024, 3, 31)
    >>> parse_period("2026-13")
    Traceback (most recent call last):
    ...
    ValueError: must be a calendar quarter (2026-Q3) or month (2026-07)
    """
    if not isinstance(text, str) or not _PERIOD_RE.match(text.strip()):
        raise ValueError("must be a calendar quarter (2026-Q3) or month (2026-07)")
    year_s, rest = text.strip().split("-")
    year = int(year_s)
    if year < 1:
        raise ValueError("must be a calendar quarter (2026-Q3) or month (2026-07)")
    if rest.startswith("Q"):
        return _quarter(year, int(rest[1]))
    return _month(year, int(rest))
