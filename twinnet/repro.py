"""Reproduction lines for a failing cell: the ``twinnet verify`` command that reruns just
that cell, and the plain pytest command of one failing test item."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

#: The folder pytest node ids are relative to (``twinnet.runner`` runs with this rootdir).
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Reproduce:
    """The options of a verify run that decide which examples a property draws."""

    impl: str
    profile: str
    seed: int | None = None
    catalog_extra: str = ""

    def _options(self, profile_flag: str, seed_flag: str) -> list[str]:
        options = [profile_flag, self.profile]
        if self.seed is not None:
            options += [seed_flag, str(self.seed)]
        if self.catalog_extra:
            options += ["--catalog-extra", self.catalog_extra]
        return options

    def verify(self, entry: str, prop: str) -> str:
        """The ``twinnet verify`` command of one cell."""
        cell = ["--impl", self.impl, "--entries", entry, "--properties", prop]
        return shlex.join(["twinnet", "verify", *cell, *self._options("--profile", "--seed")])

    def pytest(self, nodeid: str) -> str:
        """The pytest command of one test item. Its path is absolute, so the command runs
        from any folder (the candidate's too): pytest then finds the suite's options in
        ``properties/conftest.py`` beside it."""
        options = self._options("--hypothesis-profile", "--hypothesis-seed")
        path, sep, test = nodeid.partition("::")
        item = str(ROOT / path) + sep + test
        return shlex.join(["pytest", item, "--impl", self.impl, *options, "-p", "no:cacheprovider"])

    def lines(self, entry: str, prop: str, nodeid: str) -> list[str]:
        return [self.verify(entry, prop), self.pytest(nodeid)]
