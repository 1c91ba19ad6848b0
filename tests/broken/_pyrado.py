"""``pyrado_candidate``: the optimized Pyrado names with some replaced (for broken candidates)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import optimized.pyrado


def pyrado_candidate(**overrides: Any) -> SimpleNamespace:
    """``optimized.pyrado``'s public names with some of them replaced."""
    names = {n: getattr(optimized.pyrado, n) for n in optimized.pyrado.__all__}
    return SimpleNamespace(**{**names, **overrides})
