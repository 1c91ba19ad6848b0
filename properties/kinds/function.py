"""The plain-function kind: ``y = f(x)`` on one tensor, no parameters, no state.

The thing under test is a callable of one tensor (an entry wraps a library function with
its config's extra arguments, e.g. AMAGO's ``softplus_bounded_positive(x, low, high)``).
Inputs are ``input_scale * N(0, 1)`` shaped ``[B, *spec.shape]``; the output has the
input's shape unless the entry says otherwise. Where the spec gives the function a range,
``output_range`` checks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from properties.kinds.base import Kind
from reference.specs import Nest, TensorSpec


@dataclass(frozen=True)
class Function(Kind):
    """A plain function (module doc). ``spec(cfg)``: the input's spec without the batch dim;
    ``out_spec(cfg)``: the output's (default: the input's); ``input_scale``: of the inputs;
    ``output_range(cfg)``: ``(low, high)`` the outputs must stay in (``high`` None:
    unbounded above), where the spec gives one; ``checks_inputs``: whether the spec
    documents input checks (``bad_input``)."""

    title: ClassVar[str] = "function"
    supports: ClassVar[frozenset[str]] = frozenset(
        {
            "shape",
            "signature",
            "parity",
            "grad_parity",
            "batch_invariance",
            "device",
            "bad_input",
            "output_range",
        }
    )
    own_ids: ClassVar[dict[str, str]] = {
        "output_range": "outputs stay within the declared [low, high] (a few ulps of rounding "
        "allowed) and finite for any input, +-1e4 included",
    }
    not_applicable: ClassVar[dict[str, str]] = {
        "init": "a function has no parameters",
        "state_dict": "a function has no parameters or state",
        "parallel": "a function has no parallel form",
        "recurrent_steps": "a function has no state",
        "reparam_grad": "returns a tensor, not a distribution",
        "flow_inverse": "not a normalizing flow",
        "flow_logdet": "not a normalizing flow",
        "jacobian": "has no closed-form Jacobian methods",
        "dist_bounds": "returns a tensor, not a distribution",
        "dist_logprob": "returns a tensor, not a distribution",
        "dist_sampling": "returns a tensor, not a distribution",
        "determinism": "draws no random numbers",
        "loss": "a function, not a loss",
    }

    spec: Callable[[dict], TensorSpec]
    out_spec: Callable[[dict], TensorSpec] | None = None
    input_scale: float = 1.0
    output_range: Callable[[dict], tuple[float, float | None]] | None = None
    checks_inputs: bool = False

    def needs_reason(self) -> frozenset[str]:
        return frozenset() if self.output_range is not None else frozenset({"output_range"})

    def instance_reasons(self) -> dict[str, str]:
        if self.checks_inputs:
            return {}
        return {"bad_input": "the spec documents no input checks for this function"}

    def input_spec(self, cfg: dict) -> Nest:
        return self.spec(cfg)

    def inputs(self, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> Nest:
        shape = (*self.outer_dims(cfg, batch), *self.spec(cfg).shape)
        return self.input_scale * torch.randn(shape, generator=generator, dtype=dtype)

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        return net(inputs), ()

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        """The output is ``[*outer, *out_spec.shape]`` in the input's float dtype."""
        spec = (self.out_spec or self.spec)(cfg)
        want = (*self.outer_dims(cfg, batch), *spec.shape)
        y = cand(inputs)
        assert tuple(y.shape) == want, f"output shape {list(y.shape)}, expected {list(want)}"
        assert y.dtype == inputs.dtype, f"output dtype {y.dtype}, the input's is {inputs.dtype}"
