"""The ALF distribution-head kind: an ALF network whose call returns
``(distribution, new_state)`` (projection networks, actor distribution networks).

Everything of :class:`~properties.kinds.alf_network.AlfNetwork` (inputs from the config's
plain-data spec, the initial state, bad inputs, the parallel form) with the distribution
facts of :class:`~properties.kinds.distribution.Distributional`: comparisons look at the
distribution's summary, ``shape`` checks its batch / event shapes and sample dtype against
the entry's law, and the call's randomness is its sampling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from properties.kinds.alf_network import AlfNetwork
from properties.kinds.distribution import DIST_IDS, Distributional, Law
from properties.specs import specs_data
from reference.specs import Nest, assert_same_structure, flatten


@dataclass(frozen=True)
class AlfDistribution(Distributional, AlfNetwork):
    """An ALF network returning a distribution; ``law``: what the entry declares about it."""

    title: ClassVar[str] = "ALF distribution network"
    supports: ClassVar[frozenset[str]] = AlfNetwork.supports | DIST_IDS
    not_applicable: ClassVar[dict[str, str]] = {
        "flow_inverse": "returns a distribution, not a normalizing flow's map",
        "flow_logdet": "returns a distribution, not a normalizing flow's map",
        "jacobian": "has no closed-form Jacobian methods",
        "loss": "a network, not a loss",
    }

    law: Law = field(kw_only=True)

    def distribution(self, net: Any, inputs: Nest, cfg: dict) -> Any:
        return self.call(net, inputs, self.initial_state(net, inputs, cfg))[0]

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        """The reference's input and state specs, ``is_distribution_output``, and the
        distribution's shapes and sample dtype as the law declares them."""
        assert cand.is_distribution_output, "is_distribution_output is False"
        in_spec = specs_data(cand.input_tensor_spec)
        assert in_spec == specs_data(ref.input_tensor_spec), (
            f"input_tensor_spec {in_spec}, the reference's is {specs_data(ref.input_tensor_spec)}"
        )
        assert_same_structure(specs_data(ref.state_spec), specs_data(cand.state_spec), "state_spec")
        dist, state = self.call(cand, inputs, self.initial_state(cand, inputs, cfg))
        outer = self.results_outer(cfg, batch)
        self.check_distribution_shape(dist, cfg, outer)
        for s, v in zip(flatten(specs_data(cand.state_spec)), flatten(state)):
            assert tuple(v.shape) == (*outer, *s.shape), (
                f"state shape {list(v.shape)}, expected {[*outer, *s.shape]}"
            )
