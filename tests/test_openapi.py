"""openapi.yaml is the app's schema (drift test), is a valid OpenAPI document, and the
app honours it: schemathesis sends generated valid and invalid requests to every
operation and no response may be a 5xx, undocumented, or off-schema.

Every operation goes through schemathesis' three phases: **examples** (the schema's own examples),
**coverage** (each constraint's boundary values and violations, wrong types, missing required
parameters, methods the operation does not serve, duplicated query parameters) and **fuzzing**
(hypothesis-generated valid and invalid requests; ``CI=1`` runs more of them, as the hypothesis
profile in ``conftest.py`` does). Every answer must pass the checks below, and every error answer
must have the one problem-details shape (``tests/problem_shape.py``)."""

from __future__ import annotations

import os

import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from taxapi.app import app
from taxapi.cli import openapi_yaml
from taxapi.ledgers.upload import COLUMNAR_MEDIA_TYPES
from taxapi.sheets.files import XLSX_MEDIA_TYPE

from .conftest import REPO_DIR
from .problem_shape import problem_shape_faults

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
PHASES = ["examples", "coverage", "fuzzing"]
schema.config.phases.update(phases=PHASES)
schema.config.phases.coverage.generate_duplicate_query_parameters = True
FUZZ_EXAMPLES = 150 if os.environ.get("CI") else 40


@schemathesis.check
def problem_details(ctx, response, case):
    """An error answer is a problem document (or a ``#ERROR:`` line for format=text) of the one shape."""
    faults = problem_shape_faults(response.status_code, response.headers.get("content-type", [""])[0], response.text)
    if faults:
        raise AssertionError("; ".join(faults))


#: Schema-valid requests may still be refused for domain reasons (an unknown jurisdiction is a
#: well-formed string), so positive-data acceptance is not demanded; everything else is.
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    problem_details,
]


def test_every_operation_runs_the_examples_coverage_and_fuzzing_phases():
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len([m for path in schema.raw_schema["paths"].values() for m in path]) > 10
    for operation in operations:
        phases = schema.config.phases_for(operation=operation)
        assert [name for name in PHASES if phases.get_by_name(name=name).enabled] == PHASES, operation.label


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_openapi_yaml(case):
    checks = CHECKS
    if (case.query or {}).get("format") == "text":
        # A format=text error is answered 200 with its `#ERROR: …` line and the real status in
        # TaxAPI-Error-Status, so that a spreadsheet cell shows it (docs/sheets.md; tested in tests/api).
        checks = [c for c in CHECKS if c is not negative_data_rejection]
    case.call_and_validate(checks=checks)
