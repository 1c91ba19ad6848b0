"""The catalog: one :class:`~properties.entry.Entry` per inventory name.

Adding a network means adding an entry to the module of ``properties/entries/<lib>/`` that
mirrors its reference module ``reference/<lib>/<module>.py``; every module there that
defines ``entries()`` is collected (``_``-prefixed modules hold shared build helpers).
Modules outside the project can add entries of their own (``pytest --catalog-extra
MODULE``): a user's network with its own reference, or the small stateful network of
twinnet's tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from functools import cache

from properties import entries as _entries
from properties.entry import Entry
from properties.ids import GLOBAL_IDS


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(_entries.__path__, prefix=f"{_entries.__name__}."):
        if not info.ispkg and not info.name.rpartition(".")[2].startswith("_"):
            names.append(info.name)
    return sorted(names)


#: The module that declared each entry name (for ``twinnet list -v``).
_DECLARED_IN: dict[str, str] = {}


def _add(catalog: dict[str, Entry], module_name: str) -> None:
    module = importlib.import_module(module_name)
    for entry in module.entries():
        if entry.name in catalog:
            raise ValueError(f"catalog entry {entry.name} is defined twice ({module_name})")
        entry.kind.check_declarations()
        catalog[entry.name] = entry
        _DECLARED_IN[entry.name] = module_name


def declared_in(name: str) -> str | None:
    """The module whose ``entries()`` declared entry ``name`` (None: not in a catalog)."""
    return _DECLARED_IN.get(name)


@cache
def _project() -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for name in _modules():
        _add(out, name)
    return out


@cache
def catalog(extra: tuple[str, ...] = ()) -> dict[str, Entry]:
    """Every entry of the project's entry modules (built once per process) and of the
    ``extra`` modules."""
    if not extra:
        return _project()
    out = dict(_project())
    for name in extra:
        _add(out, name)
    return out


def known_ids(entries: Iterable[Entry]) -> list[str]:
    """The global property ids, then the ids the entries' kinds and laws add, in first-seen
    order."""
    ids = dict.fromkeys(GLOBAL_IDS)
    for entry in entries:
        ids.update(dict.fromkeys(entry.own_ids))
    return list(ids)


def parse_modules(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """Comma-separated module names as a tuple (empty for None / '')."""
    if not text:
        return ()
    parts = text.split(",") if isinstance(text, str) else list(text)
    return tuple(p.strip() for p in parts if p.strip())


CATALOG: dict[str, Entry] = catalog()
