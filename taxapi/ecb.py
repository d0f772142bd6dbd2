"""ECB euro reference rates, shipped with the package and refreshable.

The ECB publishes one reference rate per currency and TARGET business day,
quoted as units of currency per 1 EUR. Two lookups are needed:

* :meth:`EcbRates.on_or_after` — the rate of a day, or of the next day with a
  publication: OSS/IOSS returns are converted at the rate of the last day of
  the period, "or, if there is no publication on that day, on the next day of
  publication" (VAT Directive Art. 366(2), 369h, 369u).
* :meth:`EcbRates.on_or_before` — the latest rate published on or before a
  day: the "latest selling rate recorded" when tax becomes chargeable
  (Art. 91(2)), used for threshold counters and currency thresholds.
"""

from __future__ import annotations

import bisect
import csv
import io
import os
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from taxapi.errors import ExchangeRateNotFound
from taxapi.rate_tables.loader import default_rates_dir

ECB_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
#: How to bring the shipped history up to date, online or on a machine without internet access.
REFRESH_HINT = (
    "Refresh it with `taxapi ecb refresh` (downloads the current history from the ECB), or offline: download "
    f"{ECB_URL} on a machine that can reach it, copy the file over and run "
    "`taxapi ecb refresh --source eurofxref-hist.zip`."
)
EUR = "EUR"


@dataclass(frozen=True, slots=True)
class FxRate:
    currency: str
    rate: Decimal  # units of currency per 1 EUR
    date: date  # publication date of the rate used


def default_ecb_file() -> Path:
    env = os.environ.get("TAXAPI_ECB_FILE")
    if env:
        return Path(env)
    return default_rates_dir() / "ecb" / "eurofxref-hist.zip"


def parse_ecb_csv(text: str) -> dict[str, tuple[tuple[date, ...], tuple[Decimal, ...]]]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader)]
    columns: dict[str, list[tuple[date, Decimal]]] = {h: [] for h in header[1:] if h}
    for row in reader:
        if not row or not row[0].strip():
            continue
        day = date.fromisoformat(row[0].strip())
        for name, cell in zip(header[1:], row[1:]):
            cell = cell.strip()
            if not name or not cell or cell == "N/A":
                continue
            columns[name].append((day, Decimal(cell)))
    out: dict[str, tuple[tuple[date, ...], tuple[Decimal, ...]]] = {}
    for name, points in columns.items():
        if not points:
            continue
        points.sort()
        out[name] = (tuple(p[0] for p in points), tuple(p[1] for p in points))
    return out


def read_ecb_file(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [n for n in zf.namelist() if n.endswith(".csv")]
            if not names:
                raise ValueError(f"{path}: no CSV file inside the archive")
            return zf.read(names[0]).decode("utf-8")
    return data.decode("utf-8")


class EcbRates:
    """Immutable ECB reference-rate history."""

    def __init__(self, series: dict[str, tuple[tuple[date, ...], tuple[Decimal, ...]]], source: str):
        self._series = series
        self.source = source
        self.first_date = min(s[0][0] for s in series.values())
        self.last_date = max(s[0][-1] for s in series.values())

    @classmethod
    def from_file(cls, path: Path) -> "EcbRates":
        return cls(parse_ecb_csv(read_ecb_file(path)), source=ECB_URL)

    def currencies(self) -> list[str]:
        return sorted([EUR, *self._series])

    def supports(self, currency: str) -> bool:
        return currency == EUR or currency in self._series

    def _get(self, currency: str) -> tuple[tuple[date, ...], tuple[Decimal, ...]]:
        try:
            return self._series[currency]
        except KeyError:
            raise ExchangeRateNotFound(
                f"The ECB publishes no reference rate for {currency}.", currency=currency
            ) from None

    def on_or_after(self, currency: str, day: date) -> FxRate:
        """Rate of ``day`` or of the next day with a publication (OSS conversion)."""
        if currency == EUR:
            return FxRate(EUR, Decimal(1), day)
        days, rates = self._get(currency)
        i = bisect.bisect_left(days, day)
        if i >= len(days):
            raise ExchangeRateNotFound(
                f"No ECB rate for {currency} on or after {day.isoformat()}: the shipped ECB data ends on "
                f"{days[-1].isoformat()}. {REFRESH_HINT}",
                currency=currency, date=day.isoformat(),
            )
        return FxRate(currency, rates[i], days[i])

    def on_or_before(self, currency: str, day: date, *, strict: bool = True) -> FxRate:
        """Latest rate published on or before ``day`` (Art. 91(2) "latest rate recorded").

        With ``strict`` (the default) a day after the end of the shipped data is an error; without it
        the last published rate is returned and the caller must say it is stale (``fx.date``).
        """
        if currency == EUR:
            return FxRate(EUR, Decimal(1), day)
        days, rates = self._get(currency)
        if strict and day > self.last_date:
            raise ExchangeRateNotFound(
                f"No ECB rate for {currency} on {day.isoformat()}: the shipped ECB data ends on "
                f"{self.last_date.isoformat()}. {REFRESH_HINT}",
                currency=currency, date=day.isoformat(),
            )
        i = bisect.bisect_right(days, day) - 1
        if i < 0:
            raise ExchangeRateNotFound(
                f"No ECB rate for {currency} on or before {day.isoformat()} (series starts {days[0].isoformat()}).",
                currency=currency, date=day.isoformat(),
            )
        return FxRate(currency, rates[i], days[i])

    @staticmethod
    def to_eur(amount: Decimal, fx: FxRate) -> Decimal:
        """Unrounded EUR value of ``amount`` (currency units ÷ rate)."""
        return amount / fx.rate

    @staticmethod
    def from_eur(amount_eur: Decimal, fx: FxRate) -> Decimal:
        return amount_eur * fx.rate


@lru_cache(maxsize=1)
def get_ecb_rates() -> EcbRates:
    return EcbRates.from_file(default_ecb_file())


def refresh(source: str = ECB_URL, dest: Path | None = None) -> tuple[Path, date]:
    """Download (or copy) an ECB history file, validate it, then replace ``dest`` atomically."""
    import urllib.request

    dest = Path(dest or default_ecb_file())
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=60) as resp:  # noqa: S310 - fixed ECB URL or caller's choice
            data = resp.read()
    else:
        data = Path(source).read_bytes()
    tmp = dest.with_suffix(dest.suffix + ".new")
    tmp.write_bytes(data)
    try:
        rates = EcbRates.from_file(tmp)
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"not a valid ECB reference-rate file: {exc}") from exc
    tmp.replace(dest)
    get_ecb_rates.cache_clear()
    return dest, rates.last_date
