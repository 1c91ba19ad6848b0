"""``SimpleActionEncoder``: a nest of actions as one flat vector, and its parallel form.

Every leaf of the action nest (dict items in sorted key order) is flattened and the parts
are concatenated: a discrete leaf with values in ``[lo, hi]`` becomes, element by element,
a one-hot vector of ``hi - lo + 1`` entries; a continuous leaf is taken as is. The output
dtype is that of the first continuous leaf (the default float dtype if there is none).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from .checks import check_inputs, own_spec, positive_int
from .network import Network
from .specs import BoundedTensorSpec, TensorSpec, leaves, map_leaves


def _width(spec: BoundedTensorSpec) -> int:
    per_element = 1
    if not spec.dtype.is_floating_point:
        per_element = int(spec.maximum.flatten()[0] - spec.minimum.flatten()[0]) + 1
    return spec.shape.numel() * per_element


def encode(specs: list[BoundedTensorSpec], actions: list[torch.Tensor], rows: int) -> torch.Tensor:
    """The concatenated encoding of validated actions with ``rows`` leading rows."""
    floats = [a.dtype for s, a in zip(specs, actions) if s.dtype.is_floating_point]
    dtype = floats[0] if floats else torch.get_default_dtype()
    parts = []
    for s, a in zip(specs, actions):
        if not s.dtype.is_floating_point:
            lo, hi = int(s.minimum.flatten()[0]), int(s.maximum.flatten()[0])
            a = F.one_hot((a - lo).long(), hi - lo + 1)
        width = _width(s)
        parts.append(a.reshape(rows, width).to(dtype))
    return torch.cat(parts, dim=-1)


class SimpleActionEncoder(Network):
    """A parameterless encoder of a nest of bounded actions (module doc)."""

    def __init__(self, action_spec: Any):
        super().__init__()
        for s in leaves(action_spec):
            own_spec(s, "SimpleActionEncoder action_spec", BoundedTensorSpec)
            one_range = bool((s.minimum == s.minimum.flatten()[0]).all()) and bool(
                (s.maximum == s.maximum.flatten()[0]).all()
            )
            if not s.dtype.is_floating_point and not one_range:
                raise ValueError(
                    f"SimpleActionEncoder: expected one range for every element of a discrete "
                    f"action, got {s}"
                )
        self.name = "SimpleActionEncoder"
        self.input_tensor_spec = action_spec
        self.state_spec = ()

    @property
    def output_spec(self) -> TensorSpec:
        specs = leaves(self.input_tensor_spec)
        floats = [s.dtype for s in specs if s.dtype.is_floating_point]
        dtype = floats[0] if floats else torch.get_default_dtype()
        return TensorSpec((sum(_width(s) for s in specs),), dtype)

    def forward(self, inputs: Any, state: Any = ()) -> tuple[torch.Tensor, Any]:
        outer = check_inputs(self.input_tensor_spec, inputs, (1,), None, f"{self.name} input")
        return encode(leaves(self.input_tensor_spec), leaves(inputs), outer[0]), state

    def make_parallel(self, n: int) -> ParallelActionEncoder:
        return ParallelActionEncoder(self, positive_int(n, f"{self.name} make_parallel n"))


class ParallelActionEncoder(Network):
    """``n`` replicas of a :class:`SimpleActionEncoder`: input ``[B, n, ...]`` or ``[B, ...]``
    (shared by every replica), output ``[B, n, D]``."""

    def __init__(self, single: SimpleActionEncoder, n: int):
        super().__init__()
        self.n, self.name = n, f"parallel_{single.name}"
        self.single_spec = single.input_tensor_spec
        self.input_tensor_spec = map_leaves(
            lambda s: BoundedTensorSpec((n, *s.shape), s.dtype, s.minimum[None], s.maximum[None]),
            single.input_tensor_spec,
        )
        self.state_spec = ()
        self.out_width = single.output_spec.shape[0]
        self.out_dtype = single.output_spec.dtype

    @property
    def output_spec(self) -> TensorSpec:
        return TensorSpec((self.n, self.out_width), self.out_dtype)

    def forward(self, inputs: Any, state: Any = ()) -> tuple[torch.Tensor, Any]:
        what = f"{self.name} input"
        outer = check_inputs(self.single_spec, inputs, (1, 2), None, what)
        if len(outer) == 2 and outer[1] != self.n:
            raise ValueError(f"{what}: expected outer dims [B, {self.n}], got {list(outer)}")
        specs, actions = leaves(self.single_spec), leaves(inputs)
        if len(outer) == 1:
            y = encode(specs, actions, outer[0])
            return y.unsqueeze(1).expand(outer[0], self.n, y.shape[-1]), state
        rows = outer[0] * self.n
        flat = [a.reshape(rows, *s.shape) for s, a in zip(specs, actions)]
        y = encode(specs, flat, rows)
        return y.reshape(outer[0], self.n, y.shape[-1]), state
