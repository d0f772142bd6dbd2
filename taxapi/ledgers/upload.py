"""Columnar uploads (Parquet, Arrow IPC) to the HTTP endpoints: the body is streamed to a temporary
file, refused past the endpoint's size limit, and read from there in batches, off the event loop.

No FastAPI here: :func:`spooled_upload` takes the body as an async iterator of chunks from
:func:`taxapi.ingest.body_chunks`, the one body reader, which holds it to the endpoint's limit
(``Content-Length`` first, then counted bytes). It is the one place where an upload reaches the disk.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from taxapi.errors import ValidationFailed

if TYPE_CHECKING:
    from taxapi.ledgers.sources import LedgerFile

PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
ARROW_FILE_MEDIA_TYPE = "application/vnd.apache.arrow.file"
ARROW_STREAM_MEDIA_TYPE = "application/vnd.apache.arrow.stream"
#: Media type -> ledger file format.
COLUMNAR_MEDIA_TYPES = {PARQUET_MEDIA_TYPE: "parquet", ARROW_FILE_MEDIA_TYPE: "arrow", ARROW_STREAM_MEDIA_TYPE: "arrow"}
_NAMES = {"parquet": "Parquet", "arrow": "Arrow IPC"}


def openapi_content(description: str) -> dict[str, dict[str, object]]:
    """The request-body entries of the columnar media types."""
    return {
        media: {"schema": {"type": "string", "format": "binary", "description": description}}
        for media in COLUMNAR_MEDIA_TYPES
    }


@contextlib.asynccontextmanager
async def spooled_upload(chunks: AsyncIterator[bytes], media_type: str) -> AsyncIterator[LedgerFile]:
    """The body as a ledger file on disk, deleted when the block ends. ``chunks`` come from
    :func:`taxapi.ingest.body_chunks`, which holds the body to the endpoint's limit (413 past it)."""
    from taxapi.ledgers.sources import LedgerFile, sniff_format  # pyarrow only when a columnar body arrives

    fmt = COLUMNAR_MEDIA_TYPES[media_type]
    fd, name = tempfile.mkstemp(prefix="taxapi-upload-", suffix=f".{fmt}")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            async for chunk in chunks:
                f.write(chunk)
        if sniff_format(path) != fmt:
            raise ValidationFailed.at(["body"], f"is not a {_NAMES[fmt]} file (Content-Type: {media_type})")
        yield LedgerFile(path, fmt)
    finally:
        path.unlink(missing_ok=True)
