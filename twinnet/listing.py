"""The catalog as plain data: each entry's kind and family, which implementations provide
it (``shared`` where an implementation's object *is* the reference's), the properties that
apply, why each other property does not and whether that reason comes from the kind or
the entry, and the source files behind the entry."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from properties.candidate import Impl, importable
from properties.catalog import declared_in, known_ids
from properties.entry import Entry


def _module_of(impl: str, entry: Entry) -> str:
    return entry.reference if impl == "reference" else impl


def provided(impl: str, entry: Entry) -> bool:
    """Whether module ``impl`` (``reference``: the entry's own reference) has the entry's
    name; a module that cannot be imported provides nothing, but a submodule that raises
    while importing raises :class:`~properties.candidate.CandidateImportError`."""
    module = _module_of(impl, entry)
    if importable(module) is not None:
        return False
    return Impl(module).provides(entry.name)


def shared(impl: str, entry: Entry) -> bool:
    """Whether ``impl``'s object under the entry's name is the reference's own (routing
    plumbing, records, plain functions): shown as ``shared``, never as an implementation."""
    if impl == "reference" or importable(impl) is not None:
        return False
    return Impl(impl).same_object(Impl(entry.reference), entry.name)


def source_file(obj: object) -> str | None:
    """The file that defines ``obj`` (a class, function or module; an instance: its class)."""
    if obj is None:
        return None
    for candidate in (obj, type(obj)):
        try:
            found = inspect.getsourcefile(candidate)  # type: ignore[arg-type]
        except TypeError:
            continue
        if found:
            return found
    return None


def _shown(path: str | None) -> str | None:
    """``path`` relative to the working directory when it lies below it."""
    if path is None:
        return None
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def _case_modules(module: Any) -> list[Any]:
    """The ``benchmarks.cases`` modules an entry module assembles its ``Bench`` from."""
    return [
        v
        for v in vars(module).values()
        if inspect.ismodule(v) and v.__name__.startswith("benchmarks.cases.")
    ]


def files(entry: Entry, impls: Sequence[str]) -> dict[str, Any]:
    """The source files behind ``entry``, found from the objects it points at (so they
    stay right when files move): the reference's and each implementation's object, the
    module that declares the entry, and where its benchmark cases and peers come from."""
    out: dict[str, Any] = {}
    for impl in impls:
        module = _module_of(impl, entry)
        obj = Impl(module).find(entry.name) if importable(module) is None else None
        out[impl] = _shown(source_file(obj))
    declaring = sys.modules.get(declared_in(entry.name) or "")
    entry_file = source_file(declaring) if declaring else None
    out["entry"] = _shown(entry_file or source_file(entry.build))
    bench = [source_file(peer) for peer in entry.bench.peers.values()]
    if entry.bench.cases and declaring is not None:
        bench[:0] = [source_file(m) for m in _case_modules(declaring)]
    out["benchmarks"] = list(dict.fromkeys(_shown(f) for f in bench if f))
    return out


def catalog_rows(
    catalog: Mapping[str, Entry], impls: Sequence[str], with_files: bool = False
) -> list[dict[str, Any]]:
    """One row per entry of ``catalog``, with the implementations ``impls`` (and, with
    ``with_files``, the source files behind each entry)."""
    ids = known_ids(catalog.values())
    rows = []
    for name, entry in catalog.items():
        reasons = entry.reasons()
        row = {
            "entry": name,
            "kind": entry.kind.title,
            "family": entry.family,
            "implementations": {impl: provided(impl, entry) for impl in impls},
            "shared": [impl for impl in impls if shared(impl, entry)],
            "properties": [p for p in ids if p in entry.properties],
            "not_applicable": reasons,
            "not_applicable_from": {p: "entry" if p in entry.left_out else "kind" for p in reasons},
            "bench": [case.label for case in entry.bench.cases],
        }
        if with_files:
            row["files"] = files(entry, impls)
        rows.append(row)
    return rows
