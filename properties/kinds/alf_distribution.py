"""The ALF distribution-head kind: an ALF network whose call returns
``(distribution, new_state)`` (projection networks, actor distribution networks).

Everything of :class:`~properties.kinds.alf_network.AlfNetwork` (inputs from the config's
plain-data spec, the initial state, bad inputs, the parallel form) with the distribution
facts of :class:`~properties.kinds.distribution.Distributional`: comparisons look at the
distribution's summary, ``shape`` checks its batch / event shapes and sample dtype against
the entry's law, and the call's randomness is its sampling.

A call may return a nest of distributions (an actor over a nest of action specs, one
projection per leaf): the entry declares its :class:`Leaves`, and then comparisons and
``shape`` look at every leaf through that leaf's own law, and the per-leaf properties
(``PER_LEAF``) check a drawn case through each leaf in turn (:meth:`AlfDistribution.views`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch

from properties.kinds.alf_network import AlfNetwork, bench_episode_starts
from properties.kinds.base import device_of, state_spec_of
from properties.kinds.distribution import DIST_IDS, Distributional, Law
from properties.specs import specs_data
from reference.specs import (
    Nest,
    assert_same_structure,
    flatten,
    is_nested,
    map_structure,
    pack_sequence_as,
)

#: The properties that look at one distribution at a time: a nest is checked leaf by leaf.
PER_LEAF = frozenset(
    {"dist_bounds", "dist_logprob", "dist_sampling", "reparam_grad", "determinism"}
)


@dataclass(frozen=True)
class Leaves:
    """How a config's call returns a nest of distributions. ``of(cfg)``: the configs the
    leaves' law reads, in the nest's canonical (flattened) order, or None where the call
    returns one distribution; ``focus(cfg)``: the index of the leaf the distribution
    properties look at; ``focused(cfg, i)``: ``cfg`` with leaf ``i`` in focus."""

    of: Callable[[dict], list[dict] | None]
    focus: Callable[[dict], int]
    focused: Callable[[dict, int], dict]

    def leaf(self, cfg: dict) -> dict:
        """The config of the leaf in focus (``cfg`` itself for a single distribution)."""
        configs = self.of(cfg)
        return cfg if configs is None else configs[self.focus(cfg)]


def through_leaves(law: Law, leaves: Leaves) -> Law:
    """``law`` (a leaf's) reading a whole config as its leaf in focus."""
    return Law(
        lambda cfg: law.support(leaves.leaf(cfg)),
        lambda cfg: law.shape(leaves.leaf(cfg)),
        lambda dist, cfg: law.model(dist, leaves.leaf(cfg)),
        lambda dist, cfg: law.limits(dist, leaves.leaf(cfg)),
        law.sample_size,
        law.api,
        law.sample_preimage,
        lambda cfg: law.finite_rsample_grad(leaves.leaf(cfg)),
    )


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
    #: where a config's call returns a nest of distributions (``law`` then reads a whole
    #: config as its leaf in focus: :func:`through_leaves`)
    leaves: Leaves | None = field(default=None, kw_only=True)

    def leaf_pairs(self, out: Any, cfg: dict) -> list[tuple[Any, dict]] | None:
        """``(distribution, its leaf's config)`` for every leaf of the nest ``out`` in
        canonical order, or None where the config's call returns one distribution."""
        configs = None if self.leaves is None else self.leaves.of(cfg)
        if configs is None:
            return None
        dists = flatten(out) if is_nested(out) else []
        assert len(dists) == len(configs), (
            f"expected a nest of {len(configs)} distributions (one per action leaf), got "
            f"{type(out).__name__} with {len(dists)} leaves"
        )
        return list(zip(dists, configs))

    def views(self, cfg: dict, prop: str) -> list[dict]:
        """For a per-leaf property (``PER_LEAF``) of a nest: the config with each other leaf
        in focus."""
        configs = None if self.leaves is None else self.leaves.of(cfg)
        if self.leaves is None or configs is None or prop not in PER_LEAF:
            return []
        focus = self.leaves.focus(cfg)
        return [self.leaves.focused(cfg, i) for i in range(len(configs)) if i != focus]

    def distribution(self, net: Any, inputs: Nest, cfg: dict) -> Any:
        """The distribution one call returns (of a nest: its leaf in focus)."""
        out = self.call(net, inputs, self.initial_state(net, inputs, cfg))[0]
        pairs = self.leaf_pairs(out, cfg)
        if pairs is None or self.leaves is None:
            return out
        return pairs[self.leaves.focus(cfg)][0]

    def summarize(self, net: Any, outputs: Any, cfg: dict) -> Nest:
        """The distribution's summary, or a nest's: each leaf's through its own law."""
        pairs = self.leaf_pairs(outputs, cfg)
        if pairs is None:
            return super().summarize(net, outputs, cfg)
        summaries = [Distributional.summarize(self, net, d, c) for d, c in pairs]
        return pack_sequence_as(outputs, summaries)

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        """The reference's input and state specs, ``is_distribution_output``, and the
        distribution's shapes and sample dtype as the law declares them (of a nest: the
        reference's nest structure, and every leaf's shapes as its own law declares)."""
        assert cand.is_distribution_output, "is_distribution_output is False"
        in_spec = specs_data(cand.input_tensor_spec)
        assert in_spec == specs_data(ref.input_tensor_spec), (
            f"input_tensor_spec {in_spec}, the reference's is {specs_data(ref.input_tensor_spec)}"
        )
        got_state_spec = specs_data(state_spec_of(cand))
        assert_same_structure(specs_data(ref.state_spec), got_state_spec, "state_spec")
        dist, state = self.call(cand, inputs, self.initial_state(cand, inputs, cfg))
        outer = self.results_outer(cfg, batch)
        pairs = self.leaf_pairs(dist, cfg)
        if pairs is None:
            self.check_distribution_shape(dist, cfg, outer)
        else:
            expected = self.call(ref, inputs, self.initial_state(ref, inputs, cfg))[0]
            assert_same_structure(expected, dist, "the nest of distributions")
            for leaf, leaf_cfg in pairs:
                self.check_distribution_shape(leaf, leaf_cfg, outer)
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
