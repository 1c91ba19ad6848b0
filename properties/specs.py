"""Specs as plain data, and specs in the candidate's own classes.

Configs hold twinnet's ``TensorSpec`` / ``BoundedTensorSpec`` as plain data: shape, dtype
and bounds. A build hands the candidate specs of its *own* classes when it exposes
``alf.TensorSpec`` / ``alf.BoundedTensorSpec`` (made through their public constructors,
``TensorSpec(shape, dtype)`` and ``BoundedTensorSpec(shape, dtype, minimum, maximum)``),
twinnet's otherwise. A spec a network reports back (``output_spec``, ``state_spec``) is read
through the public attributes ``shape``, ``dtype``, ``minimum`` and ``maximum`` only, so
specs of different classes with the same fields compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from properties.candidate import Impl
from reference.pyrado.spaces import BoxSpace, EnvSpec
from reference.specs import BoundedTensorSpec, Nest, TensorSpec, map_structure


def alf_specs(impl: Impl, nest: Nest) -> Nest:
    """``nest`` of twinnet specs rebuilt with ``impl``'s ALF spec classes (where it has them)."""
    plain = impl.find("alf.TensorSpec") or TensorSpec
    bounded = impl.find("alf.BoundedTensorSpec") or BoundedTensorSpec
    if plain is TensorSpec and bounded is BoundedTensorSpec:
        return nest

    def convert(spec: Any) -> Any:
        if not isinstance(spec, TensorSpec):
            return spec
        if isinstance(spec, BoundedTensorSpec):
            return bounded(spec.shape, spec.dtype, spec.minimum, spec.maximum)
        return plain(spec.shape, spec.dtype)

    return map_structure(convert, nest)


def pyrado_specs(impl: Impl, obs_space: BoundedTensorSpec, act_space: BoundedTensorSpec) -> Any:
    """A Pyrado ``EnvSpec(obs_space, act_space)`` built with ``impl``'s own ``pyrado.EnvSpec`` /
    ``pyrado.BoxSpace`` (twinnet's where it has none) from two bounded twinnet specs, through
    the public constructors ``BoxSpace(bound_lo, bound_up)`` and ``EnvSpec(obs, act)``."""
    box = impl.find("pyrado.BoxSpace") or BoxSpace
    env = impl.find("pyrado.EnvSpec") or EnvSpec

    def space(spec: BoundedTensorSpec) -> Any:
        lo = np.broadcast_to(np.asarray(spec.minimum, dtype=np.float64), spec.shape)
        up = np.broadcast_to(np.asarray(spec.maximum, dtype=np.float64), spec.shape)
        return box(lo.copy(), up.copy())

    return env(space(obs_space), space(act_space))


@dataclass(frozen=True)
class SpecData:
    """The fields of a tensor spec, whatever its class."""

    shape: tuple[int, ...]
    dtype: torch.dtype
    minimum: tuple[float, ...] | None = None
    maximum: tuple[float, ...] | None = None

    def __str__(self) -> str:
        bounds = "" if self.minimum is None else f", [{self.minimum}, {self.maximum}]"
        return f"spec({list(self.shape)}, {self.dtype}{bounds})"


def _bound(value: Any, shape: tuple[int, ...]) -> tuple[float, ...]:
    return tuple(float(v) for v in np.broadcast_to(np.asarray(value, dtype=np.float64), shape).flat)


def spec_data(spec: Any) -> SpecData:
    """:class:`SpecData` of any spec object with ``shape`` and ``dtype`` (and bounds)."""
    try:
        shape, dtype = tuple(int(d) for d in spec.shape), spec.dtype
    except (AttributeError, TypeError) as error:
        raise TypeError(f"expected a tensor spec with shape and dtype, got {spec!r}") from error
    if hasattr(spec, "minimum") and hasattr(spec, "maximum"):
        return SpecData(shape, dtype, _bound(spec.minimum, shape), _bound(spec.maximum, shape))
    return SpecData(shape, dtype)


def specs_data(nest: Nest) -> Nest:
    """Every spec of a nest as :class:`SpecData`."""
    return map_structure(spec_data, nest)
