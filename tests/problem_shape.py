"""The one shape of every error answer (api.md, Conventions; taxapi/problems.py).

An error is RFC 9457 ``application/problem+json`` with ``type``, ``title``, ``status`` (the HTTP
status), ``detail`` and a stable snake_case ``code``. A 422 names what is wrong with the request:
``errors`` lists every offending field as ``{"loc", "msg", "type"}``, whether pydantic or the
engine found it, and each ``loc`` starts with the part of the request it is in.
"""

from __future__ import annotations

import json
import re
from typing import Any

PROBLEM_JSON = "application/problem+json"
REQUEST_PARTS = ("body", "query", "path", "header")
CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def problem_shape_faults(status: int, content_type: str, text: str) -> list[str]:
    """What is wrong with an error answer's shape (empty when it is right); ``[]`` for a success."""
    if status < 400:
        return []
    media = content_type.split(";")[0].strip().lower()
    if media == "text/plain":  # format=text callers get one "#ERROR: ..." line a spreadsheet cell shows
        return [] if text.startswith("#ERROR: ") else [f"a text error must start with '#ERROR: ': {text[:80]!r}"]
    if media != PROBLEM_JSON:
        return [f"content type {content_type!r}, not {PROBLEM_JSON}"]
    try:
        body: Any = json.loads(text)
    except ValueError:
        return ["the problem body is not JSON"]
    if not isinstance(body, dict):
        return ["the problem body is not an object"]
    faults = []
    for key, kind in (("type", str), ("title", str), ("detail", str), ("code", str), ("status", int)):
        if not isinstance(body.get(key), kind):
            faults.append(f"{key!r} missing or not a {kind.__name__}")
    if body.get("status") != status:
        faults.append(f"'status' {body.get('status')!r} is not the HTTP status {status}")
    if isinstance(body.get("code"), str) and not CODE.match(body["code"]):
        faults.append(f"'code' {body['code']!r} is not snake_case")
    errors = body.get("errors")
    if status == 422 and not errors:
        faults.append("a 422 must list the offending fields in 'errors'")
    if errors is None:
        return faults
    if not isinstance(errors, list):
        return [*faults, "'errors' is not a list"]
    for i, err in enumerate(errors):
        if not isinstance(err, dict) or set(err) - {"loc", "msg", "type"} or not {"loc", "msg", "type"} <= set(err):
            faults.append(f"errors[{i}] is not {{loc, msg, type}}: {err!r}")
            continue
        loc, msg, kind = err["loc"], err["msg"], err["type"]
        if not isinstance(loc, list) or not loc or loc[0] not in REQUEST_PARTS:
            faults.append(f"errors[{i}].loc {loc!r} does not start with one of {REQUEST_PARTS}")
        elif not all(isinstance(part, (str, int)) and not isinstance(part, bool) for part in loc):
            faults.append(f"errors[{i}].loc {loc!r} holds something other than names and indexes")
        if not isinstance(msg, str) or not msg:
            faults.append(f"errors[{i}].msg {msg!r} is not a message")
        if not isinstance(kind, str) or not kind:
            faults.append(f"errors[{i}].type {kind!r} is not a type")
    return faults


def assert_problem_shape(response: Any) -> None:
    """``response`` (a TestClient / httpx / requests response) is a success or a well-shaped error."""
    faults = problem_shape_faults(response.status_code, response.headers.get("content-type", ""), response.text)
    assert not faults, f"{response.status_code} {response.text[:300]}: " + "; ".join(faults)
