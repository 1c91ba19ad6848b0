"""The candidate's own tensor specs and nest helpers.

A spec describes one tensor without its outer dims: ``shape`` (a ``torch.Size``), ``dtype``
and, for a :class:`BoundedTensorSpec`, the inclusive bounds ``minimum`` / ``maximum`` as
tensors of the spec's shape. Specs equal only specs of their own class. A nest is a leaf or
a tuple / list / dict of nests; dict items are taken in sorted key order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch


class TensorSpec:
    """Shape and dtype of one tensor."""

    def __init__(self, shape: Sequence[int], dtype: torch.dtype = torch.float32):
        if not isinstance(dtype, torch.dtype):
            raise TypeError(f"TensorSpec: expected a torch.dtype, got {dtype!r}")
        self.shape = torch.Size(int(d) for d in shape)
        self.dtype = dtype

    def _key(self) -> tuple:
        return (self.shape, self.dtype)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.shape, self.dtype))

    def __repr__(self) -> str:
        return f"TensorSpec[foreign]({list(self.shape)}, {self.dtype})"


class BoundedTensorSpec(TensorSpec):
    """A spec whose values lie in ``[minimum, maximum]`` (broadcast to ``shape``)."""

    def __init__(
        self,
        shape: Sequence[int],
        dtype: torch.dtype = torch.float32,
        minimum: Any = 0,
        maximum: Any = 1,
    ):
        super().__init__(shape, dtype)
        kind = torch.float64 if dtype.is_floating_point else torch.int64
        self.minimum = torch.as_tensor(minimum, dtype=kind).expand(self.shape).clone()
        self.maximum = torch.as_tensor(maximum, dtype=kind).expand(self.shape).clone()
        if bool((self.minimum > self.maximum).any()):
            raise ValueError(
                f"BoundedTensorSpec: expected minimum <= maximum, got {minimum!r} > {maximum!r}"
            )

    def _key(self) -> tuple:
        return (*super()._key(), tuple(self.minimum.tolist()), tuple(self.maximum.tolist()))

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"BoundedTensorSpec[foreign]({list(self.shape)}, {self.dtype}, "
            f"[{self.minimum.min().item()}, {self.maximum.max().item()}])"
        )


def is_nest(x: Any) -> bool:
    return isinstance(x, (tuple, list, dict))


def leaves(nest: Any) -> list[Any]:
    """The leaves of ``nest``, dict items in sorted key order."""
    if isinstance(nest, dict):
        return [leaf for k in sorted(nest) for leaf in leaves(nest[k])]
    if isinstance(nest, (tuple, list)):
        return [leaf for item in nest for leaf in leaves(item)]
    return [nest]


def structure(nest: Any) -> str:
    """The shape of a nest as text, leaves shown as ``*`` (for error messages)."""
    if isinstance(nest, dict):
        return "{" + ", ".join(f"{k!r}: {structure(nest[k])}" for k in sorted(nest)) + "}"
    if isinstance(nest, (tuple, list)):
        inner = ", ".join(structure(v) for v in nest)
        return f"({inner})" if isinstance(nest, tuple) else f"[{inner}]"
    return "*"


def map_leaves(fn: Callable[[Any], Any], nest: Any) -> Any:
    """``nest`` with every leaf replaced by ``fn(leaf)``."""
    if isinstance(nest, dict):
        return {k: map_leaves(fn, v) for k, v in nest.items()}
    if isinstance(nest, (tuple, list)):
        return type(nest)(map_leaves(fn, v) for v in nest)
    return fn(nest)
