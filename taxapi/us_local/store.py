"""The on-disk format of an imported US local table, its writer and its strict loader.

One import is one directory::

    manifest.json      what was imported, from when, from which files (sha256), under which licence
    jurisdictions.csv  state,id,level,name,rate_percent,food_rate_percent,effective_from,effective_to
    boundaries.csv     state,record,zip5_low,zip5_high,zip4_low,zip4_high,effective_from,effective_to,jurisdictions

Plain UTF-8 CSV with a header, sorted, one jurisdiction rate period or one boundary record per line:
reviewable, diffable, and read with the stdlib ``csv`` module in well under a second for the whole
country. Rates are decimal percent strings (``8.875``), dates ``YYYY-MM-DD`` (``effective_to``
inclusive, empty = open-ended), ``record`` is ``zip5``, ``zip4`` or ``address``, ``jurisdictions``
the space-separated ids (of the same state) that a boundary record binds.

The loader is as strict as the rate-table loader: a schema for the manifest
(``schemas/us-local-manifest.schema.json``), data files whose sha256 must match the manifest, exact
headers, and every field checked; any violation raises :class:`~taxapi.errors.InvalidRateTable` naming
the file, the line and the column, and the server refuses to start.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import sys
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from taxapi.errors import InvalidRateTable
from taxapi.money import fmt_percent
from taxapi.rate_tables.loader import PACKAGE_DIR, REPO_DIR, default_rates_dir, read_json_strict, schema_validator
from taxapi.settings import get_settings
from taxapi.us_local.model import (
    BoundaryRecord,
    ExemptLocality,
    GroceryDistrict,
    GroceryLocality,
    Level,
    LocalImport,
    LocalJurisdiction,
    LocalTable,
    RecordKind,
    StateData,
    TaxCap,
    _RangeIndex,
)

MANIFEST = "manifest.json"
JURISDICTIONS = "jurisdictions.csv"
BOUNDARIES = "boundaries.csv"
STATES_FILE = "states.json"
ZIP_PREFIXES_FILE = "zip-prefixes.json"
CLOTHING_LOCALITIES_FILE = "clothing-localities.json"
ARSSTC_FILE = "arsstc-members.json"
CAPS_FILE = "arsstc-caps.json"
GROCERY_FILE = "il-grocery-localities.json"
#: Where the shipped local tables live inside the rates directory (not rate tables themselves).
SHIPPED_SUBDIR = "us-local"
ENV_DIR = "TAXAPI_US_LOCAL_DIR"

JURISDICTION_HEADER = ["state", "id", "level", "name", "rate_percent", "food_rate_percent", "effective_from",
                       "effective_to"]
BOUNDARY_HEADER = ["state", "record", "zip5_low", "zip5_high", "zip4_low", "zip4_high", "effective_from",
                   "effective_to", "jurisdictions"]

_STATE = re.compile(r"^[A-Z]{2}$")
_ID = re.compile(r"^[A-Za-z0-9._:-]{1,40}$")
_PERCENT = re.compile(r"^(0|[1-9][0-9]?)(\.[0-9]{1,6})?$|^100(\.0{1,6})?$")
_ZIP5 = re.compile(r"^[0-9]{5}$")
_ZIP4 = re.compile(r"^[0-9]{4}$")


def default_schema_path() -> Path:
    packaged = PACKAGE_DIR / "_data" / "schemas" / "us-local-manifest.schema.json"
    if packaged.is_file():
        return packaged
    return REPO_DIR / "schemas" / "us-local-manifest.schema.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@lru_cache(maxsize=4096)
def _iso(day: date) -> str:
    return day.isoformat()


# ----- writing -------------------------------------------------------------------------------


class _HashingWriter:
    """A text file written through ``csv`` whose sha256 and data-row count are kept as it is written."""

    def __init__(self, path: Path, header: list[str]):
        self.path = path
        self._file = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._digest = hashlib.sha256()
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\n")
        self._pending: list[str] = []
        self.rows = -1
        self.write(header)

    def write(self, row: Iterable[Any]) -> None:
        """One row through ``csv`` (quoting where a field needs it)."""
        self._csv.writerow(row)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        self._pending.append(text)
        self.rows += 1
        if len(self._pending) >= 4096:
            self._flush()

    def write_plain(self, fields: Iterable[str]) -> None:
        """One row of fields that need no quoting (digits, dates, ids): joined, without ``csv``."""
        self._pending.append(",".join(fields) + "\n")
        self.rows += 1
        if len(self._pending) >= 4096:
            self._flush()

    def _flush(self) -> None:
        text = "".join(self._pending)
        self._pending.clear()
        self._file.write(text)
        self._digest.update(text.encode("utf-8"))

    def close(self) -> dict[str, Any]:
        self._flush()
        self._file.close()
        return {"sha256": self._digest.hexdigest(), "rows": self.rows}


class ImportWriter:
    """Writes one import directory atomically: into a temporary sibling, renamed into place at the end.

    ``out`` must not exist, be an empty directory, or hold an earlier import (a ``manifest.json``),
    which is then replaced whole.
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        if self.out.exists():
            if not self.out.is_dir():
                raise InvalidRateTable(str(self.out), "--out", "exists and is not a directory")
            if any(self.out.iterdir()) and not (self.out / MANIFEST).is_file():
                raise InvalidRateTable(str(self.out), "--out", "is a non-empty directory without a manifest.json: "
                                       "choose a new directory for the import")
        self.out.parent.mkdir(parents=True, exist_ok=True)
        # A sibling of ``out`` (same file system, so the final rename is atomic), made with the umask.
        self.tmp = self.out.parent / f".{self.out.name}.importing-{os.getpid()}"
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir()
        self.jurisdictions = _HashingWriter(self.tmp / JURISDICTIONS, JURISDICTION_HEADER)
        self.boundaries = _HashingWriter(self.tmp / BOUNDARIES, BOUNDARY_HEADER)
        self._done = False

    def jurisdiction(self, state: str, j: LocalJurisdiction) -> None:
        self.jurisdictions.write([
            state, j.id, j.level.value, j.name, fmt_percent(j.rate_percent),
            "" if j.food_rate_percent is None else fmt_percent(j.food_rate_percent),
            j.effective_from.isoformat(), "" if j.effective_to is None else j.effective_to.isoformat(),
        ])

    def boundary(self, state: str, r: BoundaryRecord) -> None:
        if not r.zip4:
            z5 = (f"{r.low:05d}", f"{r.high:05d}", "", "")
        else:
            z5 = (f"{r.low // 10_000:05d}", f"{r.high // 10_000:05d}", f"{r.low % 10_000:04d}", f"{r.high % 10_000:04d}")
        # every field is a code, digits, a date or ids (no commas, quotes or spaces but the id separator)
        self.boundaries.write_plain((
            state, r.kind.value, *z5, _iso(r.effective_from),
            "" if r.effective_to is None else _iso(r.effective_to), " ".join(r.jurisdiction_ids),
        ))

    def finish(self, *, kind: str, effective_from: date, source: str, licence: str, states: Iterable[str],
               inputs: list[dict[str, Any]], created_by: str) -> Path:
        files = {JURISDICTIONS: self.jurisdictions.close(), BOUNDARIES: self.boundaries.close()}
        manifest = {
            "$schema": "https://taxapi.dev/schemas/us-local-manifest.schema.json",
            "schema_version": 1,
            "kind": kind,
            "effective_from": effective_from.isoformat(),
            "source": source,
            "licence": licence,
            "states": sorted(set(states)),
            "created_by": created_by,
            "inputs": inputs,
            "files": files,
        }
        (self.tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if self.out.exists():
            shutil.rmtree(self.out)
        os.replace(self.tmp, self.out)
        self._done = True
        return self.out

    def abort(self) -> None:
        for w in (self.jurisdictions, self.boundaries):
            if not w._file.closed:
                w._file.close()
        if not self._done:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ----- reading -------------------------------------------------------------------------------


class _Fields:
    """Strict field parsing with interning: one object per distinct date, rate and id set."""

    def __init__(self, file: str):
        self.file = file
        self._dates: dict[str, date] = {}
        self._decimals: dict[str, Decimal] = {}

    def fail(self, line: int, column: str, msg: str) -> InvalidRateTable:
        return InvalidRateTable(self.file, f"line {line}: {column}", msg)

    def day(self, text: str, line: int, column: str, optional: bool = False) -> date | None:
        if text == "" and optional:
            return None
        hit = self._dates.get(text)
        if hit is None:
            try:
                if len(text) != 10:
                    raise ValueError
                hit = date.fromisoformat(text)
            except ValueError:
                raise self.fail(line, column, f"'{text}' is not a calendar date (YYYY-MM-DD)") from None
            self._dates[text] = hit
        return hit

    def percent(self, text: str, line: int, column: str, optional: bool = False) -> Decimal | None:
        if text == "" and optional:
            return None
        hit = self._decimals.get(text)
        if hit is None:
            if not _PERCENT.match(text):
                raise self.fail(line, column, f"'{text}' is not a percentage as a decimal string (e.g. 8.875)")
            hit = self._decimals[text] = Decimal(fmt_percent(Decimal(text)))  # as written on the wire: 4.5, not 4.50
        return hit


def _rows(path: Path, rel: str, header: list[str]):
    try:
        f = open(path, encoding="utf-8", newline="")  # noqa: SIM115
    except FileNotFoundError:
        raise InvalidRateTable(rel, "(file)", "missing") from None
    with f:
        reader = csv.reader(f)
        try:
            first = next(reader, None)
            if first != header:
                raise InvalidRateTable(rel, "line 1", f"header must be {','.join(header)}")
            width = len(header)
            for row in reader:
                if len(row) != width:
                    raise InvalidRateTable(rel, f"line {reader.line_num}", f"{len(row)} columns, expected {width}")
                yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise InvalidRateTable(rel, "(file)", f"not UTF-8: {exc}") from None
        except csv.Error as exc:
            raise InvalidRateTable(rel, f"line {reader.line_num}", f"malformed CSV: {exc}") from None


def load_import(path: Path, schema_path: Path | None = None) -> LocalImport:
    """Load and validate one import directory."""
    path = Path(path)
    name = path.name
    rel_manifest = f"{name}/{MANIFEST}"
    if not (path / MANIFEST).is_file():
        raise InvalidRateTable(rel_manifest, "(file)", "missing: every import directory has a manifest.json")
    doc = read_json_strict(path / MANIFEST, rel_manifest)
    validator = schema_validator(str(schema_path or default_schema_path()))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = errors[0]
        loc = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise InvalidRateTable(rel_manifest, loc, first.message)
    try:
        effective_from = date.fromisoformat(doc["effective_from"])
    except ValueError:
        raise InvalidRateTable(rel_manifest, "effective_from", f"'{doc['effective_from']}' is not a calendar date") from None
    for fname, meta in doc["files"].items():
        actual = sha256_file(path / fname) if (path / fname).is_file() else None
        if actual is None:
            raise InvalidRateTable(f"{name}/{fname}", "(file)", "missing (listed in manifest.json)")
        if actual != meta["sha256"]:
            raise InvalidRateTable(f"{name}/{fname}", "(file)", "sha256 differs from manifest.json: the file was "
                                   "changed after the import; import it again")
    states = set(doc["states"])

    # Jurisdictions: dated rate rows, grouped by (state, id).
    rel = f"{name}/{JURISDICTIONS}"
    fields = _Fields(rel)
    rows_by_state: dict[str, dict[str, list[LocalJurisdiction]]] = {st: {} for st in states}
    count = 0
    for line, (st, jid, level, jname, rate, food, start, end) in _rows(path / JURISDICTIONS, rel, JURISDICTION_HEADER):
        count += 1
        if st not in states:
            raise fields.fail(line, "state", f"'{st}' is not one of the manifest's states")
        if not _ID.match(jid):
            raise fields.fail(line, "id", f"'{jid}' is not an id (letters, digits, . _ : -; at most 40)")
        try:
            lvl = Level(level)
        except ValueError:
            raise fields.fail(line, "level", f"'{level}' is not one of state, county, city, special") from None
        if not jname.strip():
            raise fields.fail(line, "name", "empty")
        frm = fields.day(start, line, "effective_from")
        to = fields.day(end, line, "effective_to", optional=True)
        if to is not None and to < frm:
            raise fields.fail(line, "effective_to", f"{to} is before effective_from {frm}")
        row = LocalJurisdiction(sys.intern(jid), lvl, jname, fields.percent(rate, line, "rate_percent"),
                                fields.percent(food, line, "food_rate_percent", optional=True), frm, to)
        periods = rows_by_state[st].setdefault(row.id, [])
        if periods:
            prev = periods[-1]
            if prev.level is not lvl:
                raise fields.fail(line, "level", f"'{jid}' was {prev.level.value} on an earlier line")
            if prev.effective_to is None or prev.effective_to >= frm:
                raise fields.fail(line, "effective_from", f"'{jid}' overlaps its earlier period from "
                                  f"{prev.effective_from} (periods must be sorted and not overlap)")
        periods.append(row)
    if count != doc["files"][JURISDICTIONS]["rows"]:
        raise InvalidRateTable(rel, "(file)", f"{count} rows, manifest.json says {doc['files'][JURISDICTIONS]['rows']}")

    # Boundaries.
    rel = f"{name}/{BOUNDARIES}"
    bfields = _Fields(rel)
    bfields._dates = fields._dates
    zip5_records: dict[str, list[BoundaryRecord]] = {st: [] for st in states}
    zip4_records: dict[str, list[BoundaryRecord]] = {st: [] for st in states}
    id_sets: dict[str, tuple[str, ...]] = {}
    count = 0
    for line, (st, record, z5lo, z5hi, z4lo, z4hi, start, end, ids) in _rows(path / BOUNDARIES, rel, BOUNDARY_HEADER):
        count += 1
        known = rows_by_state.get(st)
        if known is None:
            raise bfields.fail(line, "state", f"'{st}' is not one of the manifest's states")
        try:
            kind = RecordKind(record)
        except ValueError:
            raise bfields.fail(line, "record", f"'{record}' is not one of zip5, zip4, address") from None
        for col, text in (("zip5_low", z5lo), ("zip5_high", z5hi)):
            if not _ZIP5.match(text):
                raise bfields.fail(line, col, f"'{text}' is not a five-digit ZIP code")
        has_zip4 = z4lo != "" or z4hi != ""
        if has_zip4:
            for col, text in (("zip4_low", z4lo), ("zip4_high", z4hi)):
                if not _ZIP4.match(text):
                    raise bfields.fail(line, col, f"'{text}' is not a four-digit ZIP+4 extension")
        elif kind is RecordKind.zip4:
            raise bfields.fail(line, "zip4_low", "a zip4 record needs zip4_low and zip4_high")
        frm = bfields.day(start, line, "effective_from")
        to = bfields.day(end, line, "effective_to", optional=True)
        if to is not None and to < frm:
            raise bfields.fail(line, "effective_to", f"{to} is before effective_from {frm}")
        jset = id_sets.get(ids)
        if jset is None:
            parts = tuple(sys.intern(p) for p in ids.split(" ")) if ids else ()
            if not parts:
                raise bfields.fail(line, "jurisdictions", "empty: a boundary record binds at least one jurisdiction")
            jset = id_sets[ids] = parts
        for jid in jset:
            if jid not in known:
                raise bfields.fail(line, "jurisdictions", f"'{jid}' is not a jurisdiction of {st} in {JURISDICTIONS}")
        lo5, hi5 = int(z5lo), int(z5hi)
        if has_zip4:
            lo, hi = lo5 * 10_000 + int(z4lo), hi5 * 10_000 + int(z4hi)
        else:
            lo, hi = lo5, hi5
        if lo > hi:
            raise bfields.fail(line, "zip5_high", "the range's high end is below its low end")
        if kind is RecordKind.zip5:
            if has_zip4:
                raise bfields.fail(line, "zip4_low", "a zip5 record has no ZIP+4 extension")
            zip5_records[st].append(BoundaryRecord(kind, lo, hi, frm, to, jset))
        elif kind is RecordKind.zip4:
            zip4_records[st].append(BoundaryRecord(kind, lo, hi, frm, to, jset, zip4=True))
        else:  # an address record counts for its ZIP5 and, where it names one, its ZIP+4
            if lo5 != hi5:
                raise bfields.fail(line, "zip5_high", "an address record lies in one ZIP5")
            zip5_records[st].append(BoundaryRecord(kind, lo5, lo5, frm, to, jset))
            if has_zip4:
                zip4_records[st].append(BoundaryRecord(kind, lo, hi, frm, to, jset, zip4=True))
    if count != doc["files"][BOUNDARIES]["rows"]:
        raise InvalidRateTable(rel, "(file)", f"{count} rows, manifest.json says {doc['files'][BOUNDARIES]['rows']}")

    state_data = {
        st: StateData(
            state=st,
            jurisdictions={jid: tuple(rows) for jid, rows in rows_by_state[st].items()},
            zip5_index=_RangeIndex(zip5_records[st], "L"),
            zip4_index=_RangeIndex(zip4_records[st], "Q"),
        )
        for st in sorted(states)
    }
    return LocalImport(
        id=name,
        path=str(path),
        effective_from=effective_from,
        source=doc["source"],
        licence=doc["licence"],
        kind=doc["kind"],
        fingerprint=sha256_file(path / MANIFEST),
        states=state_data,
    )


def import_dirs(root: Path) -> list[Path]:
    """The import directories directly under ``root``, sorted by name.

    Every directory there is an import and must hold a manifest.json (one that lost it is an error, not
    a silently missing table); hidden ones (an import being written) and plain files are left alone."""
    if not root.is_dir():
        return []
    dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for p in dirs:
        if not (p / MANIFEST).is_file():
            raise InvalidRateTable(f"{p.name}/{MANIFEST}", "(file)", "missing: every import directory has a manifest.json")
    return dirs


def load_states_file(shipped: Path) -> frozenset[str]:
    """The states with local sales taxes, from ``states.json`` beside the shipped tables."""
    path = shipped / STATES_FILE
    if not path.is_file():
        return frozenset()
    rel = f"{SHIPPED_SUBDIR}/{STATES_FILE}"
    doc = read_json_strict(path, rel)
    if not isinstance(doc, dict) or not isinstance(doc.get("states"), dict) or not isinstance(doc.get("source"), str):
        raise InvalidRateTable(rel, "(root)", 'needs {"source": "...", "states": {"AL": {"local_taxes": true}, ...}}')
    out = set()
    for st, facts in doc["states"].items():
        if (not _STATE.match(st) or not isinstance(facts, dict) or not isinstance(facts.get("local_taxes"), bool)
                or not set(facts) <= {"local_taxes", "note"}):
            raise InvalidRateTable(rel, f"states/{st}", 'needs {"local_taxes": true|false} and at most a "note"')
        if facts["local_taxes"]:
            out.add(st)
    return frozenset(out)


def load_zip_prefixes(shipped: Path) -> dict[str, str]:
    """The state of each three-digit ZIP prefix, and of the ZIP5s of another state under one (``zip-prefixes.json``
    beside the shipped tables; part of the rates directory, so of ``rates_version``)."""
    path = shipped / ZIP_PREFIXES_FILE
    if not path.is_file():
        return {}
    rel = f"{SHIPPED_SUBDIR}/{ZIP_PREFIXES_FILE}"
    doc = read_json_strict(path, rel)
    out: dict[str, str] = {}
    for part, width in (("prefixes", 3), ("exceptions", 5)):
        entries = doc.get(part) if isinstance(doc, dict) else None
        if not isinstance(entries, dict):
            raise InvalidRateTable(rel, part, 'needs {"012": "MA", ...}')
        for zip_part, st in entries.items():
            if len(zip_part) != width or not zip_part.isdigit() or not isinstance(st, str) or not _STATE.match(st):
                raise InvalidRateTable(rel, f"{part}/{zip_part}", f"needs {width} digits and a two-letter state code")
            out[zip_part] = st
    return out


def _shipped_list(shipped: Path, file: str, part: str, shape: str) -> tuple[str, list[Any]] | None:
    """The list ``part`` of the JSON file ``file`` beside the shipped tables, with the file's name as errors give
    it (None when there is no such file)."""
    path = shipped / file
    if not path.is_file():
        return None
    rel = f"{SHIPPED_SUBDIR}/{file}"
    doc = read_json_strict(path, rel)
    items = doc.get(part) if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise InvalidRateTable(rel, part, f'needs {{"{part}": {shape}}}')
    return rel, items


def load_clothing_localities(shipped: Path) -> dict[str, dict[str, tuple[ExemptLocality, ...]]]:
    """The localities that exempt clothing under the state's limit from their local taxes too, by state and
    ZIP5 (``clothing-localities.json`` beside the shipped tables; part of ``rates_version``)."""
    found = _shipped_list(shipped, CLOTHING_LOCALITIES_FILE, "localities", '[{"state", "name", "effective_from", "source", "zip5": [...]}]')
    if found is None:
        return {}
    rel, localities = found
    out: dict[str, dict[str, tuple[ExemptLocality, ...]]] = {}
    for i, loc in enumerate(localities):
        where = f"localities/{i}"
        if (not isinstance(loc, dict) or not set(loc) <= {"state", "name", "effective_from", "effective_to", "source", "zip5"}
                or not isinstance(loc.get("state"), str) or not _STATE.match(loc["state"])
                or not isinstance(loc.get("name"), str) or not isinstance(loc.get("source"), str)
                or not isinstance(loc.get("zip5"), list) or not loc["zip5"]):
            raise InvalidRateTable(rel, where, "needs state, name, effective_from, source and a list of zip5 (effective_to optional)")
        try:
            frm = date.fromisoformat(loc["effective_from"])
            to = date.fromisoformat(loc["effective_to"]) if loc.get("effective_to") else None
        except (TypeError, ValueError):
            raise InvalidRateTable(rel, where, "effective_from and effective_to are dates (YYYY-MM-DD)") from None
        locality = ExemptLocality(loc["name"], frm, to, loc["source"])
        by_zip = out.setdefault(loc["state"], {})
        for z in loc["zip5"]:
            if not isinstance(z, str) or not _ZIP5.match(z):
                raise InvalidRateTable(rel, f"{where}/zip5", f"'{z}' is not a five-digit ZIP code")
            by_zip[z] = (*by_zip.get(z, ()), locality)
    return out


def load_arsstc_members(shipped: Path) -> dict[str, ExemptLocality]:
    """Alaska's places whose local taxes a remote seller collects under the ARSSTC Uniform Code, by the place's
    name as the local tables write it, with the date collection begins (``arsstc-members.json``)."""
    found = _shipped_list(shipped, ARSSTC_FILE, "members", '[{"place", "name", "collect_from", "source"}]')
    if found is None:
        return {}
    rel, members = found
    out: dict[str, ExemptLocality] = {}
    for i, m in enumerate(members):
        where = f"members/{i}"
        if (not isinstance(m, dict) or set(m) != {"place", "name", "collect_from", "source"}
                or not all(isinstance(m[k], str) and m[k].strip() for k in m)):
            raise InvalidRateTable(rel, where, "needs place, name, collect_from and source")
        try:
            start = date.fromisoformat(m["collect_from"])
        except ValueError:
            raise InvalidRateTable(rel, f"{where}/collect_from", f"'{m['collect_from']}' is not a date (YYYY-MM-DD)") from None
        place = m["place"].casefold()
        if place in out:
            raise InvalidRateTable(rel, f"{where}/place", f"'{m['place']}' is listed twice")
        out[place] = ExemptLocality(m["name"], start, None, m["source"])
    return out


def _day(value: Any, rel: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidRateTable(rel, where, f"'{value}' is not a date (YYYY-MM-DD)") from None


def _amount(value: Any, rel: str, where: str) -> Decimal:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", value) or not Decimal(value):
        raise InvalidRateTable(rel, where, f"'{value}' is not a positive amount written as text (\"500\", \"14300\")")
    return Decimal(value)


def load_tax_caps(shipped: Path) -> tuple[dict[str, tuple[TaxCap, ...]], dict[str, str]]:
    """Alaska's caps on the amount a place's local taxes apply to, by the place's name as the local tables write it,
    and the places that cap on dates no verified cap covers (``arsstc-caps.json``)."""
    found = _shipped_list(shipped, CAPS_FILE, "caps", '[{"place", "name", "per", "amount", "effective_from", "source"}]')
    if found is None:
        return {}, {}
    rel, caps = found
    out: dict[str, tuple[TaxCap, ...]] = {}
    keys = {"place", "name", "per", "amount", "effective_from", "source"}
    for i, c in enumerate(caps):
        where = f"caps/{i}"
        if (not isinstance(c, dict) or not keys <= set(c) <= keys | {"effective_to"}
                or not all(isinstance(c[k], str) and c[k].strip() for k in keys) or c["per"] not in ("item", "sale")):
            raise InvalidRateTable(rel, where, 'needs place, name, per ("item" or "sale"), amount, effective_from, source '
                                               "(effective_to optional)")
        frm = _day(c["effective_from"], rel, f"{where}/effective_from")
        to = _day(c["effective_to"], rel, f"{where}/effective_to") if c.get("effective_to") else None
        cap = TaxCap(c["name"], c["per"], _amount(c["amount"], rel, f"{where}/amount"), frm, to, c["source"])
        place = c["place"].casefold()
        for other in out.get(place, ()):
            if other.effective_from <= (to or date.max) and frm <= (other.effective_to or date.max):
                raise InvalidRateTable(rel, f"{where}/effective_from", f"'{c['place']}' has two caps in force on one day")
        out[place] = (*out.get(place, ()), cap)
    unverified: dict[str, str] = {}
    doc = read_json_strict(shipped / CAPS_FILE, rel)
    for i, u in enumerate(doc.get("unverified", [])):
        if not isinstance(u, dict) or set(u) != {"place", "name", "note"} or not all(isinstance(v, str) and v for v in u.values()):
            raise InvalidRateTable(rel, f"unverified/{i}", "needs place, name and note")
        unverified[u["place"].casefold()] = f"{u['name']}: {u['note']}"
    return out, unverified


def load_grocery_localities(shipped: Path) -> dict[str, tuple[date, dict[str, tuple[GroceryLocality, ...]]]]:
    """The places that impose a local grocery tax, or are known not to, from the day the state's list starts
    (``il-grocery-localities.json``), by state and the place's name as the local tables write it."""
    found = _shipped_list(shipped, GROCERY_FILE, "localities", '[{"place", "name", "kind", "effective_from", "source"}]')
    if found is None:
        return {}
    rel, localities = found
    doc = read_json_strict(shipped / GROCERY_FILE, rel)
    state, rate = doc.get("state"), doc.get("rate_percent")
    if not isinstance(state, str) or not _STATE.match(state) or not isinstance(rate, str) or not _PERCENT.match(rate):
        raise InvalidRateTable(rel, "(root)", 'needs "state" (two letters) and "rate_percent" ("1")')
    start = _day(doc.get("effective_from"), rel, "effective_from")
    places: dict[str, tuple[GroceryLocality, ...]] = {}
    keys = {"place", "name", "kind", "effective_from", "source"}
    for part, percent in (("localities", Decimal(rate)), ("not_imposing", Decimal(0))):
        items = doc.get(part, [])
        if not isinstance(items, list):
            raise InvalidRateTable(rel, part, "needs a list")
        for i, loc in enumerate(items):
            where = f"{part}/{i}"
            if (not isinstance(loc, dict) or not keys <= set(loc) <= keys | {"county"}
                    or not all(isinstance(loc[k], str) and loc[k].strip() for k in keys)
                    or loc["kind"] not in ("municipality", "county")):
                raise InvalidRateTable(rel, where, 'needs place, name, kind ("municipality" or "county"), effective_from and '
                                                   "source (county optional)")
            frm = _day(loc["effective_from"], rel, f"{where}/effective_from")
            if frm < start:
                raise InvalidRateTable(rel, f"{where}/effective_from", f"before the list's effective_from {start}")
            key = loc["place"].casefold()
            if any(other.kind == loc["kind"] for other in places.get(key, ())):
                raise InvalidRateTable(rel, f"{where}/place", f"'{loc['place']}' is listed twice as a {loc['kind']}")
            places[key] = (*places.get(key, ()), GroceryLocality(loc["name"], loc["kind"], percent, frm, loc["source"]))
    return {state: (start, places)}


def load_grocery_districts(shipped: Path) -> dict[str, dict[str, tuple[GroceryDistrict, ...]]]:
    """The special districts that tax groceries, by state and ZIP5 (``il-grocery-localities.json``, ``districts``)."""
    path = shipped / GROCERY_FILE
    if not path.is_file():
        return {}
    rel = f"{SHIPPED_SUBDIR}/{GROCERY_FILE}"
    doc = read_json_strict(path, rel)
    districts = doc.get("districts", []) if isinstance(doc, dict) else None
    if not isinstance(districts, list):
        raise InvalidRateTable(rel, "districts", 'needs [{"id", "name", "rate_percent", "effective_from", "source", "zip5": [...]}]')
    state = doc.get("state")
    out: dict[str, tuple[GroceryDistrict, ...]] = {}
    keys = {"id", "name", "rate_percent", "effective_from", "source", "zip5"}
    for i, d in enumerate(districts):
        where = f"districts/{i}"
        if (not isinstance(d, dict) or not keys <= set(d) <= keys | {"effective_to", "note"}
                or not all(isinstance(d[k], str) and d[k].strip() for k in keys - {"zip5"})
                or not isinstance(d["zip5"], list) or not d["zip5"] or not _PERCENT.match(d["rate_percent"])):
            raise InvalidRateTable(rel, where, "needs id, name, rate_percent, effective_from, source and a list of zip5 "
                                               "(effective_to and note optional)")
        frm = _day(d["effective_from"], rel, f"{where}/effective_from")
        to = _day(d["effective_to"], rel, f"{where}/effective_to") if d.get("effective_to") else None
        district = GroceryDistrict(d["id"], d["name"], Decimal(d["rate_percent"]), frm, to, d["source"])
        for z in d["zip5"]:
            if not isinstance(z, str) or not _ZIP5.match(z):
                raise InvalidRateTable(rel, f"{where}/zip5", f"'{z}' is not a five-digit ZIP code")
            if any(o.name == district.name and o.effective_from <= (to or date.max) and frm <= (o.effective_to or date.max)
                   for o in out.get(z, ())):
                raise InvalidRateTable(rel, f"{where}/zip5", f"'{z}' is in two districts of {district.name} on one day")
            out[z] = (*out.get(z, ()), district)
    return {state: out} if out else {}


def load_clothing_spans(shipped: Path) -> dict[str, dict[str, tuple[tuple[str, ...], str]]]:
    """The ZIP5s that span localities with different clothing rules (``clothing-localities.json``, ``spanning``)."""
    path = shipped / CLOTHING_LOCALITIES_FILE
    if not path.is_file():
        return {}
    rel = f"{SHIPPED_SUBDIR}/{CLOTHING_LOCALITIES_FILE}"
    spans = read_json_strict(path, rel).get("spanning", [])
    if not isinstance(spans, list):
        raise InvalidRateTable(rel, "spanning", 'needs [{"state", "zip5", "localities": [...], "source"}]')
    out: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {}
    for i, sp in enumerate(spans):
        where = f"spanning/{i}"
        if (not isinstance(sp, dict) or set(sp) != {"state", "zip5", "localities", "source"}
                or not isinstance(sp["state"], str) or not _STATE.match(sp["state"])
                or not isinstance(sp["zip5"], str) or not _ZIP5.match(sp["zip5"]) or not isinstance(sp["source"], str)
                or not isinstance(sp["localities"], list) or len(sp["localities"]) < 2
                or not all(isinstance(n, str) and n for n in sp["localities"])):
            raise InvalidRateTable(rel, where, "needs state, a five-digit zip5, two or more localities and a source")
        out.setdefault(sp["state"], {})[sp["zip5"]] = (tuple(sp["localities"]), sp["source"])
    return out


def local_dir_from_env() -> Path | None:
    """``TAXAPI_US_LOCAL_DIR`` (taxapi/settings.py)."""
    return get_settings().us_local_dir


def load_local_table(rates_dir: Path | None = None, local_dir: Path | None = None) -> LocalTable:
    """The shipped tables (``rates/us-local/``) plus every import under ``local_dir``.

    A named ``local_dir`` that does not exist is an error (a typo must not silently drop every local
    rate); import ids must be unique across both places.
    """
    shipped = Path(rates_dir or default_rates_dir()) / SHIPPED_SUBDIR
    imports = [load_import(p) for p in import_dirs(shipped)]
    shipped_ids = {i.id for i in imports}
    if local_dir is not None:
        if not Path(local_dir).is_dir():
            raise InvalidRateTable(str(local_dir), ENV_DIR, "directory not found")
        for p in import_dirs(Path(local_dir)):
            if p.name in shipped_ids:
                raise InvalidRateTable(f"{p.name}/{MANIFEST}", "(directory)", "an import of that name is shipped already")
            imports.append(load_import(p))
    caps, unverified = load_tax_caps(shipped)
    return LocalTable(imports=tuple(imports), local_tax_states=load_states_file(shipped),
                      imported_ids=frozenset(i.id for i in imports if i.id not in shipped_ids),
                      zip_prefixes=load_zip_prefixes(shipped), clothing_localities=load_clothing_localities(shipped),
                      arsstc_members=load_arsstc_members(shipped), tax_caps=caps, unverified_caps=unverified,
                      grocery_localities=load_grocery_localities(shipped), grocery_districts=load_grocery_districts(shipped),
                      clothing_spans=load_clothing_spans(shipped))


@lru_cache(maxsize=8)
def _cached(rates_dir: str, local_dir: str | None) -> LocalTable:
    return load_local_table(Path(rates_dir), Path(local_dir) if local_dir else None)


def local_table_for(rates_dir: Path) -> LocalTable:
    """The local table that goes with a rates directory and the current ``TAXAPI_US_LOCAL_DIR`` (cached)."""
    env = local_dir_from_env()
    return _cached(str(Path(rates_dir).resolve()), str(env.resolve()) if env else None)


def get_local_table() -> LocalTable:
    """The process-wide US local table (loaded, with the rate book, at app start-up)."""
    return local_table_for(default_rates_dir())
