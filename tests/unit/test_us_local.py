"""US local tables: the importers, the on-disk format's strict loader, and the ZIP lookup.

The fixtures in ``tests/fixtures/us_local/`` are hand-made in the real layouts (see its README); the
expected rates below are restated from those files by hand.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from taxapi.errors import InvalidRateTable
from taxapi.us_local import LOWEST_COMBINED_RATE, Level, ResolvedBy
from taxapi.us_local.importers import import_cdtfa, import_sst, import_zip5
from taxapi.us_local.store import BOUNDARIES, JURISDICTIONS, MANIFEST, load_import, load_local_table

from ..conftest import REPO_DIR

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "us_local"
SST_RATES = FIX / "MNR2026Q2FEB18.csv"
SST_BOUNDARIES = FIX / "MNB2026Q2FEB18.csv"
D = Decimal


def _table(local: Path):
    return load_local_table(REPO_DIR / "rates", local)


@pytest.fixture(scope="module")
def sst_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("sst")
    import_sst(SST_RATES, [SST_BOUNDARIES], root / "mn-sst", effective=date(2024, 1, 1))
    return root


@pytest.fixture(scope="module")
def sst(sst_dir):
    return _table(sst_dir)


def _ids(res) -> list[str]:
    return [j.id for j in res.jurisdictions]


# ----- SST import and lookup -------------------------------------------------------------------


def test_sst_zip5_range_binds_state_county_city_and_special_district(sst):
    res = sst.lookup("MN", "55405", None, date(2026, 3, 10))
    assert res.resolved_by is ResolvedBy.zip5
    assert _ids(res) == ["45-27", "00-053", "01-43000", "63-1234"]
    assert [j.level for j in res.jurisdictions] == [Level.state, Level.county, Level.city, Level.special]
    # 6.875 + 0.15 + 0.5 + 1.5
    assert res.combined_rate_percent == D("9.025")
    assert not res.spans_several_rates and res.rule is None
    assert res.import_id == "mn-sst" and res.effective_from == date(2024, 1, 1)


def test_sst_rate_periods_follow_the_tax_date(sst):
    # Minneapolis 0.5 % until 2026-03-31, 0.75 % from 2026-04-01 (rate file lines 4-5)
    before = sst.lookup("MN", "55401", None, date(2026, 3, 31))
    after = sst.lookup("MN", "55401", None, date(2026, 4, 1))
    assert before.combined_rate_percent == D("9.025")
    assert after.combined_rate_percent == D("9.275")
    assert {j.id: j.rate_percent for j in after.jurisdictions}["01-43000"] == D("0.75")


def test_sst_boundary_records_follow_the_tax_date(sst):
    # 55417 gains special district 63-9999 (0.1 %) on 2026-04-01
    assert _ids(sst.lookup("MN", "55417", None, date(2026, 3, 31))) == ["45-27", "00-053", "01-43000"]
    assert _ids(sst.lookup("MN", "55417", None, date(2026, 4, 1))) == ["45-27", "00-053", "01-43000", "63-9999"]
    assert sst.lookup("MN", "55417", None, date(2026, 4, 1)).combined_rate_percent == D("7.875")  # 6.875 + 0.15 + 0.75 + 0.1


def test_spanning_zip5_takes_the_lowest_combined_rate(sst):
    res = sst.lookup("MN", "55416", None, date(2026, 3, 10))
    assert res.spans_several_rates
    assert res.rates_in_zip5 == (D("7.025"), D("9.025"))
    assert res.rule == LOWEST_COMBINED_RATE
    assert res.combined_rate_percent == D("7.025")
    assert _ids(res) == ["45-27", "00-053"]


def test_zip4_decides_over_zip5(sst):
    city = sst.lookup("MN", "55416", "0050", date(2026, 3, 10))
    assert city.resolved_by is ResolvedBy.zip4
    assert city.combined_rate_percent == D("9.025") and not city.spans_several_rates
    # unpadded extensions 200..299 in the file
    county = sst.lookup("MN", "55416", "0250", date(2026, 3, 10))
    assert county.resolved_by is ResolvedBy.zip4 and county.combined_rate_percent == D("7.025")
    # a ZIP+4 no record covers falls back to the ZIP5, which spans
    other = sst.lookup("MN", "55416", "0500", date(2026, 3, 10))
    assert other.resolved_by is ResolvedBy.zip5 and other.spans_several_rates


def test_address_records(sst):
    # with ZIP+4 "1" (0001): the address record that names it
    one = sst.lookup("MN", "55102", "0001", date(2026, 3, 10))
    assert one.resolved_by is ResolvedBy.zip4
    assert _ids(one) == ["45-27", "00-123", "01-58000"]
    assert one.combined_rate_percent == D("7.875")
    # by ZIP5 both address records count; the phantom type-45 triplet does not add the state twice
    five = sst.lookup("MN", "55102", None, date(2026, 3, 10))
    assert five.rates_in_zip5 == (D("7.875"), D("9.625"))
    assert five.combined_rate_percent == D("7.875")


def test_special_district_triplets(sst_dir):
    imp = load_import(sst_dir / "mn-sst")
    rows = (sst_dir / "mn-sst" / BOUNDARIES).read_text(encoding="utf-8").splitlines()
    address = [r for r in rows if r.startswith("MN,address,55102,55102,,,")]
    # the state once, county, city, then the two special districts in file order
    assert address == ["MN,address,55102,55102,,,2024-01-01,,45-27 00-123 01-58000 63-1234 71-0042"]
    assert imp.states["MN"].jurisdictions["71-0042"][0].level is Level.special


def test_county_and_place_not_in_the_rate_file_levy_nothing(sst):
    assert _ids(sst.lookup("MN", "56001", None, date(2026, 3, 10))) == ["45-27"]


def test_sst_effective_date_from_the_quarter_in_the_file_name(tmp_path):
    summary = import_sst(SST_RATES, [SST_BOUNDARIES], tmp_path / "q2")
    assert summary.effective_from == date(2026, 4, 1)
    table = _table(tmp_path)
    assert table.lookup("MN", "55401", None, date(2026, 3, 31)).resolved_by is ResolvedBy.state
    assert table.lookup("MN", "55401", None, date(2026, 4, 1)).resolved_by is ResolvedBy.zip5


def test_sst_food_rate_is_kept(sst_dir):
    imp = load_import(sst_dir / "mn-sst")
    state = imp.states["MN"].jurisdictions["45-27"][0]
    assert state.rate_percent == D("6.875") and state.food_rate_percent == D("0")


def _sst_bad(tmp_path: Path, which: str, line: int, col: int, value: str) -> tuple[Path, Path]:
    rates, bounds = tmp_path / SST_RATES.name, tmp_path / SST_BOUNDARIES.name
    shutil.copy(SST_RATES, rates)
    shutil.copy(SST_BOUNDARIES, bounds)
    target = rates if which == "rates" else bounds
    enc = "utf-8" if which == "rates" else "utf-8-sig"
    with open(target, encoding=enc, newline="") as f:
        lines = f.read().split("\r\n")
    cells = lines[line - 1].split(",")
    cells[col - 1] = value
    lines[line - 1] = ",".join(cells)
    with open(target, "w", encoding=enc, newline="") as f:
        f.write("\r\n".join(lines))
    return rates, bounds


@pytest.mark.parametrize(("which", "line", "col", "value", "message"), [
    ("rates", 2, 4, "0.0O15", "not a rate"),
    ("rates", 2, 4, "1.5", "between 0 and 1"),
    ("rates", 1, 1, "99", "state FIPS"),
    ("rates", 3, 8, "20241301", "YYYYMMDD"),
    ("rates", 4, 9, "20260401", "overlap"),
    ("boundaries", 1, 1, "Q", "not Z, 4 or A"),
    ("boundaries", 1, 18, "5540", "ZIP code"),
    ("boundaries", 1, 20, "55400", "below its low end"),
    ("boundaries", 2, 31, "7777", "not in the rate file"),
    ("boundaries", 4, 19, "00001", "ZIP+4"),
])
def test_sst_bad_file_names_the_file_and_line(tmp_path, which, line, col, value, message):
    rates, bounds = _sst_bad(tmp_path, which, line, col, value)
    with pytest.raises(InvalidRateTable) as exc:
        import_sst(rates, [bounds], tmp_path / "out")
    assert message in exc.value.detail
    assert (rates if which == "rates" else bounds).name in exc.value.detail
    if which == "boundaries" or line > 1:
        assert "line" in exc.value.detail
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")], "temporary directory left behind"


# ----- ZIP5 import -----------------------------------------------------------------------------


def test_zip5_import_rounds_float_artefacts_to_five_places(tmp_path):
    summary = import_zip5([FIX / "TAXRATES_ZIP5_UT202601.csv"], tmp_path / "ut")
    assert summary.effective_from == date(2026, 1, 1)
    res = _table(tmp_path).lookup("UT", "84101", None, date(2026, 1, 15))
    # 0.048499 -> 4.85 %, 0.023501 -> 2.35 %, 1 %, 0.05 %; combined 0.0825
    assert [(j.level, j.rate_percent) for j in res.jurisdictions] == [
        (Level.state, D("4.85")), (Level.county, D("2.35")), (Level.city, D("1")), (Level.special, D("0.05"))]
    assert res.combined_rate_percent == D("8.25")
    assert res.jurisdictions[1].name == "SALT LAKE CITY"


def test_zip5_import_shares_jurisdictions_and_restores_leading_zeros(tmp_path):
    import_zip5([FIX / "TAXRATES_ZIP5_MN202601.csv", FIX / "TAXRATES_ZIP5_PR202601.csv"], tmp_path / "jan")
    table = _table(tmp_path)
    day = date(2026, 1, 2)
    a, b = table.lookup("MN", "55401", None, day), table.lookup("MN", "55416", None, day)
    assert a.jurisdictions[0] is b.jurisdictions[0]  # one MN state jurisdiction (0.068749 rounds to 6.875)
    assert a.combined_rate_percent == b.combined_rate_percent == D("8.025")
    pr = table.lookup("PR", "00901", None, day)
    assert pr.combined_rate_percent == D("11.5")
    assert table.zip_in_state("PR", "00901") is True


def test_zip5_effective_date_option_and_file_names(tmp_path):
    s = import_zip5([FIX / "TAXRATES_ZIP5_MN202601.csv"], tmp_path / "x", effective=date(2026, 1, 15))
    assert s.effective_from == date(2026, 1, 15)
    with pytest.raises(InvalidRateTable, match="different months"):
        other = tmp_path / "TAXRATES_ZIP5_UT202602.csv"
        shutil.copy(FIX / "TAXRATES_ZIP5_UT202601.csv", other)
        import_zip5([FIX / "TAXRATES_ZIP5_MN202601.csv", other], tmp_path / "y")
    renamed = tmp_path / "rates.csv"
    shutil.copy(FIX / "TAXRATES_ZIP5_MN202601.csv", renamed)
    with pytest.raises(InvalidRateTable, match="--effective"):
        import_zip5([renamed], tmp_path / "z")


ZIP5_GOOD = "MN,55401,MINNEAPOLIS,0.080250,0.068750,0.001500,0.005000,0.005000,0"


@pytest.mark.parametrize(("row", "column", "message"), [
    ("MN,55402,MINNEAPOLIS,0.08025O,0.068750,0.001500,0.005000,0.005000,0", "EstimatedCombinedRate", "not a rate"),
    ("MN,55402,MINNEAPOLIS,8.025,0.068750,0.001500,0.005000,0.005000,0", "EstimatedCombinedRate", "between 0 and 1"),
    ("MN,55402,MINNEAPOLIS,0.090250,0.068750,0.001500,0.005000,0.005000,0", "EstimatedCombinedRate", "not the sum"),
    ("MN,5540A,MINNEAPOLIS,0.080250,0.068750,0.001500,0.005000,0.005000,0", "ZipCode", "not a ZIP code"),
    ("WI,55402,MINNEAPOLIS,0.080250,0.068750,0.001500,0.005000,0.005000,0", "State", "in the file of MN"),
    ("MN,55402,MINNEAPOLIS,0.080250,0.068750,0.001500,0.005000", "", "7 columns"),
    (ZIP5_GOOD, "ZipCode", "appears twice"),
])
def test_zip5_bad_row_names_file_line_and_column(tmp_path, row, column, message):
    path = tmp_path / "TAXRATES_ZIP5_MN202601.csv"
    path.write_text(f"{','.join(__import__('taxapi.us_local.importers', fromlist=['x']).ZIP5_HEADER)}\n"
                    f"{ZIP5_GOOD}\n{row}\n", encoding="utf-8")
    with pytest.raises(InvalidRateTable) as exc:
        import_zip5([path], tmp_path / "out")
    assert exc.value.detail.startswith(f"TAXRATES_ZIP5_MN202601.csv: line 3: {column}".rstrip())
    assert message in exc.value.detail
    assert not (tmp_path / "out").exists()


def test_zip5_bad_header_and_not_utf8(tmp_path):
    path = tmp_path / "TAXRATES_ZIP5_MN202601.csv"
    path.write_text("State,Zip,Rate\nMN,55401,0.08\n", encoding="utf-8")
    with pytest.raises(InvalidRateTable, match="line 1: header must be State,ZipCode"):
        import_zip5([path], tmp_path / "out")
    path.write_bytes(b"State,ZipCode\n\xff\xfe\n")
    with pytest.raises(InvalidRateTable, match="not UTF-8"):
        import_zip5([path], tmp_path / "out")
    with pytest.raises(InvalidRateTable, match="cannot be read"):
        import_zip5([tmp_path / "TAXRATES_ZIP5_XX202601.csv"], tmp_path / "out")


def test_reimport_replaces_an_import_but_not_another_directory(tmp_path):
    out = tmp_path / "mn"
    import_zip5([FIX / "TAXRATES_ZIP5_MN202601.csv"], out)
    first = (out / MANIFEST).read_text(encoding="utf-8")
    import_zip5([FIX / "TAXRATES_ZIP5_MN202601.csv"], out, effective=date(2026, 1, 20))
    assert (out / MANIFEST).read_text(encoding="utf-8") != first
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"x")
    with pytest.raises(InvalidRateTable, match="non-empty directory"):
        import_zip5([FIX / "TAXRATES_ZIP5_MN202601.csv"], other)
    assert (other / "cat.jpg").exists()


# ----- several imports, dates and states -----------------------------------------------------


def test_the_tax_date_picks_the_import(tmp_path):
    import_zip5([FIX / "TAXRATES_ZIP5_MN202601.csv"], tmp_path / "a-zip5-2026-01")
    import_sst(SST_RATES, [SST_BOUNDARIES], tmp_path / "b-sst-2026q2")  # effective 2026-04-01
    table = _table(tmp_path)
    jan = table.lookup("MN", "55401", None, date(2026, 3, 31))
    apr = table.lookup("MN", "55401", None, date(2026, 4, 1))
    assert (jan.import_id, jan.combined_rate_percent) == ("a-zip5-2026-01", D("8.025"))
    assert (apr.import_id, apr.combined_rate_percent) == ("b-sst-2026q2", D("9.275"))
    early = table.lookup("MN", "55401", None, date(2025, 12, 31))
    assert early.resolved_by is ResolvedBy.state and early.jurisdictions == () and early.local_taxes


def test_state_resolution_without_boundaries(tmp_path):
    table = _table(tmp_path)
    ca = table.lookup("CA", "90001", None, date(2026, 3, 1))
    assert ca.resolved_by is ResolvedBy.state and ca.local_taxes
    assert ca.combined_rate_percent == 0 and ca.import_id is None
    for state in ("DE", "OR", "DC", "PR", "MA"):
        assert not table.lookup(state, "19901", None, date(2026, 3, 1)).local_taxes, state


def test_zip_in_state(sst, tmp_path):
    assert sst.zip_in_state("MN", "55405") is True
    assert sst.zip_in_state("MN", "55102") is True  # known from address records only
    assert sst.zip_in_state("WI", "55405") is False  # a MN ZIP
    assert sst.zip_in_state("MN", "90001") is False  # MN has boundaries, and they do not hold it
    assert sst.zip_in_state("CA", "90001") is None  # nothing loaded can tell
    assert _table(tmp_path).zip_in_state("MN", "55405") is None


# ----- the shipped California table ------------------------------------------------------------


def test_shipped_cdtfa_california_places(tmp_path):
    # CDTFA, Effective Sales and Use Tax Rates 2026-01-01: Alameda 10.75 %, Los Angeles 9.75 %,
    # unincorporated Kern County 8.25 %; the statewide rate is 7.25 %.
    table = _table(tmp_path)
    day = date(2026, 3, 1)
    assert [j.rate_percent for j in table.jurisdictions_named("CA", "Alameda", day)] == [D("3.5")]
    assert [j.rate_percent for j in table.jurisdictions_named("CA", "los angeles", day)] == [D("2.5")]
    kern = table.jurisdictions_named("CA", "Kern County Unincorporated Area", day)
    assert [(j.level, j.rate_percent) for j in kern] == [(Level.county, D("1"))]
    assert table.jurisdictions_named("CA", "Alameda", date(2025, 12, 31)) == ()
    assert table.lookup("CA", "94501", None, day).resolved_by is ResolvedBy.state  # no boundaries shipped


def test_cdtfa_import(tmp_path):
    summary = import_cdtfa(FIX / "SalesTaxRates1-1-26.csv", tmp_path / "ca", statewide_percent=D("7.25"))
    assert summary.effective_from == date(2026, 1, 1) and summary.skipped == "1 row without a rate"
    rows = (tmp_path / "ca" / JURISDICTIONS).read_text(encoding="utf-8").splitlines()
    assert "CA,city-adelanto,city,Adelanto,0.5,,2026-01-01," in rows  # 7.7499999999999999E-2 -> 7.75 %
    assert "CA,city-yuba_city,city,Yuba City,0,,2026-01-01," in rows
    assert "CA,county-alameda_county,county,Alameda County,3,,2026-01-01," in rows


def test_shipped_tables_are_current_with_their_importer(tmp_path):
    """The shipped CDTFA table is exactly what the importer makes of its recorded input (same hash)."""
    shipped = REPO_DIR / "rates" / "us-local" / "ca-cdtfa-2026-01"
    manifest = json.loads((shipped / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["kind"] == "rates" and manifest["effective_from"] == "2026-01-01"
    assert "CDTFA" in manifest["source"] and manifest["files"][JURISDICTIONS]["rows"] == 541
    load_import(shipped)  # hashes and fields valid


# ----- the strict loader -----------------------------------------------------------------------


@pytest.fixture()
def good_import(tmp_path):
    import_zip5([FIX / "TAXRATES_ZIP5_MN202601.csv"], tmp_path / "local" / "mn")
    return tmp_path / "local" / "mn"


def _rewrite(path: Path, old: str, new: str, *, rehash: bool = True) -> None:
    import hashlib

    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    if rehash and path.name != MANIFEST:
        manifest = path.parent / MANIFEST
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        doc["files"][path.name]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        manifest.write_text(json.dumps(doc), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "rehash", "where", "message"), [
    (JURISDICTIONS, ",6.875,", ",6.875x,", False, "jurisdictions.csv: (file)", "sha256 differs"),
    (JURISDICTIONS, ",6.875,", ",6.875x,", True, "jurisdictions.csv: line ", "rate_percent: '6.875x'"),
    (JURISDICTIONS, "city-1,city", "city-1,town", True, "line 2: level", "state, county, city, special"),
    (JURISDICTIONS, "2026-01-01", "2026-02-30", True, "line 2: effective_from", "calendar date"),
    (BOUNDARIES, "state-1 county-1", "state-1 county-9", True, "boundaries.csv: line 2: jurisdictions", "county-9"),
    (BOUNDARIES, "MN,zip5,55401,55401", "MN,zip5,5540,55401", True, "line 2: zip5_low", "five-digit"),
    (BOUNDARIES, "MN,zip5,55401", "MN,zip9,55401", True, "line 2: record", "zip5, zip4, address"),
    (BOUNDARIES, "state,record,", "state,kind,", True, "boundaries.csv: line 1", "header"),
    (MANIFEST, '"kind": "zip5"', '"kind": "zip6"', False, "mn/manifest.json: kind", "zip6"),
    (MANIFEST, '"schema_version": 1', '"schema_version": 1, "schema_version": 1', False, "manifest.json", "duplicate key"),
    (MANIFEST, '"effective_from": "2026-01-01"', '"effective_from": "2026-13-01"', False, "effective_from", "date"),
])
def test_loader_refuses_a_bad_import(good_import, file, old, new, rehash, where, message):
    _rewrite(good_import / file, old, new, rehash=rehash)
    with pytest.raises(InvalidRateTable) as exc:
        _table(good_import.parent)
    assert where in exc.value.detail and message in exc.value.detail


def test_missing_local_dir_is_an_error(tmp_path):
    with pytest.raises(InvalidRateTable, match="TAXAPI_US_LOCAL_DIR: directory not found"):
        _table(tmp_path / "nope")


def test_an_import_without_its_manifest_is_an_error(good_import):
    (good_import / MANIFEST).unlink()
    with pytest.raises(InvalidRateTable, match="mn/manifest.json: [(]file[)]: missing"):
        _table(good_import.parent)
    (good_import.parent / "notes.txt").write_text("plain files are left alone", encoding="utf-8")
    shutil.rmtree(good_import)
    assert _table(good_import.parent).imported_ids == frozenset()


def test_rates_version_names_the_imports(good_import, monkeypatch):
    from taxapi.rate_tables.loader import load_rate_book

    plain = load_rate_book().version
    monkeypatch.setenv("TAXAPI_US_LOCAL_DIR", str(good_import.parent))
    with_local = load_rate_book().version
    assert with_local.startswith(plain + "+us.") and len(with_local) == len(plain) + 16
    import_zip5([FIX / "TAXRATES_ZIP5_MN202601.csv"], good_import, effective=date(2026, 1, 9))
    other = good_import.parent.parent / "other"
    shutil.copytree(good_import.parent, other)
    monkeypatch.setenv("TAXAPI_US_LOCAL_DIR", str(other))
    assert load_rate_book().version not in {plain, with_local}


def test_server_refuses_to_start_on_a_bad_import(good_import):
    import os
    import subprocess
    import sys

    _rewrite(good_import / BOUNDARIES, "state-1 county-1", "state-1 county-9")
    proc = subprocess.run(
        [sys.executable, "-c", "import taxapi.app"],
        env={**os.environ, "TAXAPI_US_LOCAL_DIR": str(good_import.parent)},
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode != 0
    assert "mn/boundaries.csv: line 2: jurisdictions" in proc.stderr


# ----- command line ------------------------------------------------------------------------------


def test_cli_import_zip5(tmp_path, capsys):
    from taxapi.cli import main

    out = tmp_path / "local" / "ut"
    assert main(["rates", "import-us-zip5", str(FIX / "TAXRATES_ZIP5_UT202601.csv"), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"imported UT into {out} (effective 2026-01-01): ")
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    assert load_import(out).states["UT"].jurisdictions["state-1"][0].rate_percent == D("4.85")


def test_cli_progress_bar_when_asked(tmp_path, capsys):
    from taxapi.cli import main

    args = ["rates", "import-sst", "--rates", str(SST_RATES), "--boundaries", str(SST_BOUNDARIES),
            "--out", str(tmp_path / "mn"), "--progress"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "100.0%" in captured.err and captured.err.endswith("\n")
    assert "(effective 2026-04-01)" in captured.out


@pytest.mark.parametrize("argv", [
    ["import-us-zip5", "{fix}/TAXRATES_ZIP5_MN202601.csv", "{fix}/missing_202601.csv"],
    ["import-sst", "--rates", "{fix}/TAXRATES_ZIP5_MN202601.csv", "--boundaries", "{fix}/MNB2026Q2FEB18.csv"],
    ["import-cdtfa", "{fix}/MNR2026Q2FEB18.csv"],
])
def test_cli_bad_file_is_one_line_and_exit_code_2(tmp_path, capsys, argv):
    from taxapi.cli import main

    argv = [a.format(fix=FIX) for a in argv]
    assert main(["rates", *argv, "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not (tmp_path / "out").exists()


def test_cli_import_cdtfa_takes_the_statewide_rate_from_the_rate_table(tmp_path, capsys):
    from taxapi.cli import main

    assert main(["rates", "import-cdtfa", str(FIX / "SalesTaxRates1-1-26.csv"), "--out", str(tmp_path / "ca")]) == 0
    assert "5 jurisdiction rates, 0 boundary records; skipped 1 row without a rate" in capsys.readouterr().out
    alameda = load_import(tmp_path / "ca").states["CA"].jurisdictions["city-alameda"][0]
    assert alameda.rate_percent == D("3.5")  # 10.75 % - 7.25 % (US-CA standard rate on 2026-01-01)
