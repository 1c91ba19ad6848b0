"""The function kind: ``y = f(x)`` on one tensor, no state: a plain function, or a torch layer
with parameters.

The thing under test is a callable of one tensor: an entry wraps a library function with
its config's extra arguments (AMAGO's ``softplus_bounded_positive(x, low, high)``), or it is
a plain ``torch.nn.Module`` layer (``SimpleFC``: a layer takes any leading dims, like
``nn.Linear``; the harness uses one batch dim, and there is no ALF spec object). Inputs
are ``input_scale * N(0, 1)`` shaped ``[B, *spec.shape]``; the output has the input's shape
unless the entry says otherwise (``out_spec``). What a call is observed by (``parity``,
``grad_parity``, ...): the output, and the values the spec documents that a layer records
during a call (``recorded``: attribute names, e.g. ``SimpleFC.hidden_neurons``), read after
the call. Where the spec gives the function a range, ``output_range`` checks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from properties.kinds.base import BadInput, Kind, parameters_of
from reference.specs import Nest, TensorSpec


@dataclass(frozen=True)
class Function(Kind):
    """A function or a layer (module doc). ``spec(cfg)``: the input's spec without the
    batch dim; ``out_spec(cfg)``: the output's (default: the input's); ``input_scale``: of
    the inputs; ``output_range(cfg)``: ``(low, high)`` the outputs must stay in (``high``
    None: unbounded above), where the spec gives one; ``checks_inputs``: whether the spec
    documents input checks (``bad_input``); ``elementwise``: the function maps each element,
    so any shape is a valid input and its bad inputs are only those of type and dtype;
    ``parameters``: a layer with parameters (``state_dict``, ``init``); ``recorded``: the
    documented attributes a call sets."""

    title: ClassVar[str] = "function"
    supports: ClassVar[frozenset[str]] = frozenset(
        {
            "shape",
            "empty_batch",
            "signature",
            "parity",
            "float64_exact",
            "grad_parity",
            "batch_invariance",
            "device",
            "state_dict",
            "init",
            "bad_input",
            "output_range",
            "half_precision",
        }
    )
    own_ids: ClassVar[dict[str, str]] = {
        "output_range": "outputs stay within the declared [low, high] (a few ulps of rounding "
        "allowed) and finite for any input, +-1e4 included",
        "half_precision": "in float16 and bfloat16, outputs stay finite and exactly inside the "
        "declared range as the dtype holds it",
    }
    not_applicable: ClassVar[dict[str, str]] = {
        "parallel": "a function or a plain torch layer: the spec gives it no parallel form",
        "api": "a function or a plain torch layer: its documented API is its signature",
        "recurrent_steps": "a function has no state",
        "nan_isolation": "a function has no state and no episodes",
        "deepcopy": "a function or a plain torch layer keeps nothing of a call to copy",
        "reparam_grad": "returns a tensor, not a distribution",
        "flow_inverse": "not a normalizing flow",
        "flow_logdet": "not a normalizing flow",
        "jacobian": "has no closed-form Jacobian methods",
        "dist_bounds": "returns a tensor, not a distribution",
        "extreme_inputs": "returns a tensor, not a distribution (output_range checks +-1e4 inputs)",
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
    elementwise: bool = False
    parameters: bool = False
    recorded: tuple[str, ...] = ()

    def needs_reason(self) -> frozenset[str]:
        return frozenset() if self.output_range is not None else frozenset({"output_range"})

    def instance_reasons(self) -> dict[str, str]:
        reasons = {}
        if not self.parameters:
            reasons["init"] = "a function has no parameters"
            reasons["state_dict"] = "a function has no parameters or state"
        if not self.checks_inputs:
            reasons["bad_input"] = "the spec documents no input checks for this function"
        if self.output_range is None:
            reasons["half_precision"] = "the spec gives the function no range to keep"
        return reasons

    def input_spec(self, cfg: dict) -> Nest:
        return self.spec(cfg)

    def inputs(self, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> Nest:
        shape = (*self.outer_dims(cfg, batch), *self.spec(cfg).shape)
        return self.input_scale * torch.randn(shape, generator=generator, dtype=dtype)

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        return net(inputs), ()

    def summarize(self, net: Any, outputs: Any, cfg: dict) -> Nest:
        if not self.recorded:
            return outputs
        return {"output": outputs, **{name: getattr(net, name) for name in self.recorded}}

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        """The output, and every recorded value, is ``[*outer, *out_spec.shape]`` in the
        input's float dtype."""
        spec = (self.out_spec or self.spec)(cfg)
        want = (*self.outer_dims(cfg, batch), *spec.shape)
        observed = self.summarize(cand, cand(inputs), cfg)
        named = observed.items() if self.recorded else [("output", observed)]
        for name, y in named:
            assert isinstance(y, torch.Tensor), f"{name}: got {type(y).__name__}"
            assert tuple(y.shape) == want, f"{name} shape {list(y.shape)}, expected {list(want)}"
            assert y.dtype == inputs.dtype, f"{name} dtype {y.dtype}, the input's is {inputs.dtype}"

    def bad_inputs(self, net: Any, cfg: dict, x: Nest) -> list[BadInput]:
        """Wrong feature size (either way), an integer or (for a layer with floating
        parameters, which fix it) other floating dtype, a tensor inside a list, a 0-d
        tensor; for an elementwise function, only the tensor inside a list and the integer
        dtype (every shape is its input); none where the spec documents no input checks (the
        entry's config ranges are then all ``bad_input`` draws)."""
        if not self.checks_inputs:
            return []
        if self.elementwise:
            return [
                ("tensor inside a list", [x], TypeError),
                ("as int32", x.to(torch.int32), TypeError),
            ]
        bad: list[BadInput] = [
            ("last dim +1", torch.cat([x, x[..., :1]], -1), ValueError),
            ("as int32", x.to(torch.int32), TypeError),
            ("tensor inside a list", [x], TypeError),
            ("0-d tensor", x.reshape(-1)[0], ValueError),
        ]
        if any(p.dtype.is_floating_point for _, p in parameters_of(net)):
            other = torch.float64 if x.dtype == torch.float32 else torch.float32
            bad.append((f"as {other}", x.to(other), TypeError))
        if x.shape[-1] > 1:
            bad.append(("last dim -1", x[..., :-1], ValueError))
        return bad
