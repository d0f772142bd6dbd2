"""Importers from public US rate files into the local-table format (:mod:`taxapi.us_local.store`).

Each reads its input files as a stream (one CSV record at a time; only the deduplicated jurisdictions
stay in memory), reports progress through a callback, writes the import directory atomically, and
raises :class:`~taxapi.errors.InvalidRateTable` naming the input file, line and column on the first
bad record, leaving nothing behind. Rates are parsed from their text as ``Decimal``, never as floats.

- :func:`import_zip5`: the common public 9-column ZIP5 layout (``State, ZipCode, TaxRegionName,
  EstimatedCombinedRate, StateRate, EstimatedCountyRate, EstimatedCityRate, EstimatedSpecialRate,
  RiskLevel``), e.g. the monthly ``TAXRATES_ZIP5_<ST><YYYYMM>.csv`` tables. Their rates are floats
  written as text with artefacts (``0.048499`` for 4.85 %), so every rate is rounded half-up to five
  decimal places of the fraction; the parts must then add up to the combined rate exactly.
- :func:`import_sst`: the Streamlined Sales Tax rate file and boundary files (headerless CSV; ZIP5
  ``Z``, ZIP+4 ``4`` and address ``A`` records, dated, with special-district triplets).
- :func:`import_cdtfa`: CDTFA's "Effective Sales and Use Tax Rates" table of California cities and
  counties (rates without boundaries).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Iterator

from taxapi.errors import InvalidRateTable
from taxapi.money import fmt_percent
from taxapi.us_local.model import BoundaryRecord, Level, LocalJurisdiction, RecordKind
from taxapi.us_local.store import ImportWriter

#: progress(bytes_done, bytes_total, records_done)
ProgressFn = Callable[[int, int, int], None]

HUNDRED = Decimal(100)
FIVE_PLACES = Decimal("0.00001")
ZIP5_HEADER = ["State", "ZipCode", "TaxRegionName", "EstimatedCombinedRate", "StateRate", "EstimatedCountyRate",
               "EstimatedCityRate", "EstimatedSpecialRate", "RiskLevel"]
_ZIP5_PARTS = ((Level.state, 4), (Level.county, 5), (Level.city, 6), (Level.special, 7))
_RATE_TEXT = re.compile(r"^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$")
_YYYYMM = re.compile(r"(\d{4})(\d{2})\.csv$", re.IGNORECASE)
_SST_QUARTER = re.compile(r"(\d{4})Q([1-4])", re.IGNORECASE)
_CDTFA_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{2})\.csv$", re.IGNORECASE)

#: ISO 3166-2:US codes by FIPS state code (FIPS PUB 5-2 / ANSI INCITS 38), as used by SST files.
STATE_BY_FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE", "11": "DC",
    "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA", "20": "KS", "21": "KY",
    "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT",
    "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND", "39": "OH",
    "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT",
    "50": "VT", "51": "VA", "53": "WA", "54": "WV", "55": "WI", "56": "WY", "72": "PR",
}
STATES = frozenset(STATE_BY_FIPS.values())

#: SST jurisdiction type codes with a fixed meaning; every other type is a special district.
SST_STATE, SST_COUNTY, SST_CITY = "45", "00", "01"
_SST_OPEN_ENDS = {"29991231", "99991231"}
SST_BOUNDARY_MIN_COLUMNS = 89


@dataclass(frozen=True)
class ImportSummary:
    path: Path
    effective_from: date
    states: tuple[str, ...]
    jurisdictions: int
    boundaries: int
    skipped: str | None = None  # what the importer left out, in words


class _Input:
    """One input file read as CSV records, with its sha256 and byte position for the progress bar."""

    def __init__(self, path: Path, done_before: int, total: int, progress: ProgressFn | None,
                 counter: list[int] | None = None):
        self.path = Path(path)
        self.counter = counter if counter is not None else [0]
        self.name = self.path.name
        self.digest = hashlib.sha256()
        self.done_before = done_before
        self.total = total
        self.progress = progress
        self.records = 0

    def fail(self, line: int, column: str, msg: str) -> InvalidRateTable:
        return InvalidRateTable(self.name, f"line {line}: {column}" if column else f"line {line}", msg)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        try:
            raw = open(self.path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise InvalidRateTable(self.name, "(file)", f"cannot be read: {exc.strerror}") from None
        digest = self.digest

        class _Hashing(io.RawIOBase):
            def readable(self) -> bool:
                return True

            def readinto(self, b) -> int:  # type: ignore[override]
                n = raw.readinto(b)
                if n:
                    digest.update(memoryview(b)[:n])
                return n or 0

        stream = io.BufferedReader(_Hashing(), 1 << 16)
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            for row in reader:
                self.records += 1
                self.counter[0] += 1
                if self.progress is not None and self.records % 2000 == 0:
                    self.progress(self.done_before + raw.tell(), self.total, self.counter[0])
                yield reader.line_num, row
        except UnicodeDecodeError:
            raise InvalidRateTable(self.name, f"line {reader.line_num + 1}", "not UTF-8 text") from None
        except csv.Error as exc:
            raise InvalidRateTable(self.name, f"line {reader.line_num}", f"malformed CSV: {exc}") from None
        finally:
            raw.close()

    def manifest_entry(self) -> dict[str, object]:
        return {"file": self.name, "sha256": self.digest.hexdigest(), "rows": self.records}


def _inputs(paths: list[Path], progress: ProgressFn | None) -> Iterator[_Input]:
    sizes = []
    for p in paths:
        try:
            sizes.append(Path(p).stat().st_size)
        except OSError as exc:
            raise InvalidRateTable(Path(p).name, "(file)", f"cannot be read: {exc.strerror}") from None
    total = sum(sizes)
    done = 0
    counter = [0]
    for p, size in zip(paths, sizes):
        yield _Input(p, done, total, progress, counter)
        done += size
    if progress is not None:
        progress(total, total, counter[0])


def fraction_text(text: str, inp: _Input, line: int, column: str) -> Decimal:
    """A rate written as a fraction (``0.0887500``, ``7.7499999999999999E-2``) as an exact Decimal."""
    s = text.strip()
    if not _RATE_TEXT.match(s):
        raise inp.fail(line, column, f"'{text}' is not a rate (a decimal fraction such as 0.0625)")
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise inp.fail(line, column, f"'{text}' is not a rate") from None
    if not Decimal(0) <= value < 1:
        raise inp.fail(line, column, f"'{text}' is not a fraction between 0 and 1 (0.0625 is 6.25 %)")
    return value


def five_places(value: Decimal) -> Decimal:
    """Round a rate fraction half-up to five decimal places (the precision of the published rates)."""
    return value.quantize(FIVE_PLACES, rounding=ROUND_HALF_UP)


def _yyyymmdd(text: str, inp: _Input, line: int, column: str) -> date | None:
    s = text.strip()
    if s in _SST_OPEN_ENDS:
        return None
    try:
        if len(s) != 8 or not s.isdigit():
            raise ValueError
        return date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError:
        raise inp.fail(line, column, f"'{text}' is not a date (YYYYMMDD)") from None


def _date_range(row: list[str], i: int, inp: _Input, line: int) -> tuple[date, date | None]:
    """The effective-from and effective-to dates in columns ``i`` and ``i + 1`` (0-based) of an SST record."""
    start, end = f"column {i + 1} (effective from)", f"column {i + 2} (effective to)"
    frm = _yyyymmdd(row[i], inp, line, start)
    if frm is None:
        raise inp.fail(line, start, "an open-ended date cannot start a period")
    to = _yyyymmdd(row[i + 1], inp, line, end)
    if to is not None and to < frm:
        raise inp.fail(line, end, f"{to} is before {frm}")
    return frm, to


def _abort_on_error(writer: ImportWriter):
    class _Guard:
        def __enter__(self):
            return writer

        def __exit__(self, exc_type, exc, tb):
            writer.abort()
            return False

    return _Guard()


# ----- ZIP5 tables ---------------------------------------------------------------------------


def zip5_effective_date(paths: list[Path]) -> date:
    """The effective date from the ``YYYYMM`` at the end of each file name (all files must agree)."""
    found: dict[date, str] = {}
    for p in paths:
        m = _YYYYMM.search(Path(p).name)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise InvalidRateTable(Path(p).name, "(file name)",
                                   "has no YYYYMM before .csv to take the effective date from: give --effective YYYY-MM-DD")
        found.setdefault(date(int(m.group(1)), int(m.group(2)), 1), Path(p).name)
    if len(found) > 1:
        names = ", ".join(f"{n} ({d:%Y-%m})" for d, n in sorted(found.items()))
        raise InvalidRateTable(names, "(file name)", "the files are of different months: import each month separately "
                               "or give --effective YYYY-MM-DD")
    return next(iter(found))


def import_zip5(paths: list[Path], out: Path, *, effective: date | None = None,
                progress: ProgressFn | None = None) -> ImportSummary:
    """Import ZIP5 rate tables (one or more states) into the import directory ``out``."""
    if not paths:
        raise InvalidRateTable("(arguments)", "FILE", "no input file given")
    day = effective or zip5_effective_date(paths)
    writer = ImportWriter(out)
    with _abort_on_error(writer):
        # (state, level, name, rate) -> jurisdiction; ids are level-N, numbered per state in order of appearance.
        jurisdictions: dict[tuple[str, Level, str, Decimal], LocalJurisdiction] = {}
        counters: dict[tuple[str, Level], int] = {}
        seen: dict[str, set[int]] = {}
        rates: dict[str, Decimal] = {}  # rate text -> rounded fraction (a table has a few hundred distinct rates)

        def rate_of(text: str, inp: _Input, line: int, col: int) -> Decimal:
            hit = rates.get(text)
            if hit is None:
                hit = rates[text] = five_places(fraction_text(text, inp, line, ZIP5_HEADER[col]))
            return hit

        row_parts: dict[tuple[str, ...], tuple[str, ...]] = {}

        def zip5_parts(st: str, row: list[str], inp: _Input, line: int) -> tuple[str, ...]:
            """The ids of a row's state, county, city and special jurisdictions (non-zero ones but the state's)."""
            combined = rate_of(row[3], inp, line, 3)
            region = " ".join(row[2].split()) or f"{st} (unnamed region)"
            parts = []
            total = Decimal(0)
            for level, col in _ZIP5_PARTS:
                rate = rate_of(row[col], inp, line, col)
                total += rate
                if rate == 0 and level is not Level.state:
                    continue
                name = st if level is Level.state else region
                key = (st, level, name, rate)
                j = jurisdictions.get(key)
                if j is None:
                    n = counters[(st, level)] = counters.get((st, level), 0) + 1
                    j = LocalJurisdiction(f"{level.value}-{n}", level, name, rate * HUNDRED, None, day, None)
                    jurisdictions[key] = j
                parts.append(j.id)
            if total != combined:
                raise inp.fail(line, ZIP5_HEADER[3], f"{format(combined, 'f')} is not the sum of the state, county, "
                               f"city and special rates ({format(total, 'f')}) at five decimal places")
            return tuple(parts)

        inputs = []
        boundaries = 0
        for inp in _inputs(paths, progress):
            inputs.append(inp)
            file_state = _file_state(inp.name)
            rows = inp.rows()
            first = next(rows, None)
            if first is None or [c.strip() for c in first[1]] != ZIP5_HEADER:
                raise inp.fail(1, "", f"header must be {','.join(ZIP5_HEADER)}")
            for line, row in rows:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != 9:
                    raise inp.fail(line, "", f"{len(row)} columns, expected 9")
                st = row[0].strip().upper()
                if st not in STATES:
                    raise inp.fail(line, "State", f"'{row[0]}' is not a US state code")
                if file_state is not None and st != file_state:
                    raise inp.fail(line, "State", f"'{st}' in the file of {file_state}")
                z = row[1].strip()
                if not z.isdigit() or not 3 <= len(z) <= 5:
                    raise inp.fail(line, "ZipCode", f"'{row[1]}' is not a ZIP code")
                z = z.zfill(5)  # spreadsheets drop the leading zeros of 00501 or 02108
                zn = int(z)
                zips = seen.setdefault(st, set())
                if zn in zips:
                    raise inp.fail(line, "ZipCode", f"{z} appears twice for {st}")
                zips.add(zn)
                # Rows of one tax region repeat the same texts: their jurisdictions are worked out once.
                signature = (st, row[2], row[3], row[4], row[5], row[6], row[7])
                parts = row_parts.get(signature)
                if parts is None:
                    parts = row_parts[signature] = zip5_parts(st, row, inp, line)
                writer.boundary(st, BoundaryRecord(RecordKind.zip5, zn, zn, day, None, parts))
                boundaries += 1
        for (st, *_), j in sorted(jurisdictions.items(), key=lambda kv: (kv[0][0], _id_key(kv[1].id))):
            writer.jurisdiction(st, j)
        states = tuple(sorted(seen))
        if not states:
            raise InvalidRateTable(inputs[0].name, "(file)", "no data rows")
        writer.finish(
            kind="zip5", effective_from=day, states=states, created_by="taxapi rates import-us-zip5",
            source="ZIP5 rate tables " + _names(inputs),
            licence="the licence of the input files (the user's own copy; not redistributed with taxapi)",
            inputs=[i.manifest_entry() for i in inputs],
        )
    return ImportSummary(Path(out), day, states, len(jurisdictions), boundaries)


def _names(inputs: list[_Input]) -> str:
    names = [i.name for i in inputs]
    return ", ".join(names) if len(names) <= 4 else f"{', '.join(names[:2])} … {names[-1]} ({len(names)} files)"


def _file_state(name: str) -> str | None:
    m = re.search(r"ZIP5_([A-Z]{2})\d{6}\.csv$", name, re.IGNORECASE)
    return m.group(1).upper() if m else None


def _id_key(jid: str) -> tuple[str, int]:
    prefix, _, n = jid.rpartition("-")
    return (prefix, int(n)) if n.isdigit() else (jid, 0)


# ----- Streamlined Sales Tax rate and boundary files -----------------------------------------


def _sst_level(jtype: str) -> Level:
    return {SST_STATE: Level.state, SST_COUNTY: Level.county, SST_CITY: Level.city}.get(jtype, Level.special)


def _sst_id(jtype: str, code: str) -> str:
    return f"{jtype}-{code}"


def import_sst(rates: Path, boundaries: list[Path], out: Path, *, effective: date | None = None,
               progress: ProgressFn | None = None) -> ImportSummary:
    """Import an SST rate file and its boundary file(s) into the import directory ``out``.

    Rate file (headerless, 9 columns): state FIPS, jurisdiction type (``45`` state, ``00`` county,
    ``01`` city, any other: special district), jurisdiction code, general rate, food rate, drug rate,
    residential-utility rate (fractions), effective from and to (``YYYYMMDD``; ``29991231`` or
    ``99991231`` = open-ended).

    Boundary file (headerless, 89 or 90 columns, 1-based): 1 record type (``Z`` ZIP5 range, ``4`` ZIP+4
    range, ``A`` address), 2–3 effective from/to, 16–17 the address record's ZIP5 and ZIP+4, 18–21 ZIP5
    low, ZIP+4 low, ZIP5 high, ZIP+4 high, 23 state FIPS, 25 county FIPS, 26 FIPS place (city) code,
    30–89 twenty (class, code, type) special-district triplets. Each record binds the state, its county
    and city (where the rate file lists them: a county or place the rate file does not list levies no
    tax) and its special districts (which must be in the rate file; type-45 triplets repeat the state
    and are ignored).

    The effective date is ``effective``, else the quarter in the rate file's name (``MNR2026Q2FEB18``:
    2026-04-01), else the latest date any record starts.
    """
    if not boundaries:
        raise InvalidRateTable("(arguments)", "--boundaries", "no boundary file given")
    writer = ImportWriter(out)
    with _abort_on_error(writer):
        all_paths = [Path(rates), *map(Path, boundaries)]
        inputs = list(_inputs(all_paths, progress))
        rate_input, boundary_inputs = inputs[0], inputs[1:]
        latest = date.min
        # (state, id) -> dated rows
        table: dict[tuple[str, str], list[LocalJurisdiction]] = {}
        lines: dict[tuple[str, str, date], int] = {}
        for line, row in rate_input.rows():
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) < 9:
                raise rate_input.fail(line, "", f"{len(row)} columns, an SST rate record has 9")
            fips, jtype, code = row[0].strip(), row[1].strip(), row[2].strip()
            st = STATE_BY_FIPS.get(fips.zfill(2))
            if st is None:
                raise rate_input.fail(line, "column 1 (state FIPS)", f"'{row[0]}' is not a state FIPS code")
            if not jtype or not code:
                raise rate_input.fail(line, "columns 2-3", "jurisdiction type and code are required")
            general = _exact_percent(row[3], rate_input, line, "column 4 (general rate)")
            food = _exact_percent(row[4], rate_input, line, "column 5 (food rate)") if row[4].strip() else None
            frm, to = _date_range(row, 7, rate_input, line)
            latest = max(latest, frm)
            jid = _sst_id(jtype, code)
            level = _sst_level(jtype)
            name = f"{st} state" if level is Level.state else f"{level.value} {code}"
            table.setdefault((st, jid), []).append(LocalJurisdiction(jid, level, name, general, food, frm, to))
            lines[(st, jid, frm)] = line
        for (st, jid), rows in table.items():
            rows.sort(key=lambda j: j.effective_from)
            for a, b in zip(rows, rows[1:]):
                if a.effective_to is None or a.effective_to >= b.effective_from:
                    later = max(lines[(st, jid, a.effective_from)], lines[(st, jid, b.effective_from)])
                    raise rate_input.fail(later, "columns 8-9 (effective dates)", f"jurisdiction {jid} of {st}: rate "
                                          f"periods from {a.effective_from} and {b.effective_from} overlap")

        states: set[str] = set()
        count = 0
        for inp in boundary_inputs:
            for line, row in inp.rows():
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) < SST_BOUNDARY_MIN_COLUMNS:
                    raise inp.fail(line, "", f"{len(row)} columns, an SST boundary record has 89 or 90")
                rec, st = _sst_boundary(row, inp, line, table)
                latest = max(latest, rec.effective_from)
                states.add(st)
                writer.boundary(st, rec)
                count += 1
        if not states:
            raise InvalidRateTable(boundary_inputs[0].name, "(file)", "no boundary records")
        rate_states = {st for st, _ in table}
        for (st, _jid), rows in sorted(table.items(), key=lambda kv: kv[0]):
            if st in states:
                for j in rows:
                    writer.jurisdiction(st, j)
        day = effective or _sst_quarter(rate_input.name) or latest
        writer.finish(
            kind="sst", effective_from=day, states=sorted(states), created_by="taxapi rates import-sst",
            source="Streamlined Sales Tax rate and boundary files " + _names(inputs),
            licence="public data of the Streamlined Sales Tax member states (streamlinedsalestax.org)",
            inputs=[i.manifest_entry() for i in inputs],
        )
    n_jurisdictions = sum(len(v) for (st, _), v in table.items() if st in states)
    unbound = sorted(rate_states - states)
    return ImportSummary(Path(out), day, tuple(sorted(states)), n_jurisdictions, count,
                         skipped=f"rates of {', '.join(unbound)} (no boundary records)" if unbound else None)


def _sst_quarter(name: str) -> date | None:
    m = _SST_QUARTER.search(name)
    if not m:
        return None
    return date(int(m.group(1)), 3 * (int(m.group(2)) - 1) + 1, 1)


def _exact_percent(text: str, inp: _Input, line: int, column: str) -> Decimal:
    value = fraction_text(text, inp, line, column)
    if value != value.quantize(Decimal("0.00000001")):
        raise inp.fail(line, column, f"'{text}' has more than eight decimal places")
    return (value * HUNDRED).normalize() if value else Decimal(0)


def _sst_boundary(row: list[str], inp: _Input, line: int,
                  table: dict[tuple[str, str], list[LocalJurisdiction]]) -> tuple[BoundaryRecord, str]:
    c = [v.strip() for v in row]
    kind = {"Z": RecordKind.zip5, "4": RecordKind.zip4, "A": RecordKind.address}.get(c[0].upper())
    if kind is None:
        raise inp.fail(line, "column 1 (record type)", f"'{row[0]}' is not Z, 4 or A")
    frm, to = _date_range(c, 1, inp, line)

    def zip5(i: int) -> int:
        v = c[i]
        if not v.isdigit() or len(v) != 5:
            raise inp.fail(line, f"column {i + 1} (ZIP code)", f"'{row[i]}' is not a five-digit ZIP code")
        return int(v)

    def zip4(i: int) -> int:
        v = c[i]
        if not v.isdigit() or len(v) > 4:  # unpadded extensions occur: 1 is 0001
            raise inp.fail(line, f"column {i + 1} (ZIP+4)", f"'{row[i]}' is not a ZIP+4 extension")
        return int(v)

    if kind is RecordKind.zip5:
        lo, hi, with_zip4 = zip5(17), zip5(19), False
    elif kind is RecordKind.zip4:
        lo, hi, with_zip4 = zip5(17) * 10_000 + zip4(18), zip5(19) * 10_000 + zip4(20), True
    else:
        z, with_zip4 = zip5(15), bool(c[16])
        lo = hi = (z * 10_000 + zip4(16)) if with_zip4 else z
    if lo > hi:
        raise inp.fail(line, "columns 18-21 (ZIP range)", "the range's high end is below its low end")
    st = STATE_BY_FIPS.get(c[22].zfill(2))
    if st is None:
        raise inp.fail(line, "column 23 (state FIPS)", f"'{row[22]}' is not a state FIPS code")

    state_id = _sst_id(SST_STATE, c[22].zfill(2))
    if (st, state_id) not in table:
        # The state's own record may use the unpadded FIPS code.
        state_id = _sst_id(SST_STATE, c[22])
        if (st, state_id) not in table:
            raise inp.fail(line, "column 23 (state FIPS)", f"the rate file has no state record (type 45) for {st}")
    ids = [state_id]
    for col, jtype in ((24, SST_COUNTY), (25, SST_CITY)):
        if c[col] and (st, _sst_id(jtype, c[col])) in table:
            ids.append(_sst_id(jtype, c[col]))
    for k in range(20):
        cls, code, jtype = c[29 + 3 * k: 32 + 3 * k]
        if not code or jtype == SST_STATE:
            continue
        jid = _sst_id(jtype, code)
        if (st, jid) not in table:
            raise inp.fail(line, f"columns {30 + 3 * k}-{32 + 3 * k} (special district {k + 1})",
                           f"type {jtype} code {code} is not in the rate file")
        if jid not in ids:
            ids.append(jid)
    return BoundaryRecord(kind, lo, hi, frm, to, tuple(ids), zip4=with_zip4), st


# ----- CDTFA (California) --------------------------------------------------------------------


def cdtfa_effective_date(path: Path) -> date | None:
    m = _CDTFA_DATE.search(Path(path).name)
    if not m:
        return None
    try:
        return date(2000 + int(m.group(3)), int(m.group(1)), int(m.group(2)))
    except ValueError:
        return None


def import_cdtfa(path: Path, out: Path, *, statewide_percent: Decimal, effective: date | None = None,
                 progress: ProgressFn | None = None) -> ImportSummary:
    """Import CDTFA's table of California city and county rates (``Location, Rate, County, Type, Notes``
    after a preamble) as jurisdictions without boundaries.

    Each place's ``rate_percent`` is what it adds to the statewide rate ``statewide_percent`` (7.25 %):
    its district taxes. Rows without a rate (a county row pointing to its unincorporated area and
    cities) are skipped and counted.
    """
    day = effective or cdtfa_effective_date(path)
    if day is None:
        raise InvalidRateTable(Path(path).name, "(file name)", "has no M-D-YY before .csv: give --effective YYYY-MM-DD")
    writer = ImportWriter(out)
    with _abort_on_error(writer):
        inp = next(_inputs([Path(path)], progress))
        header_seen = False
        places: dict[str, LocalJurisdiction] = {}
        skipped = 0
        for line, row in inp.rows():
            cells = [c.strip() for c in row]
            if not header_seen:
                if cells[:4] == ["Location", "Rate", "County", "Type"]:
                    header_seen = True
                continue
            if not any(cells):
                continue
            if len(cells) < 4:
                raise inp.fail(line, "", f"{len(cells)} columns, expected Location, Rate, County, Type[, Notes]")
            location, rate_text, county, kind = cells[:4]
            if not _RATE_TEXT.match(rate_text):
                skipped += 1  # "Please refer to the applicable tax rates for the unincorporated area and cities"
                continue
            total = five_places(fraction_text(rate_text, inp, line, "Rate")) * HUNDRED
            if total < statewide_percent:
                raise inp.fail(line, "Rate", f"{fmt_percent(total)} % is below the statewide {statewide_percent} %")
            level = {"City": Level.city, "County": Level.county}.get(kind)
            if level is None:
                raise inp.fail(line, "Type", f"'{kind}' is not City or County")
            jid = f"{level.value}-{_slug(location)}"
            if jid in places:
                raise inp.fail(line, "Location", f"'{location}' appears twice")
            places[jid] = LocalJurisdiction(jid, level, location, total - statewide_percent,
                                            None, day, None)
        if not header_seen:
            raise inp.fail(1, "", "no header line 'Location,Rate,County,Type,Notes'")
        for jid in sorted(places):
            writer.jurisdiction("CA", places[jid])
        writer.finish(
            kind="rates", effective_from=day, states=["CA"], created_by="taxapi rates import-cdtfa",
            source=("California Department of Tax and Fee Administration (CDTFA), Effective Sales and Use Tax "
                    f"Rates ({inp.name}), https://www.cdtfa.ca.gov/taxes-and-fees/sales-use-tax-rates.htm; "
                    f"rate_percent is the district tax a place adds to the statewide {statewide_percent} %"),
            licence="public data of the State of California (CDTFA)",
            inputs=[inp.manifest_entry()],
        )
    return ImportSummary(Path(out), day, ("CA",), len(places), 0,
                         skipped=f"{skipped} row{'' if skipped == 1 else 's'} without a rate" if skipped else None)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[:33]
