from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
