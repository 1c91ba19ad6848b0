"""``CATALOG``: one :class:`~properties.entry.Entry` per inventory name.

Adding a network means adding an entry (config strategy, build function, the property ids
that apply, benchmark cases) to a module of ``properties/entries/``; every module there
that defines ``entries()`` is collected here, and the property modules loop over the
catalog.
"""

from __future__ import annotations

import importlib
import pkgutil

from properties import entries as _entries
from properties.entry import Entry


def _collect() -> dict[str, Entry]:
    catalog: dict[str, Entry] = {}
    for info in sorted(pkgutil.iter_modules(_entries.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{_entries.__name__}.{info.name}")
        for entry in module.entries():
            if entry.name in catalog:
                raise ValueError(f"catalog entry {entry.name} is defined twice")
            catalog[entry.name] = entry
    return catalog


CATALOG: dict[str, Entry] = _collect()
