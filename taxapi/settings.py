"""Every ``TAXAPI_*`` setting, read from the environment once and validated at start-up.

One class, :class:`Settings` (pydantic-settings, ``env_prefix="TAXAPI_"``). A bad value stops the
server, or the command, with one line naming the variable (:func:`load_settings` raises
:class:`SettingsError`); nothing else in the package reads the environment.

The table of settings in README.md ("Settings") is the user-facing form of this class.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from dataclasses import fields
from typing import get_type_hints

from pydantic import AliasChoices, Field, ValidationError, create_model, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from taxapi.ingest import Limits

ENV_PREFIX = "TAXAPI_"

#: What each of :class:`taxapi.ingest.Limits` bounds (sizes in bytes); the defaults are Limits' own.
LIMIT_DESCRIPTIONS = {
    "max_body_bytes_calculate": "Largest `POST /v1/calculate` body.",
    "max_body_bytes_thresholds_json": "Largest JSON body of `POST /v1/thresholds`.",
    "max_body_bytes_thresholds_csv": "Largest CSV, Parquet or Arrow body of `POST /v1/thresholds`.",
    "max_body_bytes_oss_json": "Largest JSON body of `POST /v1/oss/summary`.",
    "max_body_bytes_oss_csv": "Largest CSV (streamed), Parquet or Arrow body of `POST /v1/oss/summary`.",
    "max_body_bytes_batch_csv": "Largest CSV body or upload of `POST /v1/batch`.",
    "max_body_bytes_batch_xlsx": "Largest XLSX body or upload of `POST /v1/batch`.",
    "csv_max_record_chars": "Longest CSV record (line or quoted field); longer is a 413 naming its row.",
    "xlsx_max_uncompressed_bytes": "Largest workbook unpacked (checked from the zip directory).",
    "xlsx_max_rows": "Most rows of an XLSX sheet (checked while it is read).",
    "xlsx_max_columns": "Most columns of an XLSX sheet.",
    "xlsx_max_cell_chars": "Longest XLSX cell.",
    "request_time_limit_seconds": "Seconds of file work a request may take (408 past them).",
    "file_workers": "File requests worked on at once per process (more wait).",
}

_LIMIT_TYPES = get_type_hints(Limits)
#: The limit settings, one field per field of :class:`taxapi.ingest.Limits`, positive.
_LimitSettings = create_model(
    "_LimitSettings",
    __base__=BaseSettings,
    **{f.name: (_LIMIT_TYPES[f.name], Field(f.default, gt=0, description=LIMIT_DESCRIPTIONS[f.name])) for f in fields(Limits)},
)
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class SettingsError(Exception):
    """A setting is invalid; the message is one line that names the variable."""


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(_LimitSettings):  # type: ignore[misc,valid-type]
    """The server's and the command line's settings (each field is ``TAXAPI_<NAME>``)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    host: str = Field("127.0.0.1", description="Address `taxapi serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port `taxapi serve` listens on.")
    workers: int = Field(1, ge=1, le=512, description="Worker processes of `taxapi serve` (one per core).")
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        validation_alias=AliasChoices("TAXAPI_FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS"),
        description="Proxies whose X-Forwarded-* headers are trusted (comma-separated, or `*`).",
    )
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field("info", description="Server log level.")
    access_log: bool = Field(True, description="One JSON line per request on stdout.")
    access_log_values: bool = Field(
        False,
        description="Also log query values and path parameters (tax ids, postcodes, amounts). Off by default: "
                    "the access log then carries the route template only.",
    )
    shutdown_timeout: float = Field(
        30, gt=0, le=3600,
        description="Seconds a stopping server waits for requests in flight before closing their connections.",
    )

    rates_dir: Path | None = Field(None, description="Rate tables to serve instead of the installed ones.")
    ecb_file: Path | None = Field(None, description="ECB reference-rate history (eurofxref-hist .zip or .csv) to use.")
    data_dir: Path | None = Field(
        None,
        description="Where `taxapi ecb refresh` writes the ECB history (`DATA_DIR/ecb/`) and where newer rate "
                    "tables can be put (`DATA_DIR/rates/`); read in preference to the installed copies.",
    )

    us_local_dir: Path | None = Field(
        None, description="US local-tax imports (`taxapi rates import-…`) to serve beside the shipped ones.",
    )

    api_keys: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(),
        description="Comma-separated SHA-256 hex digests of the accepted API keys. Empty: no key needed.",
    )
    api_keys_file: Path | None = Field(None, description="A file of SHA-256 hex digests of accepted API keys, one a line.")
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Comma-separated origins allowed to call the API from a browser (`*` for any). Empty: CORS off."
    )
    metrics: bool = Field(True, description="Serve Prometheus metrics at `/metrics`.")
    prometheus_multiproc_dir: Path | None = Field(
        None, validation_alias="PROMETHEUS_MULTIPROC_DIR",
        description="prometheus-client's own variable: a directory where several worker processes keep their counts. "
                    "`taxapi serve --workers N` makes a temporary one when it is unset.",
    )

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        value = _comma_list(value)
        if isinstance(value, (list, tuple, set, frozenset)):
            return frozenset(_digest(str(v), where="") for v in value)
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        return _comma_list(value)

    @field_validator("rates_dir", "us_local_dir")
    @classmethod
    def _an_existing_directory(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value}: no such directory" if not value.exists() else f"{value} is not a directory")
        return value

    @field_validator("data_dir", "prometheus_multiproc_dir")
    @classmethod
    def _a_directory(cls, value: Path | None) -> Path | None:
        if value is not None and value.exists() and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    @field_validator("ecb_file", "api_keys_file")
    @classmethod
    def _a_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value}: no such file" if not value.exists() else f"{value} is not a file")
        return value

    def accepted_key_digests(self) -> frozenset[str]:
        """The digests of ``api_keys`` and of every line of ``api_keys_file`` (``#`` starts a comment)."""
        digests = set(self.api_keys)
        if self.api_keys_file is not None:
            try:
                text = self.api_keys_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise SettingsError(f"{ENV_PREFIX}API_KEYS_FILE: {self.api_keys_file}: cannot be read ({exc.__class__.__name__})") from None
            for n, line in enumerate(text.splitlines(), start=1):
                line = line.split("#", 1)[0].strip()
                if line:
                    try:
                        digests.add(_digest(line, where=f"{self.api_keys_file}:{n}: "))
                    except ValueError as exc:
                        raise SettingsError(f"{ENV_PREFIX}API_KEYS_FILE: {exc}") from None
        return frozenset(digests)


def _digest(value: str, *, where: str) -> str:
    value = value.strip().lower()
    if not _DIGEST.match(value):
        raise ValueError(f"{where}expected the SHA-256 hex digest of a key (64 hex digits), not the key itself: "
                         "`printf %s KEY | sha256sum`")
    return value


def _env_name(loc: str) -> str:
    """The variable an error is about: a field's ``TAXAPI_`` name, or the alias it was read under."""
    return ENV_PREFIX + loc.upper() if loc in Settings.model_fields else loc


def load_settings() -> Settings:
    """Read and validate the environment; a bad value raises :class:`SettingsError` with one line."""
    try:
        settings = Settings()
        settings.accepted_key_digests()
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = err.get("loc") or ()
        field = str(loc[0]) if loc else ""
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        name = _env_name(field) if field else "settings"
        given = err.get("input")
        if field and isinstance(given, str) and field not in ("api_keys",) and err.get("type") != "value_error":
            msg = f"{msg} (got {given!r})"
        raise SettingsError(f"{name}: {msg}") from None
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (tests that change the environment call ``get_settings.cache_clear()``)."""
    return load_settings()
