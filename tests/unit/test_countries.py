"""The accepted country codes: ISO 3166-1 alpha-2 (pinned), plus XI, XK and IC."""

from __future__ import annotations

import pytest

from taxapi.countries import ACCEPTED_COUNTRIES, ISO_3166_ALPHA2, country_problem


def test_the_pinned_list_is_the_249_officially_assigned_codes():
    assert len(ISO_3166_ALPHA2) == 249
    assert all(len(c) == 2 and c.isascii() and c.isupper() for c in ISO_3166_ALPHA2)
    # recent assignments and the ones easily forgotten
    assert {"SS", "BQ", "CW", "SX", "AX", "EH", "PS", "TW", "HK", "MO", "AQ", "BV", "UM"} <= ISO_3166_ALPHA2


@pytest.mark.parametrize("code", ["EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "AC", "CP", "DG", "EA", "TA", "UK", "EL", "AN", "YU"])
def test_regions_reserved_and_withdrawn_codes_are_not_countries(code):
    assert code not in ACCEPTED_COUNTRIES
    assert country_problem(code) == f"'{code}' is not an ISO 3166-1 alpha-2 country code" + {
        "UK": " (the United Kingdom is GB)", "EL": " (Greece is GR; EL is its VAT-number prefix)"}.get(code, "")


def test_northern_ireland_and_kosovo_are_accepted_besides_iso():
    assert {"XI", "XK"} <= ACCEPTED_COUNTRIES
    assert country_problem("XI") is None and country_problem("DE") is None


def test_ic_is_accepted_as_the_canary_islands():
    # IC is exceptionally reserved in ISO 3166-1 for the Canary Islands (at the EU's request); the
    # ES-CN table matches it, so it is accepted as a country and not refused as a non-ISO code.
    assert "IC" in ACCEPTED_COUNTRIES and "IC" not in ISO_3166_ALPHA2
    assert country_problem("IC") is None
