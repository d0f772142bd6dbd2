"""Settings are validated at start-up with one line naming the variable; the command line reports every
failure a user can fix as one line and exit code 2, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from taxapi import __version__, cli
from taxapi.ecb import EcbRates, default_ecb_file, read_ecb_file
from taxapi.rate_tables.loader import PACKAGE_DIR, default_rates_dir
from taxapi.settings import SettingsError, get_settings, load_settings

from ..conftest import REPO_DIR

def key_digest(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


SHIPPED_ECB = REPO_DIR / "rates" / "ecb" / "eurofxref-hist.zip"


@pytest.fixture
def env(monkeypatch):
    """Set TAXAPI_* variables for one test; the cached settings are read again before and after."""
    get_settings.cache_clear()

    def set_(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("TAXAPI_PORT", "abc", "valid integer"),
        ("TAXAPI_PORT", "99999", "less than or equal to 65535"),
        ("TAXAPI_PORT", "0", "greater than or equal to 1"),
        ("TAXAPI_WORKERS", "0", "greater than or equal to 1"),
        ("TAXAPI_WORKERS", "abc", "valid integer"),
        ("TAXAPI_ECB_FILE", "/nonexistent.csv", "/nonexistent.csv: no such file"),
        ("TAXAPI_RATES_DIR", "/nonexistent-rates", "no such directory"),
        ("TAXAPI_API_KEYS", "my-secret-key", "SHA-256 hex digest"),
        ("TAXAPI_API_KEYS_FILE", "/nonexistent-keys", "no such file"),
        ("TAXAPI_LOG_LEVEL", "loud", "'info'"),
        ("TAXAPI_ACCESS_LOG", "maybe", "valid boolean"),
        ("TAXAPI_SHUTDOWN_TIMEOUT", "-1", "greater than 0"),
        ("TAXAPI_US_LOCAL_DIR", "/nonexistent-imports", "no such directory"),
        ("PROMETHEUS_MULTIPROC_DIR", "/etc/passwd", "/etc/passwd is not a directory"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(env, name, value, fragment):
    env(**{name: value})
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{name}: ") and fragment in message and "\n" not in message
    assert "my-secret-key" not in message  # a key given in clear by mistake is not echoed


def test_settings_read_the_environment(env, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text(f"# ops team\n{key_digest('k1')}\n\n{key_digest('k2').upper()}  # ci\n", encoding="utf-8")
    env(TAXAPI_PORT="8080", TAXAPI_WORKERS="4", FORWARDED_ALLOW_IPS="10.0.0.1", TAXAPI_API_KEYS=key_digest("k3"),
        TAXAPI_API_KEYS_FILE=str(keys), TAXAPI_CORS_ORIGINS="https://shop.example, https://admin.example")
    s = load_settings()
    assert (s.port, s.workers, s.forwarded_allow_ips) == (8080, 4, "10.0.0.1")
    assert s.cors_origins == ("https://shop.example", "https://admin.example")
    assert s.accepted_key_digests() == {key_digest("k1"), key_digest("k2"), key_digest("k3")}


def test_a_bad_line_in_the_keys_file_is_named(env, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text(f"{key_digest('k1')}\nplaintext-key\n", encoding="utf-8")
    env(TAXAPI_API_KEYS_FILE=str(keys))
    with pytest.raises(SettingsError, match=rf"^TAXAPI_API_KEYS_FILE: {keys}:2: expected the SHA-256"):
        load_settings()


def test_serve_with_a_bad_setting_prints_one_line_and_exits_2(env, capsys):
    env(TAXAPI_PORT="abc")
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("taxapi: TAXAPI_PORT: ") and err.count("\n") == 1


def test_serve_refuses_an_out_of_range_port_flag(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["serve", "--port", "99999"])
    assert info.value.code == 2
    assert "must be between 1 and 65535" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"taxapi {__version__}\n"


def _serve(**env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "taxapi.cli", "serve", "--port", "1"],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def test_serve_with_an_ecb_file_that_is_not_one_says_so_without_quoting_it():
    proc = _serve(TAXAPI_ECB_FILE="/etc/passwd")
    assert proc.returncode == 2
    assert proc.stderr == "taxapi: /etc/passwd: not an ECB reference-rate file (expected the eurofxref-hist CSV or ZIP: " \
                          "a Date column of YYYY-MM-DD days and one column of rates per currency)\n"


def test_serve_with_a_bad_rate_table_prints_the_loader_line(tmp_path):
    import json
    import shutil

    root = tmp_path / "rates"
    shutil.copytree(REPO_DIR / "rates", root)
    de = json.loads((root / "eu" / "DE.json").read_text(encoding="utf-8"))
    del de["periods"][0]["source"]
    (root / "eu" / "DE.json").write_text(json.dumps(de), encoding="utf-8")
    proc = _serve(TAXAPI_RATES_DIR=str(root))
    assert proc.returncode == 2
    assert proc.stderr.startswith("taxapi: invalid rate table: eu/DE.json: periods/0") and proc.stderr.count("\n") == 1


def _ecb_csv(tmp_path: Path) -> Path:
    """A short ECB history in the CSV form (the first lines of the shipped file: the latest days)."""
    text = read_ecb_file(SHIPPED_ECB)
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text("\n".join(text.splitlines()[:4]) + "\n", encoding="utf-8")
    return path


def test_ecb_refresh_stores_a_csv_source_zipped_in_the_data_dir(env, tmp_path, capsys):
    from taxapi.ecb import get_ecb_rates

    from taxapi.rate_tables.loader import load_rate_book

    source = _ecb_csv(tmp_path)
    data = tmp_path / "data"
    plain = load_rate_book().version
    env(TAXAPI_DATA_DIR=str(data))
    try:
        assert cli.main(["ecb", "refresh", "--source", str(source)]) == 0
        dest = data / "ecb" / "eurofxref-hist.zip"
        assert default_ecb_file() == dest  # the server now reads the refreshed copy
        with zipfile.ZipFile(dest) as zf:  # the name says .zip, and it is one
            assert zf.namelist() == ["eurofxref-hist.csv"]
        shipped = EcbRates.from_file(SHIPPED_ECB)
        assert EcbRates.from_file(dest).last_date == shipped.last_date
        assert f"published up to {shipped.last_date.isoformat()}" in capsys.readouterr().out
        # other rates are another rates_version: the same request must give the same answer per version
        assert load_rate_book().version.startswith(plain + "+ecb.")
    finally:
        get_ecb_rates.cache_clear()


def test_ecb_refresh_writes_a_csv_destination_as_csv(tmp_path):
    dest = tmp_path / "out" / "ecb.csv"
    assert cli.main(["ecb", "refresh", "--source", str(SHIPPED_ECB), "--dest", str(dest)]) == 0
    assert dest.read_text(encoding="utf-8").startswith("Date,")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--source", "http://127.0.0.1:9/eurofxref-hist.zip"], "taxapi: cannot download http://127.0.0.1:9/eurofxref-hist.zip: "),
        (["--source", "/nonexistent.zip"], "taxapi: /nonexistent.zip: no such file"),
        (["--source", "/etc/passwd"], "taxapi: /etc/passwd: not an ECB reference-rate file"),
        (["--source", "/etc/hostname", "--dest", str(PACKAGE_DIR / "x.zip")], "is inside the installed package"),
        (["--dest", "/tmp/ecb.txt"], "taxapi: /tmp/ecb.txt: the file name must end in .zip or .csv"),
    ],
)
def test_ecb_refresh_failures_are_one_line_with_exit_2(env, tmp_path, capsys, args, expected):
    env(TAXAPI_DATA_DIR=str(tmp_path / "data"))
    assert cli.main(["ecb", "refresh", *args]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and "root:" not in err
    assert not (tmp_path / "data" / "ecb").exists()


def test_ecb_refresh_needs_somewhere_to_write(env, capsys):
    env()
    assert cli.main(["ecb", "refresh", "--source", str(SHIPPED_ECB)]) == 2
    assert capsys.readouterr().err.startswith("taxapi: set TAXAPI_DATA_DIR (or give --dest)")


def test_a_release_in_the_data_dir_is_read_before_the_installed_tables(env, tmp_path):
    import shutil

    env(TAXAPI_DATA_DIR=str(tmp_path))
    assert default_rates_dir() != tmp_path / "rates"
    shutil.copytree(REPO_DIR / "rates", tmp_path / "rates")
    assert default_rates_dir() == tmp_path / "rates"
    env(TAXAPI_RATES_DIR=str(REPO_DIR / "rates"))  # an explicit directory wins
    assert default_rates_dir() == REPO_DIR / "rates"


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_oss_summary_on_a_missing_file_or_an_empty_directory(tmp_path, capsys, kind):
    path = tmp_path / "ledger.csv" if kind == "missing" else tmp_path
    assert cli.main(["oss-summary", str(path), "--scheme", "union", "--period", "2026-Q1", "--msi", "DE"]) == 2
    err = capsys.readouterr().err
    reason = "no such file or directory" if kind == "missing" else "no CSV, Parquet or Arrow files found"
    assert err.count("\n") == 1 and f"{path}: {reason}" in err


def test_the_readme_documents_every_setting():
    from taxapi.settings import ENV_PREFIX, Settings

    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- settings:start -->", 1)[1].split("<!-- settings:end -->", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.M))
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else ENV_PREFIX + name.upper())
    assert documented == names


def test_rates_install_checks_then_swaps_the_release_into_the_data_dir(env, tmp_path, capsys):
    import json
    import shutil

    from taxapi.rate_tables.loader import load_rate_book

    data = tmp_path / "data"
    env(TAXAPI_DATA_DIR=str(data))
    release = tmp_path / "release"
    shutil.copytree(REPO_DIR / "rates", release)
    assert cli.main(["rates", "install", str(release)]) == 0
    assert default_rates_dir() == data / "rates"
    first = load_rate_book(data / "rates").version
    assert f"installed rates_version {first} " in capsys.readouterr().out

    de = json.loads((release / "eu" / "DE.json").read_text(encoding="utf-8"))
    del de["periods"][0]["source"]
    (release / "eu" / "DE.json").write_text(json.dumps(de), encoding="utf-8")
    assert cli.main(["rates", "install", str(release)]) == 2  # refused: the installed release stays
    assert capsys.readouterr().err.startswith("taxapi: invalid rate table: eu/DE.json: periods/0")
    assert load_rate_book(data / "rates").version == first
    assert sorted(p.name for p in data.iterdir()) == ["rates"]


def test_rates_install_needs_a_data_dir(env, capsys):
    env()
    assert cli.main(["rates", "install", str(REPO_DIR / "rates")]) == 2
    assert capsys.readouterr().err.startswith("taxapi: TAXAPI_DATA_DIR: set it")
