"""The layer kind: a plain ``torch.nn.Module`` layer called as ``y = layer(x)``.

An input is ``[B, in]`` (a layer takes any leading dims, like ``nn.Linear``; the harness
uses one batch dim), sampled standard-normal from the config's input size. There is no
state and no ALF spec object: the kind knows the input and output sizes from the config.

What a call is observed by (``parity``, ``grad_parity``, ...): the output and the values
the spec documents that the layer records during a call (``recorded``: attribute names,
e.g. ``SimpleFC.hidden_neurons``, its pre-activation), read after the call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from properties.kinds.base import BadInput, Kind, parameters_of
from reference.specs import Nest, TensorSpec


@dataclass(frozen=True)
class Layer(Kind):
    """A torch layer (module doc): ``in_size(cfg)`` / ``out_size(cfg)`` its feature sizes,
    ``recorded`` the documented attributes a call sets, observed with the output."""

    title: ClassVar[str] = "torch layer"
    supports: ClassVar[frozenset[str]] = frozenset(
        {
            "shape",
            "signature",
            "parity",
            "grad_parity",
            "batch_invariance",
            "device",
            "state_dict",
            "init",
            "bad_input",
        }
    )
    not_applicable: ClassVar[dict[str, str]] = {
        "parallel": "a plain torch layer: the spec gives it no parallel form",
        "recurrent_steps": "a plain torch layer has no state",
        "reparam_grad": "returns a tensor, not a distribution",
        "flow_inverse": "not a normalizing flow",
        "flow_logdet": "not a normalizing flow",
        "jacobian": "has no closed-form Jacobian methods",
        "dist_bounds": "returns a tensor, not a distribution",
        "dist_logprob": "returns a tensor, not a distribution",
        "dist_sampling": "returns a tensor, not a distribution",
        "determinism": "its call draws no random numbers",
        "loss": "a layer, not a loss",
    }

    in_size: Callable[[dict], int]
    out_size: Callable[[dict], int]
    recorded: tuple[str, ...] = ()

    def input_spec(self, cfg: dict) -> Nest:
        return TensorSpec((self.in_size(cfg),))

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        return net(inputs), state

    def summarize(self, net: Any, outputs: Any, cfg: dict) -> Nest:
        return {"output": outputs, **{name: getattr(net, name) for name in self.recorded}}

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        """The output and every recorded value are ``[B, out]`` tensors, floating like the
        input."""
        want = (batch, self.out_size(cfg))
        observed = self.summarize(cand, self.call(cand, inputs, ())[0], cfg)
        for name, value in observed.items():
            assert isinstance(value, torch.Tensor), f"{name}: got {type(value).__name__}"
            assert tuple(value.shape) == want, (
                f"{name} shape {list(value.shape)}, expected {list(want)}"
            )
            assert value.dtype == inputs.dtype, (
                f"{name} dtype {value.dtype}, expected {inputs.dtype}"
            )

    def bad_inputs(self, net: Any, cfg: dict, x: Nest) -> list[BadInput]:
        """Wrong feature size (either way), an integer or other floating dtype (the layer's
        parameters fix it), a tensor inside a list, a 0-d tensor."""
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
