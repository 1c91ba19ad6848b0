"""``SimpleActionEncoder``: a parameterless encoding of a nest of actions."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from reference.alf.network import Network
from reference.specs import BoundedTensorSpec, Nest, check_bounds, flatten


class SimpleActionEncoder(Network):
    """Concatenate every action leaf as a flat vector: a discrete leaf with values in
    ``[minimum, maximum]`` becomes a one-hot of ``maximum - minimum + 1`` per element,
    a continuous leaf is used as is. Leaves are taken in sorted-key nest order."""

    def __init__(self, action_spec: Nest):
        super().__init__(action_spec, (), "ActionEncoder")
        for s in flatten(action_spec):
            if not isinstance(s, BoundedTensorSpec):
                raise TypeError(
                    f"SimpleActionEncoder: every action spec must be a BoundedTensorSpec, got {s!r}"
                )
            if s.is_discrete and not (
                np.all(s.minimum == s.minimum.flat[0]) and np.all(s.maximum == s.maximum.flat[0])
            ):
                raise ValueError(
                    f"SimpleActionEncoder: a discrete action needs one range for "
                    f"all its elements, got {s}"
                )

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        self.check_inputs(inputs)
        specs, actions = flatten(self._input_tensor_spec), flatten(inputs)
        floats = [a.dtype for s, a in zip(specs, actions) if s.is_continuous]
        dtype = floats[0] if floats else torch.get_default_dtype()
        parts = []
        for s, a in zip(specs, actions):
            if s.is_discrete:
                check_bounds(s, a, f"{self.name} input")
                lo, hi = int(s.minimum.flat[0]), int(s.maximum.flat[0])
                a = F.one_hot((a - lo).long(), hi - lo + 1).to(dtype)
            parts.append(a.reshape(a.shape[0], math.prod(a.shape[1:])))
        return torch.cat(parts, dim=-1), state
