"""Registration thresholds from a sales ledger: ``POST /v1/thresholds``."""
