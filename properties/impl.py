"""Which implementation is under test, and how names are looked up in it.

The candidate is any importable module exposing some of the inventory's names as
``<module>.alf.EncodingNetwork`` and so on (``optimized`` by default; ``TWINNET_IMPL`` or
``twinnet verify --impl`` choose another). A name the candidate lacks is *not provided*:
its tests are skipped with that reason, never failed. Helpers a build needs besides the
network under test (``NestConcat``, ``FC``...) fall back to the reference's when the
candidate lacks them.
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from types import ModuleType
from typing import Any

DEFAULT_CANDIDATE = "optimized"
NOT_PROVIDED = "not provided"


class Impl:
    """Name lookup in one implementation module, e.g. ``Impl('optimized').alf.FC``."""

    def __init__(self, module_name: str, fallback: Impl | None = None):
        self.module_name = module_name
        self._fallback = fallback

    @property
    def module(self) -> ModuleType:
        return _import(self.module_name)

    def provides(self, dotted: str) -> bool:
        return self._lookup(dotted) is not None

    def _lookup(self, dotted: str) -> Any | None:
        obj: Any = self.module
        for part in dotted.split("."):
            if not hasattr(obj, part):
                try:
                    obj = importlib.import_module(f"{obj.__name__}.{part}")
                    continue
                except (ImportError, AttributeError):
                    return None
            obj = getattr(obj, part)
        return obj

    def get(self, dotted: str) -> Any:
        obj = self._lookup(dotted)
        if obj is None:
            if self._fallback is not None:
                return self._fallback.get(dotted)
            raise AttributeError(f"{self.module_name} does not provide {dotted}")
        return obj

    def __getattr__(self, family: str) -> _Family:
        if family.startswith("_"):
            raise AttributeError(family)
        return _Family(self, family)

    def __repr__(self) -> str:
        return f"Impl({self.module_name!r})"


class _Family:
    def __init__(self, impl: Impl, family: str):
        self._impl, self._family = impl, family

    def __getattr__(self, name: str) -> Any:
        return self._impl.get(f"{self._family}.{name}")


@cache
def _import(name: str) -> ModuleType:
    return importlib.import_module(name)


REFERENCE = Impl("reference")


def candidate_name() -> str:
    return os.environ.get("TWINNET_IMPL", DEFAULT_CANDIDATE)


def candidate() -> Impl:
    """The implementation named by ``TWINNET_IMPL`` now (read at every call, so one process
    can verify several candidates in turn)."""
    return _candidate(candidate_name())


@cache
def _candidate(name: str) -> Impl:
    return Impl(name, fallback=REFERENCE)
