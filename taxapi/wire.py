"""Wire types shared by every endpoint."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_iso_date(value: Any) -> date:
    """Only ``YYYY-MM-DD``: no timestamps, no datetimes (pydantic's lax mode would read "0" as 1970-01-01)."""
    if type(value) is date:
        return value
    if not isinstance(value, str) or not _DATE_RE.match(value.strip()):
        raise ValueError("must be a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("is not a calendar date (YYYY-MM-DD)") from None


IsoDate = Annotated[
    date,
    PlainValidator(parse_iso_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
]
