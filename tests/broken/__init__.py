"""Deliberately broken candidates: the property suite must report each as a failure.

Every module exposes ``alf`` like a real candidate (``twinnet verify --impl
tests.broken.<module>``): the optimized package with one defect planted.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import optimized.alf


def candidate(**overrides: Any) -> SimpleNamespace:
    """``optimized.alf``'s public names with some of them replaced."""
    names = {n: getattr(optimized.alf, n) for n in optimized.alf.__all__}
    return SimpleNamespace(**{**names, **overrides})
