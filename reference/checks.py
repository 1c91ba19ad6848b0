"""Checks of constructor numbers and flags, shared by every reference class and reached by
the optimized twins through the reference's constructors (contract item 6).

Each raises ``TypeError`` for a value of the wrong type and ``ValueError`` for a number
outside its range (NaN and +-inf included), naming what was expected and what arrived.
"""

from __future__ import annotations

import math


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what}: expected a number, got {type(value).__name__} {value!r}")
    return float(value)


def finite(value: object, what: str) -> float:
    """``value`` as a float; it must be a finite number."""
    v = _number(value, what)
    if not math.isfinite(v):
        raise ValueError(f"{what}: expected a finite number, got {value!r}")
    return v


def positive(value: object, what: str) -> float:
    """``value`` as a float; it must be a finite number ``> 0``."""
    v = _number(value, what)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{what}: expected a finite number > 0, got {value!r}")
    return v


def nonnegative(value: object, what: str) -> float:
    """``value`` as a float; it must be a finite number ``>= 0``."""
    v = _number(value, what)
    if not (math.isfinite(v) and v >= 0):
        raise ValueError(f"{what}: expected a finite number >= 0, got {value!r}")
    return v


def unit(value: object, what: str) -> float:
    """``value`` as a float; it must lie in ``[0, 1]``."""
    v = _number(value, what)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{what}: expected a number in [0, 1], got {value!r}")
    return v


def flag(value: object, what: str) -> bool:
    """``value``, which must be a bool (a string such as ``"False"`` is truthy: rejected)."""
    if not isinstance(value, bool):
        raise TypeError(f"{what}: expected a bool, got {type(value).__name__} {value!r}")
    return value


__all__ = ["finite", "flag", "nonnegative", "positive", "unit"]
