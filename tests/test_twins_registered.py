"""Every optimized twin is in force once its library's package is imported: a twin whose
module nothing imports is never registered, so ``convert`` would silently leave the
reference's slow module in place (the parity properties cannot see that)."""

from __future__ import annotations

import importlib
import pkgutil

import optimized
import optimized.alf
import optimized.amago
import optimized.pyrado
from optimized.twin import TWINS


def test_importing_the_packages_registers_every_twin() -> None:
    registered = dict(TWINS)
    for module in pkgutil.walk_packages(optimized.__path__, "optimized."):
        importlib.import_module(module.name)
    late = sorted(
        f"{t.__module__}.{t.__qualname__}" for r, t in TWINS.items() if r not in registered
    )
    assert not late, f"twins registered only when their own module is imported: {late}"
