"""Rate tables: strict loading, immutable model, date-effective lookup."""

from taxapi.rate_tables.loader import load_rate_book
from taxapi.rate_tables.model import Jurisdiction, RateBook, RateLookup

__all__ = ["Jurisdiction", "RateBook", "RateLookup", "load_rate_book"]
