"""The catalog as plain data: entries, which implementations provide them, properties."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.workload import package
from properties.catalog import CATALOG
from properties.entry import PROPERTY_IDS


def provided(impl_name: str, entry_name: str) -> bool:
    """Whether ``impl_name`` provides ``entry_name`` (False when it cannot be imported)."""
    try:
        return package(impl_name).provides(entry_name)
    except ImportError:
        return False


def catalog_rows(names: Sequence[str], impls: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for name in names:
        entry = CATALOG[name]
        rows.append(
            {
                "entry": name,
                "family": entry.family,
                "implementations": {impl: provided(impl, name) for impl in impls},
                "properties": [p for p in PROPERTY_IDS if p in entry.properties],
                "parallel": entry.parallel is not None,
                "bench": [case.label for case in entry.bench],
            }
        )
    return rows
