"""The policy-value network kind: an ALF network whose call returns an action distribution
nest and value heads, ``((action distribution nest, value, aux value), state)`` (PPG's
``DisjointPolicyValueNetwork``), or a result the entry reads the same heads from
(``heads``: ``ppg_network_forward``'s ``AlgStep`` info).

Everything of :class:`~properties.kinds.alf_network.AlfNetwork` (inputs from the config's
plain-data spec, the initial state, bad inputs); comparisons look at each distribution
leaf's summary (mean, mode, standard deviation, entropy where defined, category
probabilities) beside the two value heads. ``shape`` checks the distributions' batch and
event shapes against the action spec and the value heads' ``[B]``.

The kind adds the ``detach`` property: in a policy-value network the value head shares no
gradient path with the policy (a value encoder of its own, or the shared encoder's features
detached), so every parameter that moves the policy gets exactly zero gradient from the
value output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from properties.distributions import category_probs, defined
from properties.kinds.alf_network import AlfNetwork
from properties.kinds.base import state_spec_of
from properties.specs import specs_data
from reference.specs import Nest, assert_same_structure, flatten, map_structure


def distribution_summary(dist: Any) -> dict[str, torch.Tensor]:
    """The comparable numbers of one distribution (module doc)."""
    out: dict[str, torch.Tensor] = {}
    getters: list[tuple[str, Callable[[], torch.Tensor]]] = [
        ("mean", lambda: dist.mean),
        ("mode", lambda: dist.mode),
        ("stddev", lambda: dist.stddev),
        ("entropy", dist.entropy),
    ]
    for key, get in getters:
        value = defined(get)
        if value is not None:
            out[key] = value
    probs = category_probs(dist)
    if probs is not None:
        out["probs"] = probs
    return out


@dataclass(frozen=True)
class PolicyValueNetwork(AlfNetwork):
    """A policy-value network (module doc). ``action_spec(cfg)``: the plain-data action
    spec nest; ``heads(net, outputs)``: the ``(distribution nest, value, aux)`` of a call's
    outputs (default: the outputs themselves); ``extra(net, outputs, cfg)``: more comparable
    numbers of a call, where the entry has them; ``requires_aux(cfg)``: whether a call
    computes the auxiliary value (else it returns ``()`` for it)."""

    title: ClassVar[str] = "policy-value network"
    supports: ClassVar[frozenset[str]] = AlfNetwork.supports | {"detach"}
    own_ids: ClassVar[dict[str, str]] = {
        "detach": "the value output sends no gradient into any parameter that moves the policy",
    }
    not_applicable: ClassVar[dict[str, str]] = {
        **AlfNetwork.not_applicable,
        "reparam_grad": "returns a nest of distributions and two value heads; the projection "
        "networks' own entries check their reparameterised samples",
        "dist_bounds": "the projection networks' own entries check their distributions",
        "extreme_inputs": "the projection networks' own entries check their distributions",
        "dist_logprob": "the projection networks' own entries check their distributions",
        "dist_sampling": "the projection networks' own entries check their distributions",
    }

    action_spec: Callable[[dict], Nest] = lambda cfg: ()
    heads: Callable[[Any, Any], tuple[Any, Any, Any]] = lambda net, outputs: outputs
    extra: Callable[[Any, Any, dict], dict] | None = None
    requires_aux: Callable[[dict], bool] = lambda cfg: True

    def summarize(self, net: Any, outputs: Any, cfg: dict) -> Nest:
        pi, value, aux = self.heads(net, outputs)
        out = {"policy": map_structure(distribution_summary, pi), "value": value}
        if isinstance(aux, torch.Tensor):
            out["aux"] = aux
        if self.extra is not None:
            out.update(self.extra(net, outputs, cfg))
        return out

    def policy_numbers(self, net: Any, outputs: Any) -> list[torch.Tensor]:
        """The floating numbers of the policy's summaries (what moves with the policy)."""
        pi = self.heads(net, outputs)[0]
        leaves = flatten(map_structure(distribution_summary, pi))
        return [t for t in leaves if t.is_floating_point()]

    def value_output(self, net: Any, outputs: Any) -> torch.Tensor:
        return self.heads(net, outputs)[1]

    def timed(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        """A benchmark step: the policy's summary numbers and the two value heads."""
        outputs = self.call(net, inputs, self.initial_state(net, inputs, cfg))[0]
        _, value, aux = self.heads(net, outputs)
        return [*self.policy_numbers(net, outputs), value, aux]

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        """Specs as the reference's; each distribution leaf with batch shape ``[B]`` and
        the event shape of its action spec (samples in its dtype kind); value and aux ``[B]``
        floats; the new state shaped by ``state_spec``."""
        in_spec = specs_data(cand.input_tensor_spec)
        assert in_spec == specs_data(ref.input_tensor_spec), (
            f"input_tensor_spec {in_spec}, the reference's is {specs_data(ref.input_tensor_spec)}"
        )
        got_state_spec = specs_data(state_spec_of(cand))
        assert_same_structure(specs_data(ref.state_spec), got_state_spec, "state_spec")
        outputs, state = self.call(cand, inputs, self.initial_state(cand, inputs, cfg))
        pi, value, aux = self.heads(cand, outputs)
        spec = self.action_spec(cfg)
        assert_same_structure(spec, pi, "action distribution nest")
        for s, dist in zip(flatten(spec), flatten(pi)):
            assert tuple(dist.batch_shape) == (batch,), (
                f"batch_shape {list(dist.batch_shape)}, expected [{batch}]"
            )
            assert tuple(dist.event_shape) == tuple(s.shape), (
                f"event_shape {list(dist.event_shape)}, expected {list(s.shape)} ({s})"
            )
            sample = dist.sample()
            assert sample.dtype.is_floating_point == s.dtype.is_floating_point, (
                f"sample dtype {sample.dtype} for an action spec of {s.dtype}"
            )
        heads = [("value", value), ("aux", aux)]
        if not self.requires_aux(cfg):
            assert isinstance(aux, tuple) and not aux, f"aux: expected () without it, got {aux!r}"
            heads = heads[:1]
        for what, v in heads:
            assert isinstance(v, torch.Tensor), f"{what}: got {type(v).__name__}, not a tensor"
            assert tuple(v.shape) == (batch,), f"{what} shape {list(v.shape)}, expected [{batch}]"
            assert v.dtype.is_floating_point, f"{what} dtype {v.dtype}"
        if flatten(state_spec_of(cand)):
            for s, v in zip(flatten(specs_data(state_spec_of(cand))), flatten(state)):
                assert tuple(v.shape) == (batch, *s.shape), (
                    f"state shape {list(v.shape)}, expected {[batch, *s.shape]}"
                )
