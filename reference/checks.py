"""Checks of constructor numbers and flags, shared by every reference class and reached by
the optimized twins through the reference's constructors (contract item 6).

Each raises ``TypeError`` for a value of the wrong type and ``ValueError`` for a number
outside its range (NaN and +-inf included), naming what was expected and what arrived.
:func:`first_float_parameter` finds the parameter whose dtype a forward checks its inputs
against.
"""

from __future__ import annotations

import math

import torch
from torch import nn


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


def size(value: object, what: str, least: int = 1) -> int:
    """``value``, which must be an int ``>= least`` (a float such as ``4.0``, NaN or inf is
    rejected: a size counts units)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what}: expected an int >= {least}, got {type(value).__name__} {value!r}")
    if value < least:
        raise ValueError(f"{what}: expected an int >= {least}, got {value!r}")
    return value


def sizes(value: object, what: str) -> tuple[int, ...]:
    """``value`` as a non-empty tuple of ints ``>= 1``: one int, or a sequence of them."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (size(value, what),)
    if not isinstance(value, (tuple, list)) or not value:
        raise TypeError(
            f"{what}: expected an int >= 1 or a non-empty sequence of them, got "
            f"{type(value).__name__} {value!r}"
        )
    return tuple(size(v, what) for v in value)


def flag(value: object, what: str) -> bool:
    """``value``, which must be a bool (a string such as ``"False"`` is truthy: rejected)."""
    if not isinstance(value, bool):
        raise TypeError(f"{what}: expected a bool, got {type(value).__name__} {value!r}")
    return value


def first_float_parameter(module: nn.Module) -> torch.Tensor | None:
    """The first floating parameter of ``module`` in ``parameters()`` order (its own, then
    each child's, depth first), or None. It walks the module tree only until that parameter
    appears, where ``parameters()`` builds every prefixed name and a set of the modules seen:
    the forward calls this for every input check."""
    for p in module._parameters.values():
        if p is not None and p.is_floating_point():
            return p
    for child in module._modules.values():
        if child is not None:
            found = first_float_parameter(child)
            if found is not None:
                return found
    return None


__all__ = [
    "finite",
    "first_float_parameter",
    "flag",
    "nonnegative",
    "positive",
    "size",
    "sizes",
    "unit",
]
