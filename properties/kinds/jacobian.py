"""The Jacobian-network kind: an ALF network with closed-form Jacobian methods.

What ALF's spec documents for ``ReluMLP`` and this kind relies on, beside the ALF network
interface: ``compute_jac(inputs, output_partial_idx=None)``, ``compute_jac_diag(inputs)``,
``compute_jvp(inputs, vec, output_partial_idx=None)``, ``compute_vjp(inputs, vec,
output_partial_idx=None)`` and ``forward(inputs, state, requires_jac, requires_jac_diag)``,
for inputs ``[D]`` or ``[B, D]``.

The ``jacobian`` property needs a few facts of the entry, all from the plain-data config:
the output size, the hidden sizes (a network without hidden layers has no ReLU to put a
zero crossing on), and the state_dict key (upstream's layout) of the first layer's bias,
which the property zeroes for drawn units to put pre-activations exactly at 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from properties.kinds.alf_network import AlfNetwork
from reference.specs import Nest


def no_hidden_layers(cfg: dict) -> tuple[int, ...]:
    return ()


@dataclass(frozen=True)
class JacobianNetwork(AlfNetwork):
    """A network with closed-form Jacobians (module doc). ``output_size(cfg)``: the size of
    its output; ``hidden(cfg)``: its hidden layer sizes, input side first;
    ``first_bias(cfg)``: the state_dict key of the first hidden layer's bias (None: no
    zero crossings are planted)."""

    title: ClassVar[str] = "Jacobian network"
    supports: ClassVar[frozenset[str]] = AlfNetwork.supports | {"jacobian"}
    not_applicable: ClassVar[dict[str, str]] = {
        k: why for k, why in AlfNetwork.not_applicable.items() if k != "jacobian"
    }

    output_size: Callable[[dict], int] | None = None
    hidden: Callable[[dict], tuple[int, ...]] = no_hidden_layers
    first_bias: Callable[[dict], str] | None = None

    def needs_reason(self) -> frozenset[str]:
        missing = super().needs_reason()
        return missing if self.output_size is not None else missing | {"jacobian"}

    def timed(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        """What a benchmark step computes: ``cfg['op']`` (``jac``: ``compute_jac``,
        ``jac_diag``: ``compute_jac_diag``) of the network, else its forward."""
        op = cfg.get("op")
        if op == "jac":
            return net.compute_jac(inputs)
        if op == "jac_diag":
            return net.compute_jac_diag(inputs)
        return super().timed(net, inputs, cfg)
