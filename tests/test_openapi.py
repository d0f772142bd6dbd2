"""openapi.yaml is the app's schema (drift test), is a valid OpenAPI document, and the
app honours it: schemathesis sends generated valid and invalid requests to every
operation and no response may be a 5xx, undocumented, or off-schema."""

from __future__ import annotations

import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import positive_data_acceptance

from taxapi.app import app
from taxapi.cli import openapi_yaml
from taxapi.ledgers.upload import COLUMNAR_MEDIA_TYPES
from taxapi.sheets.files import XLSX_MEDIA_TYPE

from .conftest import REPO_DIR

OPENAPI = REPO_DIR / "openapi.yaml"


def test_openapi_yaml_matches_app():
    committed = OPENAPI.read_text(encoding="utf-8")
    assert committed == openapi_yaml(), "openapi.yaml is out of date: run `taxapi openapi` and commit the result"


def test_openapi_yaml_is_valid_openapi():
    validate(yaml.safe_load(OPENAPI.read_text(encoding="utf-8")))


# XLSX bodies are bytes: generated as for application/octet-stream.
schemathesis.serializer.alias(XLSX_MEDIA_TYPE, "application/octet-stream")
# Parquet and Arrow ledgers likewise.
for _media in COLUMNAR_MEDIA_TYPES:
    schemathesis.serializer.alias(_media, "application/octet-stream")
schema = schemathesis.openapi.from_path(OPENAPI)
schema.app = app


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_openapi_yaml(case):
    # Schema-valid requests may still be refused for domain reasons (an unknown jurisdiction is a
    # well-formed string), so positive-data acceptance is not demanded; everything else is.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
