"""Which catalog entries, benchmark cases and implementations a run covers."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from benchmarks.workload import IMPLS, MODES, PEERS, timed_in_parallel
from properties.catalog import CATALOG
from properties.entry import BenchCase, Entry

QUICK_MAX_ROWS = 4096  # quick runs drop cases with batch * n above this


def match_entries(pattern: str, names: Iterable[str] | None = None) -> list[str]:
    """Names matching any of the comma-separated globs in ``pattern`` (catalog order)."""
    globs = [g.strip() for g in pattern.split(",") if g.strip()]
    return [
        name
        for name in (CATALOG if names is None else names)
        if any(fnmatch.fnmatchcase(name, g) for g in globs)
    ]


def peer_names(catalog: Mapping[str, Entry] | None = None) -> list[str]:
    """Every peer declared by some entry of ``catalog`` (default the catalog)."""
    entries = (CATALOG if catalog is None else catalog).values()
    return sorted({p for entry in entries for p in entry.bench.peers})


def parse_impls(text: str, catalog: Mapping[str, Entry] | None = None) -> tuple[str, ...]:
    """Comma-separated implementation names (``peers`` or the name of a peer an entry of
    ``catalog`` declares included); ``ValueError`` on an unknown name."""
    impls = tuple(i.strip() for i in text.split(",") if i.strip())
    known = [*IMPLS, PEERS, *peer_names(catalog)]
    unknown = [i for i in impls if i not in known]
    if not impls or unknown:
        raise ValueError(
            f"unknown implementation(s) {unknown or [text]}; choose from {', '.join(known)} "
            "(a candidate module goes to --impl)"
        )
    return impls


def rows(case: BenchCase) -> int:
    return case.batch * int(case.cfg.get("n", 1))


def in_quick_runs(case: BenchCase) -> bool:
    """Whether quick runs time ``case``: small enough (at most :data:`QUICK_MAX_ROWS`
    rows) and not left out by its entry."""
    return case.quick and rows(case) <= QUICK_MAX_ROWS


def regime(case: BenchCase) -> str:
    """What a case stands for: ``acting`` (one row: an agent choosing an action),
    ``ensemble`` (several replicas) or ``training`` (a batch)."""
    if int(case.cfg.get("n", 1)) > 1:
        return "ensemble"
    return "acting" if case.batch == 1 else "training"


def one_per_regime(cases: list[BenchCase]) -> list[BenchCase]:
    """A case per regime, in the entry's order: the first that carries a speed target, else
    the largest quick case (``twinnet report``'s sample of an entry)."""
    chosen: dict[str, BenchCase] = {}
    for case in cases:
        if not in_quick_runs(case):
            continue
        held = chosen.get(regime(case))
        if held is None or (not held.targets and (case.targets or rows(case) > rows(held))):
            chosen[regime(case)] = case
    picked = set(map(id, chosen.values()))
    return [c for c in cases if id(c) in picked]


@dataclass(frozen=True)
class Selection:
    """``impls``: tokens of :data:`~benchmarks.workload.IMPLS`, ``peers`` or peer names;
    ``candidate``: a module timed beside them, labelled by its name; ``optimized_module``:
    the module timed under the label ``optimized`` (``twinnet selfcheck`` plants a
    slowdown there)."""

    entries: str = "*"
    impls: tuple[str, ...] = (*IMPLS, PEERS)
    candidate: str | None = None
    quick: bool = False
    compile: bool = False
    optimized_module: str = "optimized"
    #: one case per regime per entry (:func:`one_per_regime`): the report's quick sample
    sample: bool = False

    def implementations(self, entry: Entry) -> list[str]:
        """Every implementation this selection may time for ``entry``, in table order."""
        names = ["reference", "optimized", self.candidate, "vmap", "compile", *entry.bench.peers]
        return list(dict.fromkeys(n for n in names if n))

    def wants_impl(self, entry: Entry, case: BenchCase, impl: str) -> bool:
        if impl == self.candidate:
            return True
        if impl in entry.bench.peers:
            return PEERS in self.impls or impl in self.impls
        if impl not in self.impls:
            return False
        if impl == "vmap":
            return timed_in_parallel(entry, case)
        if impl == "compile":
            return self.compile or not self.quick
        return True

    def cases(
        self, catalog: Mapping[str, Entry] | None = None
    ) -> Iterator[tuple[Entry, BenchCase, str, str]]:
        """(entry, case, mode, impl) for every benchmark of this selection (of ``catalog``,
        default the catalog)."""
        catalog = CATALOG if catalog is None else catalog
        for name in match_entries(self.entries, catalog):
            entry = catalog[name]
            cases = one_per_regime(list(entry.bench.cases)) if self.sample else entry.bench.cases
            for case in cases:
                if self.quick and not in_quick_runs(case):
                    continue
                for mode in (m for m in MODES if m in case.modes):
                    for impl in self.implementations(entry):
                        if self.wants_impl(entry, case, impl):
                            yield entry, case, mode, impl

    def module(self, impl: str) -> str:
        """The module (or implementation token) timed under the label ``impl``."""
        return self.optimized_module if impl == "optimized" else impl
