"""Numbers, dates and yes/no as spreadsheet users type them, per locale (CLDR data via babel).

``1.234,56`` is 1234.56 in ``de_DE``, ``1 234,56`` in ``fr_FR`` and ``1'234.56`` in ``de_CH``.
Parsing is strict (babel's ``strict=True``): a number whose grouping does not fit the locale
(``1.23`` in ``de_DE``) is refused, never guessed. Without a locale an amount is a plain
decimal with a dot (``1234.56``), the API's wire format.

Formatting is for spreadsheet cells: a bare number with the locale's decimal sign and no group
separators (``1234,50``), so ``=WERT()``/``=VALUE()`` and ``IMPORTDATA`` read it as a number. The
value is formatted exactly as computed: money keeps its minor units (``12,30``, never ``12,3``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import parse_date as babel_parse_date
from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol
from babel.numbers import parse_decimal as babel_parse_decimal

from taxapi.money import parse_decimal as parse_wire_decimal

_SPACES = "\u0020\u00a0\u202f\u2009"
_APOSTROPHES = "'\u2019"  # Swiss grouping: CLDR has used both; people type both
_TRUE = frozenset("true 1 yes y wahr ja vrai oui verdadero vero si sí x".split())
_FALSE = frozenset("false 0 no n falsch nein faux non falso".split())
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_LOCAL_DATE = re.compile(r"^[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{4}$")
LOCALE_PATTERN = r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,2}$"


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """How one locale writes numbers. ``locale`` None is the API's own format (dot, no grouping)."""

    locale: str | None
    decimal: str
    group: str

    def parse(self, text: str) -> Decimal:
        """A decimal typed in this locale, or ValueError saying what is accepted."""
        text = text.strip()
        if self.locale is None:
            return parse_wire_decimal(text)
        plain = self._plain.match(text)
        if plain is not None:  # fast path: digits and at most one decimal sign
            value = Decimal(text.replace(self.decimal, ".")) if self.decimal != "." else Decimal(text)
        else:
            for same in (_SPACES, _APOSTROPHES):
                if self.group in same:
                    text = re.sub(f"[{same}]", self.group, text)
            if not self._allowed.match(text):
                raise ValueError(self._hint())
            try:
                value = babel_parse_decimal(text, locale=self.locale, strict=True)
            except NumberFormatError:
                raise ValueError(self._hint()) from None
        return parse_wire_decimal(format(value, "f"))  # same digit limits as the JSON wire

    def format(self, value: Decimal) -> str:
        text = format(value, "f")
        return text if self.decimal == "." else text.replace(".", self.decimal)

    @property
    def _plain(self) -> re.Pattern[str]:
        return _plain_re(self.decimal)

    @property
    def _allowed(self) -> re.Pattern[str]:
        return _allowed_re(self.decimal, self.group)

    def _hint(self) -> str:
        example = f"1{self.group}234{self.decimal}56".replace("\u202f", " ").replace("\u00a0", " ")
        return f"must be a number as written in {self.locale}, e.g. 1234{self.decimal}56 or {example}"


@lru_cache(maxsize=64)
def _plain_re(decimal: str) -> re.Pattern[str]:
    return re.compile(r"^-?[0-9]+(" + re.escape(decimal) + r"[0-9]+)?$")


@lru_cache(maxsize=64)
def _allowed_re(decimal: str, group: str) -> re.Pattern[str]:
    return re.compile(r"^-?[0-9" + re.escape(decimal + group) + r"]+$")


WIRE = NumberFormat(None, ".", "")


@lru_cache(maxsize=256)
def number_format(locale: str | None) -> NumberFormat:
    """The number format of a locale id (``de_DE`` or ``de-DE``); ValueError for an unknown one."""
    if locale is None or not locale.strip():
        return WIRE
    text = locale.strip()
    if not re.match(LOCALE_PATTERN, text):
        raise ValueError("must be a locale id such as de_DE, fr_FR or en_US")
    try:
        loc = Locale.parse(text.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown locale '{text}' (use an id such as de_DE, fr_FR or en_US)") from None
    name = str(loc)
    return NumberFormat(name, get_decimal_symbol(name), get_group_symbol(name))


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("must be true or false (also 1/0, yes/no)")


def parse_day(value: object, locale: str | None) -> date:
    """``YYYY-MM-DD`` always; with a locale also its short numeric form with a 4-digit year (``10.03.2026``)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError("is not a calendar date (YYYY-MM-DD)") from None
    if locale is not None and _LOCAL_DATE.match(text):
        try:
            return babel_parse_date(text, locale=locale)
        except (ValueError, IndexError):
            raise ValueError(f"is not a calendar date in {locale}'s short form or YYYY-MM-DD") from None
    raise ValueError("must be a date in the form YYYY-MM-DD")
