"""Input validation: every bad input is rejected before any computation with a
``TypeError`` (structure, type, dtype) or ``ValueError`` (shape, values) whose message says
what was expected and what arrived."""

from __future__ import annotations

from typing import Any

import torch

from .specs import BoundedTensorSpec, TensorSpec, leaves, structure


def check_inputs(
    spec: Any,
    inputs: Any,
    ranks: tuple[int, ...],
    float_dtype: torch.dtype | None,
    what: str,
) -> tuple[int, ...]:
    """Validate ``inputs`` against the spec nest ``spec`` with ``r in ranks`` outer dims
    (one outer shape for all leaves); floating leaves must have ``float_dtype`` when given.
    Returns the outer shape."""
    if structure(spec) != structure(inputs):
        raise TypeError(
            f"{what}: expected nest structure {structure(spec)}, got {structure(inputs)}"
        )
    outer: tuple[int, ...] | None = None
    for i, (s, x) in enumerate(zip(leaves(spec), leaves(inputs))):
        where = f"{what} leaf {i}"
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{where}: expected a torch.Tensor for {s}, got {type(x).__name__}")
        if s.dtype.is_floating_point:
            if not x.dtype.is_floating_point:
                raise TypeError(f"{where}: expected a floating tensor for {s}, got {x.dtype}")
            if float_dtype is not None and x.dtype != float_dtype:
                raise TypeError(
                    f"{where}: expected {float_dtype} (the parameters' dtype), got {x.dtype}"
                )
        elif x.dtype.is_floating_point or x.dtype.is_complex or x.dtype == torch.bool:
            raise TypeError(f"{where}: expected an integer tensor for {s}, got {x.dtype}")
        rank = x.dim() - len(s.shape)
        if rank not in ranks or x.shape[rank:] != s.shape:
            raise ValueError(
                f"{where}: expected {' or '.join(map(str, ranks))} outer dims and inner shape "
                f"{list(s.shape)}, got shape {list(x.shape)}"
            )
        if outer is None:
            outer = tuple(x.shape[:rank])
        elif tuple(x.shape[:rank]) != outer:
            raise ValueError(f"{where}: expected outer dims {list(outer)}, got {list(x.shape)}")
        if isinstance(s, BoundedTensorSpec) and not s.dtype.is_floating_point:
            check_range(s, x, where)
    return outer or ()


def check_range(spec: BoundedTensorSpec, x: torch.Tensor, where: str) -> None:
    lo, hi = spec.minimum.to(x.device), spec.maximum.to(x.device)
    if bool(((x < lo) | (x > hi)).any()):
        raise ValueError(
            f"{where}: expected values in [{lo.min().item()}, {hi.max().item()}], got values "
            f"in [{x.min().item()}, {x.max().item()}]"
        )


def own_spec(spec: Any, what: str, cls: type = TensorSpec) -> Any:
    """``spec`` if it is one of this package's ``cls`` specs, else a ``TypeError``."""
    if not isinstance(spec, cls):
        raise TypeError(f"{what}: expected a {cls.__name__} of this package, got {spec!r}")
    return spec


def positive_int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what}: expected a positive int, got {value!r}")
    return value
