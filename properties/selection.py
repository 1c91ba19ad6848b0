"""What a property run covers, built once: the catalog (with ``--catalog-extra`` modules),
the candidate, the entry and property globs, and the devices.

``twinnet verify`` checks its arguments, builds one :class:`CellSelection` and hands it to
pytest as a plugin object (:class:`SelectionPlugin`); ``properties/conftest.py`` uses that
selection when a plugin carries one, and builds one from its own command-line options only
for a plain ``pytest properties ...`` run (and in pytest-xdist workers, which are separate
processes and rebuild it from the options they are started with).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import torch

from properties.candidate import Impl
from properties.catalog import catalog, known_ids, parse_modules
from properties.entry import Entry
from properties.ids import LEVELS, level_of

DEVICE_CHOICES = ("cpu", "cuda", "all")
#: ``--level``'s value for both levels.
ALL_LEVELS = "all"


def globs(given: str | Iterable[str] | None) -> tuple[str, ...]:
    """The globs of comma-separated text, or of every occurrence of a repeatable option
    (none given: ``*``)."""
    texts = [given] if isinstance(given, str) else list(given or [])
    found = tuple(g.strip() for text in texts for g in text.split(",") if g.strip())
    return found or ("*",)


def _selected(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, g) for g in patterns)


@dataclass
class CellSelection:
    """The cells of a run: ``(entry, property)`` pairs of ``catalog`` that match the globs,
    run against ``candidate`` on ``device`` (cpu, cuda, or all available)."""

    catalog: Mapping[str, Entry]
    candidate: Impl
    entries: tuple[str, ...] = ("*",)
    properties: tuple[str, ...] = ("*",)
    device: str = "all"
    level: str = ALL_LEVELS
    ids: list[str] = field(init=False)

    def __post_init__(self) -> None:
        if self.level not in (*LEVELS, ALL_LEVELS):
            raise ValueError(
                f"level: expected one of {', '.join((*LEVELS, ALL_LEVELS))}, got {self.level!r}"
            )
        self.ids = known_ids(self.catalog.values())

    @classmethod
    def build(
        cls,
        impl: str,
        entries: str | Iterable[str] | None = None,
        properties: str | Iterable[str] | None = None,
        device: str | None = None,
        catalog_extra: str | Sequence[str] | None = None,
        level: str | None = None,
    ) -> CellSelection:
        """The selection of these options (the catalog's ``ImportError`` of an unknown
        ``catalog_extra`` module propagates)."""
        return cls(
            catalog(parse_modules(catalog_extra)),
            Impl(impl),
            globs(entries),
            globs(properties),
            device or "all",
            level or ALL_LEVELS,
        )

    def wanted(self, entry: str, prop: str) -> bool:
        return (
            _selected(entry, self.entries)
            and _selected(prop, self.properties)
            and self.level in (ALL_LEVELS, level_of(prop))
        )

    def entry_names(self) -> list[str]:
        """The catalog's names that match the entry globs, in catalog order."""
        return [name for name in self.catalog if _selected(name, self.entries)]

    def devices(self) -> list[str]:
        if self.device == "all":
            return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
        return [self.device]


class SelectionPlugin:
    """A pytest plugin object carrying the selection its caller built
    (``pytest.main(args, plugins=[SelectionPlugin(selection)])``)."""

    def __init__(self, selection: CellSelection) -> None:
        self.selection = selection
