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
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

from taxapi.errors import ExchangeRateNotFound
from taxapi.rate_tables.loader import PACKAGE_DIR, default_rates_dir
from taxapi.settings import get_settings

ECB_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
#: How to bring the shipped history up to date, online or on a machine without internet access.
REFRESH_HINT = (
    "Refresh it with `taxapi ecb refresh` (downloads the current history from the ECB into TAXAPI_DATA_DIR), "
    f"or offline: download {ECB_URL} on a machine that can reach it, copy the file over and run "
    "`taxapi ecb refresh --source eurofxref-hist.zip`."
)
EUR = "EUR"
ECB_FILE = "eurofxref-hist.zip"
ECB_CSV = "eurofxref-hist.csv"


class EcbDataError(ValueError):
    """An ECB history that cannot be read, downloaded or stored; the message is one line and quotes no file content."""


@dataclass(frozen=True, slots=True)
class FxRate:
    currency: str
    rate: Decimal  # units of currency per 1 EUR
    date: date  # publication date of the rate used


class GivenRate(Protocol):
    """A rate the caller sends for a conversion the ECB rates cannot make (``exchange_rates`` of
    ``/v1/calculate`` and ``/v1/thresholds``: :class:`taxapi.orders.schemas.ExchangeRate`)."""

    @property
    def from_currency(self) -> str: ...
    @property
    def to_currency(self) -> str: ...
    @property
    def rate(self) -> Decimal: ...  # units of to_currency per from_currency, positive
    @property
    def date(self) -> date | None: ...  # first day it applies; None: every day


@dataclass(frozen=True, slots=True)
class GivenMatch:
    index: int  # in the caller's list
    rate: Decimal  # units of the wanted target per unit of the wanted source
    inverse: bool  # the caller gave the pair the other way round (rate is 1 / the given rate)


class GivenRates:
    """The caller's rates indexed by pair, for :meth:`lookup` on many days (a ledger): of the rates given
    for a pair, either way round, the latest dated on or before the day; an undated one applies on every
    day and a dated one wins over it; a caller's rate is used only where the ECB rates cannot make the
    conversion (the callers check that first): it never replaces a published one."""

    def __init__(self, rates: Sequence[GivenRate]):
        self.rates = rates
        by_pair: dict[tuple[str, str], list[tuple[date, int]]] = {}
        for i, given in enumerate(rates):
            by_pair.setdefault((given.from_currency, given.to_currency), []).append((given.date or date.min, i))
        # per pair: start days ascending, the first rate given for a (pair, day) kept
        self._index = {pair: (tuple(d for d, _ in v), tuple(i for _, i in v))
                       for pair, v in ((p, sorted(dict(reversed(v)).items())) for p, v in by_pair.items())}

    def _latest(self, pair: tuple[str, str], day: date) -> tuple[date, int] | None:
        found = self._index.get(pair)
        if found is None:
            return None
        starts, indices = found
        k = bisect.bisect_right(starts, day) - 1
        return (starts[k], indices[k]) if k >= 0 else None

    def lookup(self, src: str, to: str, day: date) -> GivenMatch | None:
        direct, inverse = self._latest((src, to), day), self._latest((to, src), day)
        if direct is None and inverse is None:
            return None
        if inverse is None or (direct is not None and (direct[0], -direct[1]) > (inverse[0], -inverse[1])):
            assert direct is not None
            return GivenMatch(direct[1], self.rates[direct[1]].rate, False)
        return GivenMatch(inverse[1], 1 / self.rates[inverse[1]].rate, True)


def given_rate(rates: Sequence[GivenRate], src: str, to: str, day: date) -> GivenMatch | None:
    """The caller's rate from ``src`` to ``to`` for a conversion on ``day`` (:class:`GivenRates`), or None."""
    return GivenRates(rates).lookup(src, to, day)


def default_ecb_file() -> Path:
    """``TAXAPI_ECB_FILE``; else the refreshed copy in ``TAXAPI_DATA_DIR``; else the one beside the rate tables."""
    settings = get_settings()
    if settings.ecb_file is not None:
        return settings.ecb_file
    if settings.data_dir is not None:
        refreshed = settings.data_dir / "ecb" / ECB_FILE
        if refreshed.is_file():
            return refreshed
    return default_rates_dir() / "ecb" / ECB_FILE


def override_fingerprint() -> str | None:
    """A short hash of the ECB history in use when it is not the one beside the rate tables
    (``TAXAPI_ECB_FILE``, or a refresh in ``TAXAPI_DATA_DIR``), else None. It goes into ``rates_version``:
    OSS returns and thresholds convert with these rates, so other rates must be another version."""
    import hashlib

    path = default_ecb_file()
    if path == default_rates_dir() / "ecb" / ECB_FILE or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


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
    return ecb_csv_text(path.read_bytes(), str(path))


def ecb_csv_text(data: bytes, name: str) -> str:
    """The CSV text of an ECB history given as the ZIP the ECB publishes or as its CSV."""
    try:
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = [n for n in zf.namelist() if n.endswith(".csv")]
                if not names:
                    raise EcbDataError(f"{name}: no CSV file inside the archive")
                data = zf.read(names[0])
        return data.decode("utf-8-sig")
    except (zipfile.BadZipFile, UnicodeDecodeError, OSError, EOFError) as exc:
        raise EcbDataError(f"{name}: not an ECB reference-rate file ({exc.__class__.__name__})") from None


def parse_ecb_data(data: bytes, name: str) -> dict[str, tuple[tuple[date, ...], tuple[Decimal, ...]]]:
    """Parse and check an ECB history; a file that is not one raises :class:`EcbDataError` naming only ``name``."""
    text = ecb_csv_text(data, name)
    try:
        series = parse_ecb_csv(text)
    except (ValueError, ArithmeticError, StopIteration, csv.Error, KeyError, IndexError):
        series = {}
    if not series:
        raise EcbDataError(
            f"{name}: not an ECB reference-rate file (expected the eurofxref-hist CSV or ZIP: a Date column "
            "of YYYY-MM-DD days and one column of rates per currency)"
        )
    return series


class EcbRates:
    """Immutable ECB reference-rate history."""

    def __init__(self, series: dict[str, tuple[tuple[date, ...], tuple[Decimal, ...]]], source: str):
        self._series = series
        self.source = source
        self.first_date = min(s[0][0] for s in series.values())
        self.last_date = max(s[0][-1] for s in series.values())

    @classmethod
    def from_file(cls, path: Path) -> "EcbRates":
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise EcbDataError(f"{path}: cannot be read ({exc.strerror or exc.__class__.__name__})") from None
        return cls(parse_ecb_data(data, str(path)), source=ECB_URL)

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


def refresh_destination(dest: Path | None = None) -> Path:
    """Where a refresh writes: ``dest``, else ``TAXAPI_DATA_DIR/ecb/eurofxref-hist.zip``; never into the package."""
    if dest is None:
        data_dir = get_settings().data_dir
        if data_dir is None:
            raise EcbDataError(
                "set TAXAPI_DATA_DIR (or give --dest) to say where the refreshed ECB history is kept; "
                "the installed package is never written to"
            )
        dest = data_dir / "ecb" / ECB_FILE
    dest = Path(dest)
    if dest.resolve().is_relative_to(PACKAGE_DIR.resolve()):
        raise EcbDataError(f"{dest}: is inside the installed package; refresh into TAXAPI_DATA_DIR instead")
    if dest.suffix.lower() not in (".zip", ".csv"):
        raise EcbDataError(f"{dest}: the file name must end in .zip or .csv")
    return dest


def fetch_ecb_data(source: str, timeout: float = 60) -> bytes:
    """The bytes of an ECB history from a URL or a local file; a failure is one line."""
    import urllib.error
    import urllib.request

    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=timeout) as resp:  # noqa: S310 - fixed ECB URL or caller's choice
                return resp.read()
        except urllib.error.HTTPError as exc:
            raise EcbDataError(f"cannot download {source}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise EcbDataError(f"cannot download {source}: {reason} (offline? give --source FILE)") from None
    path = Path(source)
    if not path.is_file():
        raise EcbDataError(f"{source}: no such file" if not path.exists() else f"{source}: is not a file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise EcbDataError(f"{source}: cannot be read ({exc.strerror or exc.__class__.__name__})") from None


def refresh(source: str = ECB_URL, dest: Path | None = None) -> tuple[Path, date]:
    """Download (or copy) an ECB history, validate it, then replace ``dest`` atomically.

    The file is stored in the form its name says: a CSV source is zipped for a ``.zip`` destination (the
    default) and a ZIP's CSV extracted for a ``.csv`` one, so a file's name never lies about its content.
    """
    dest = refresh_destination(dest)
    data = fetch_ecb_data(source)
    rates = EcbRates(parse_ecb_data(data, source), source=ECB_URL)
    if dest.suffix.lower() == ".zip" and data[:2] != b"PK":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(ECB_CSV, data)
        data = buf.getvalue()
    elif dest.suffix.lower() == ".csv" and data[:2] == b"PK":
        data = ecb_csv_text(data, source).encode("utf-8")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".new")
        tmp.write_bytes(data)
        tmp.replace(dest)
    except OSError as exc:
        raise EcbDataError(f"{dest}: cannot be written ({exc.strerror or exc.__class__.__name__})") from None
    get_ecb_rates.cache_clear()
    return dest, rates.last_date
