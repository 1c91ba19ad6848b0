"""The catalog as plain data: each entry's kind and family, which implementations provide
it, the properties that apply, and why each other property does not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from properties.candidate import Impl
from properties.catalog import known_ids
from properties.entry import Entry


def provided(impl: str, entry: Entry) -> bool:
    """Whether module ``impl`` (``reference``: the entry's own reference) has the entry's
    name; a module that cannot be imported provides nothing."""
    module = entry.reference if impl == "reference" else impl
    try:
        return Impl(module).provides(entry.name)
    except Exception:  # a candidate's import may fail in any way
        return False


def catalog_rows(catalog: Mapping[str, Entry], impls: Sequence[str]) -> list[dict[str, Any]]:
    """One row per entry of ``catalog``, with the implementations ``impls``."""
    ids = known_ids(catalog.values())
    rows = []
    for name, entry in catalog.items():
        rows.append(
            {
                "entry": name,
                "kind": entry.kind.title,
                "family": entry.family,
                "implementations": {impl: provided(impl, entry) for impl in impls},
                "properties": [p for p in ids if p in entry.properties],
                "not_applicable": entry.reasons(),
                "bench": [case.label for case in entry.bench.cases],
            }
        )
    return rows
