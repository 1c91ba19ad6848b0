"""Catalog entries, one module per family: each defines ``entries() -> list[Entry]``."""
