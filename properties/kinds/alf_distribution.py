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

import torch

from properties.kinds.alf_network import AlfNetwork, bench_episode_starts
from properties.kinds.base import device_of, state_spec_of
from properties.kinds.distribution import DIST_IDS, Distributional, Law
from properties.specs import specs_data
from reference.specs import Nest, assert_same_structure, flatten, map_structure


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
        got_state_spec = specs_data(state_spec_of(cand))
        assert_same_structure(specs_data(ref.state_spec), got_state_spec, "state_spec")
        dist, state = self.call(cand, inputs, self.initial_state(cand, inputs, cfg))
        outer = self.results_outer(cfg, batch)
        self.check_distribution_shape(dist, cfg, outer)
        for s, v in zip(flatten(specs_data(state_spec_of(cand))), flatten(state)):
            assert tuple(v.shape) == (*outer, *s.shape), (
                f"state shape {list(v.shape)}, expected {[*outer, *s.shape]}"
            )

    # -- sequences ------------------------------------------------------------------------
    def _loop(
        self, net: Any, xs: Nest, state: Nest, first: torch.Tensor, cfg: dict
    ) -> tuple[Any, Nest]:
        """The step loop, each step's distribution summarized (module doc)."""
        outputs = []
        for t in range(first.shape[0]):
            x_t = map_structure(lambda v, t=t: v[t], xs)
            dist, state = self.step(net, x_t, state, first[t], cfg)
            outputs.append(self.summarize(net, dist, cfg))
        return map_structure(lambda *ys: torch.stack(ys), *outputs), state

    def unroll(
        self, net: Any, xs: Nest, state: Nest, first: torch.Tensor, cfg: dict, seed: int = 0
    ) -> tuple[Any, Nest]:
        """The network's own ``unroll`` (its ``[T * B]`` distribution summarized and
        reshaped to ``[T, B, ...]``), else the summarized step loop."""
        out, state = super().unroll(net, xs, state, first, cfg, seed)
        if not callable(getattr(net, "unroll", None)):
            return out, state
        steps, batch = first.shape
        summary = self.summarize(net, out, cfg)
        return map_structure(lambda v: v.reshape(steps, batch, *v.shape[1:]), summary), state

    def timed(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        """One call (:meth:`Distributional.timed`), or for a sequence case the network's
        ``unroll`` over T steps then an rsample of all steps and its log-density."""
        seq = self.sequence(cfg) if self.sequence is not None else None
        if seq is None:
            return super().timed(net, inputs, cfg)
        steps, rate = seq
        xs = map_structure(lambda x: x.unsqueeze(0).expand(steps, *x.shape), inputs)
        first = bench_episode_starts(steps, flatten(inputs)[0].shape[0], rate)
        dist, _ = net.unroll(xs, self.initial_state(net, inputs, cfg), first.to(device_of(inputs)))
        y = dist.rsample() if self.has_rsample(dist) else dist.sample()
        return y, self.log_prob(dist, y)
