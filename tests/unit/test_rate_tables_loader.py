"""The loader refuses every kind of bad table, naming the file and the field."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from taxapi.errors import InvalidRateTable
from taxapi.rate_tables.loader import load_rate_book

from ..conftest import REPO_DIR

DE = json.loads((REPO_DIR / "rates" / "eu" / "DE.json").read_text(encoding="utf-8"))


def _book_with(tmp_path: Path, name: str, text: str) -> Path:
    root = tmp_path / "rates"
    (root / "eu").mkdir(parents=True)
    shutil.copy(REPO_DIR / "rates" / "RELEASE", root / "RELEASE")
    shutil.copytree(REPO_DIR / "rates" / "parameters", root / "parameters")  # the rules' dated parameters
    (root / "eu" / name).write_text(text, encoding="utf-8")
    return root


def _mutated(fn) -> str:
    doc = copy.deepcopy(DE)
    fn(doc)
    return json.dumps(doc)


def _set(path: list, value):
    def fn(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return fn


def _del(path: list):
    def fn(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return fn


CASES = [
    ("duplicate_key", '{"jurisdiction": "DE", "jurisdiction": "DE"}', "jurisdiction", "duplicate key"),
    ("float_rate", json.dumps(DE).replace('"standard": "19"', '"standard": 19.0', 1), "19.0", "decimal strings"),
    ("int_rate", _mutated(_set(["periods", 0, "rates_percent", "standard"], 19)), "periods/0/rates_percent/standard", "string"),
    ("unknown_kind", _mutated(_set(["periods", 0, "rates_percent", "luxury"], "33")), "periods/0/rates_percent", "luxury"),
    ("missing_source", _mutated(_del(["periods", 1, "source"])), "periods/1", "source"),
    ("unsorted_periods", _mutated(lambda d: d["periods"].reverse()), "periods/1/effective_from", "newest first"),
    ("duplicate_dates", _mutated(_set(["periods", 1, "effective_from"], "2021-01-01")), "periods/1/effective_from", "overlapping"),
    ("bad_date", _mutated(_set(["periods", 0, "effective_from"], "2021-02-30")), "periods/0/effective_from", "calendar date"),
    ("missing_category", _mutated(_del(["categories", "ebooks"])), "categories", "ebooks"),
    ("unknown_category", _mutated(_set(["categories", "cigarettes"], DE["categories"]["general"])), "categories/cigarettes", "unknown"),
    ("kind_missing_in_period", _mutated(_set(["categories", "food", 0, "rate_kind"], "super_reduced")), "categories/food", "super_reduced"),
    ("category_starts_late", _mutated(_set(["categories", "general", 0, "effective_from"], "2010-01-01")), "categories/general", "first day"),
    # The optional category may be left out, but where a table maps it the same rules hold.
    ("optional_category_to_a_missing_kind",
     _mutated(_set(["categories", "performance_premieres"], [{**DE["categories"]["general"][-1], "rate_kind": "second_super_reduced"}])),
     "categories/performance_premieres", "second_super_reduced"),
    ("optional_category_starts_late",
     _mutated(_set(["categories", "performance_premieres"], [{**DE["categories"]["general"][-1], "effective_from": "2030-01-01"}])),
     "categories/performance_premieres", "first day"),
    ("bad_second_super_reduced", _mutated(_set(["periods", 0, "rates_percent", "second_super_reduced"], "0,9")),
     "periods/0/rates_percent/second_super_reduced", "does not match"),
    ("unknown_currency", _mutated(_set(["currency"], "XYZ")), "currency", "XYZ"),
    ("bad_regex", _mutated(_set(["match"], [{"country": "DE", "postal_code": "("}])), "match/0/postal_code", "regular expression"),
    ("city_without_postcode", _mutated(_set(["match"], [{"country": "DE"}, {"country": "DE", "city": ["Berlin"]}])), "match/1", "postal_code"),
    ("empty_city_list", _mutated(_set(["match"], [{"country": "DE"}, {"country": "DE", "postal_code": "^1", "city": []}])), "match/1/city", "non-empty"),
    ("wrong_file_name", _mutated(_set(["jurisdiction"], "AT")), "jurisdiction", "file name"),
    ("not_json", "{", "line 1", "invalid JSON"),
    ("no_match_without_parent", _mutated(_set(["match"], [])), "match", "parent"),
]


@pytest.mark.parametrize(("name", "text", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_table_is_refused_with_file_and_field(tmp_path, name, text, field, words):
    root = _book_with(tmp_path, "DE.json", text)
    with pytest.raises(InvalidRateTable) as info:
        load_rate_book(root)
    err = info.value
    assert err.file == "eu/DE.json"
    assert err.field == field, err.detail
    assert words in err.detail


def test_two_tables_claiming_one_country(tmp_path):
    root = _book_with(tmp_path, "DE.json", json.dumps(DE))
    other = copy.deepcopy(DE)
    other["jurisdiction"] = "AT"
    (root / "eu" / "AT.json").write_text(json.dumps(other), encoding="utf-8")
    with pytest.raises(InvalidRateTable, match="already matched"):
        load_rate_book(root)


def test_a_table_no_address_selects_is_loaded_but_never_resolved(tmp_path):
    root = _book_with(tmp_path, "DE.json", json.dumps(DE))
    sub = copy.deepcopy(DE)
    sub.update(jurisdiction="DE-RULE", name="Selected by a rule", parent="DE", match=[])
    (root / "eu" / "DE-RULE.json").write_text(json.dumps(sub), encoding="utf-8")
    book = load_rate_book(root)
    assert book.get("DE-RULE").parent == "DE"
    assert book.resolve("DE", None, "10115").id == "DE"
    assert not book.has_regions("DE")


def test_good_table_loads_and_version_tracks_content(tmp_path):
    root = _book_with(tmp_path, "DE.json", json.dumps(DE))
    first = load_rate_book(root).version
    changed = copy.deepcopy(DE)
    changed["periods"][0]["note"] = "edited"
    (root / "eu" / "DE.json").write_text(json.dumps(changed), encoding="utf-8")
    second = load_rate_book(root).version
    assert first.startswith("2026.11+") and second.startswith("2026.11+")
    assert first != second


def test_server_refuses_to_start_on_bad_table(tmp_path):
    import subprocess
    import sys

    root = _book_with(tmp_path, "DE.json", _mutated(_del(["periods", 0, "source"])))
    proc = subprocess.run(
        [sys.executable, "-c", "import taxapi.app"],
        env={**__import__("os").environ, "TAXAPI_RATES_DIR": str(root)},
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode != 0
    assert "eu/DE.json: periods/0" in proc.stderr


def test_rates_check_command(tmp_path, capsys):
    from taxapi.cli import main

    assert main(["rates", "check"]) == 0
    assert "rates_version 2026.11+" in capsys.readouterr().out
    root = _book_with(tmp_path, "DE.json", "{")
    assert main(["rates", "check", str(root)]) == 1
    assert "eu/DE.json" in capsys.readouterr().err


def test_a_book_owns_its_caches_and_goes_with_them(tmp_path):
    """What is derived from the tables alone (places, combined rates) is cached in the book itself:
    another release never reads it, and a book no longer used is freed with its caches."""
    import gc
    import weakref
    from datetime import date as _date

    from taxapi.orders.rules import place_of
    from tests.conftest import write_fixture_rates

    book = load_rate_book(write_fixture_rates(tmp_path, {}))
    place = place_of(book, "DE", None, None, goods=True, day=_date(2026, 3, 10))
    assert place in book.cache("place").values()
    assert place_of(book, "DE", None, None, goods=True, day=_date(2026, 3, 10)) is place
    ref = weakref.ref(book)
    del book, place
    gc.collect()
    assert ref() is None
