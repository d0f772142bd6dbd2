from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

TESTS_DIR = Path(__file__).parent
REPO_DIR = TESTS_DIR.parent


@pytest.fixture(scope="session")
def rate_book():
    from taxapi.rate_tables.loader import get_rate_book

    return get_rate_book()


@pytest.fixture(scope="session")
def client():
    from fastapi.testclient import TestClient

    from taxapi.app import app

    with TestClient(app) as c:
        yield c


def write_fixture_rates(root: Path, tables: dict[str, dict[str, str]]) -> Path:
    """A rates dir with DE plus test-only tables for other countries (one open period each).

    The other tables are built from DE's file with the given ``rates_percent``; they are fixtures for
    code that reads rate kinds, not rate data (the real tables live in ``rates/``).
    """
    import json
    import shutil

    from taxapi.rate_tables.loader import default_rates_dir

    src = default_rates_dir()
    (root / "eu").mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "RELEASE", root / "RELEASE")
    shutil.copytree(src / "parameters", root / "parameters", dirs_exist_ok=True)  # the rules' dated parameters
    de = json.loads((src / "eu" / "DE.json").read_text(encoding="utf-8"))
    shutil.copy(src / "eu" / "DE.json", root / "eu" / "DE.json")
    for cc, rates in tables.items():
        doc = dict(de)
        doc.update(jurisdiction=cc, name=f"Fixture {cc}", country=cc, match=[{"country": cc}])
        doc["$schema"] = str(REPO_DIR / "schemas" / "rate-table.schema.json")
        doc["periods"] = [{"effective_from": "2007-01-01", "rates_percent": rates, "source": "test fixture"}]
        (root / "eu" / f"{cc}.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return root


#: Rate fixtures (the 2026 rates of these countries; used only to classify rate kinds in tests).
FIXTURE_TABLES = {
    "FR": {"standard": "20", "reduced": "10", "second_reduced": "5.5", "super_reduced": "2.1"},
    "AT": {"standard": "20", "reduced": "10", "second_reduced": "13"},
    "PL": {"standard": "23", "reduced": "8", "second_reduced": "5"},
    "IT": {"standard": "22", "reduced": "10", "second_reduced": "5", "super_reduced": "4"},
}


@pytest.fixture(scope="session")
def fixture_rate_book(tmp_path_factory):
    from taxapi.rate_tables.loader import load_rate_book

    return load_rate_book(write_fixture_rates(tmp_path_factory.mktemp("rates"), FIXTURE_TABLES))


@pytest.fixture(scope="session")
def us_local_book(tmp_path_factory):
    """A rate book with a US local table imported from the fixtures in ``tests/fixtures/us_local/``:
    the ZIP5 files of March 2026 (one import) and the Minnesota SST files (effective 2024-01-01)."""
    from datetime import date

    from taxapi.rate_tables.loader import load_rate_book
    from taxapi.us_local.importers import import_sst, import_zip5

    fix = TESTS_DIR / "fixtures" / "us_local"
    root = tmp_path_factory.mktemp("us-local")
    import_zip5(sorted(fix.glob("TAXRATES_ZIP5_*202603.csv")), root / "zip5-2026-03")
    import_sst(fix / "MNR2026Q2FEB18.csv", [fix / "MNB2026Q2FEB18.csv"], root / "mn-sst", effective=date(2024, 1, 1))
    mp = pytest.MonkeyPatch()
    mp.setenv("TAXAPI_US_LOCAL_DIR", str(root))
    try:
        book = load_rate_book()  # the book keeps the local table it loaded with
    finally:
        mp.undo()
    return book
