"""taxapi: VAT, GST and sales-tax calculation for cross-border e-commerce."""

__version__ = "0.1.0"
