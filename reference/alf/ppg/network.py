"""``DisjointPolicyValueNetwork``: PPG's network with a policy and a value component.

Three heads on an observation ``o`` (alf_ppg.txt)::

    z_pi, s_pi' = E_pi(o, s_pi)                    policy encoder
    pi          = P(z_pi)                          action distribution (a nest of heads)
    aux         = w_aux . z_pi + b_aux             auxiliary value (policy component)
    z_v, s_v'   = E_v(o, s_v)      ("dual")        a value encoder of its own, or
    z_v         = stop_gradient(z_pi) ("shared")   the policy encoder's features, detached
    value       = w_v . z_v + b_v                  true value

``forward(o, state, require_aux)`` returns ``((pi, value, aux), state')`` with ``aux = ()``
when ``require_aux`` is False. In the shared architecture the value head never sends
gradient into the encoder, in both PPG phases (OpenAI's implementation, which ALF follows).

The projection head of each action-spec leaf is ``discrete_projection_net_ctor`` for a
discrete leaf and ``continuous_projection_net_ctor`` for a continuous one, called as
``ctor(input_size=..., action_spec=...)``; ``pi`` has the action spec's nest structure.

Deliberate deviations from upstream ALF (23aca49), each where spec and code disagree:

* The state is the triplet the spec documents, ``(policy, value, aux)``: the policy
  encoder's state, the value encoder's (``()`` in the shared architecture) and ``()`` for
  the stateless auxiliary head; a network whose encoders are stateless has state ``()``.
  Upstream's code returns the state of its container tree instead
  (``[((s_pi, ()), (s_v, (), ())), ()]`` in the dual architecture).
* ``output_spec`` is ``(policy heads' output specs, TensorSpec(()), TensorSpec(()))``;
  upstream finds it by a test forward, which fails on a distribution output.

State_dict: upstream registers each sub-network under its attribute (``_actor_encoder``,
``_policy_head`` for a single action spec, ``_aux_head``, ``_value_encoder``) and again
inside the container tree ``_composition`` that its forward runs, and a state_dict lists a
module once per path. ``_composition`` here holds the same modules at the paths of that
tree (:func:`composition_tree`), so the keys are upstream's, duplicates included, and an
upstream checkpoint loads strictly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from reference.alf.encoding import EncodingNetwork
from reference.alf.layers import FC, Reshape
from reference.alf.network import Network, checked_encoder
from reference.alf.projection import CategoricalProjectionNetwork, NormalProjectionNetwork
from reference.alf.sequential import _Sequential
from reference.specs import Nest, TensorSpec, flatten, map_structure


def projection_heads(
    discrete_ctor: Callable[..., Network],
    continuous_ctor: Callable[..., Network],
    input_size: int,
    action_spec: Nest,
    name: str,
) -> Nest:
    """One projection network per action-spec leaf, in the spec's nest structure."""

    def head(spec: Any) -> Network:
        if not isinstance(spec, TensorSpec):
            raise TypeError(
                f"{name}: expected a TensorSpec for every action_spec leaf, got "
                f"{type(spec).__name__}"
            )
        ctor = discrete_ctor if spec.is_discrete else continuous_ctor
        return ctor(input_size=input_size, action_spec=spec)

    return map_structure(head, action_spec)


def aux_head(input_size: int) -> _Sequential:
    """``aux = w . z + b`` as ALF's ``Sequential(FC(d, 1), Reshape(()))``: ``[B, d] -> [B]``."""
    return _Sequential([FC(input_size, 1), Reshape(())], TensorSpec((input_size,)), "AuxHead")


def nested_module(nest: Nest) -> nn.Module:
    """A nest of modules as ALF's ``make_nested_module`` registers it: ``ModuleList`` for
    tuples and lists, ``ModuleDict`` (sorted keys) for dicts, the module for a leaf."""
    if isinstance(nest, dict):
        return nn.ModuleDict({str(k): nested_module(nest[k]) for k in sorted(nest)})
    if isinstance(nest, tuple) and hasattr(nest, "_fields"):
        return nn.ModuleDict({f: nested_module(getattr(nest, f)) for f in sorted(nest._fields)})
    if isinstance(nest, (tuple, list)):
        return nn.ModuleList([nested_module(v) for v in nest])
    return nest


class _Node(nn.Module):
    """A node of ALF's container tree: its children registered as ``_nets.<i>``."""

    def __init__(self, *children: nn.Module):
        super().__init__()
        self._nets = nn.ModuleList(children)


def composition_tree(
    actor_encoder: nn.Module,
    policy_heads: Nest,
    value_encoder: nn.Module | None,
    value_fc: nn.Module,
) -> nn.Module:
    """The module paths of upstream's ``_composition`` (parameterless elements, such as
    ``Identity``, ``Detach`` and ``Reshape``, are placeholders holding their index)::

        dual:   Sequential(Branch(Sequential(E_pi, Branch(P, Identity)),
                                  Sequential(E_v, FC, Reshape)), reorder)
        shared: Sequential(E_pi, Branch(P, Sequential(Detach, FC, Reshape), Identity))
    """
    heads = nested_module(policy_heads)
    if value_encoder is None:
        value = _Node(nn.Identity(), value_fc, nn.Identity())
        return _Node(actor_encoder, _Node(heads, value, nn.Identity()))
    policy = _Node(actor_encoder, _Node(heads, nn.Identity()))
    return _Node(_Node(policy, _Node(value_encoder, value_fc, nn.Identity())))


class DisjointPolicyValueNetwork(Network):
    """PPG's policy-value network; see the module doc for the math and the layout."""

    def __init__(
        self,
        observation_spec: Nest,
        action_spec: Nest,
        encoding_network_ctor: Callable[..., Network] = EncodingNetwork,
        is_sharing_encoder: bool = False,
        discrete_projection_net_ctor: Callable[..., Network] = CategoricalProjectionNetwork,
        continuous_projection_net_ctor: Callable[..., Network] = NormalProjectionNetwork,
        name: str = "DisjointPolicyValueNetwork",
    ):
        if not isinstance(is_sharing_encoder, bool):
            raise TypeError(
                f"{name}: expected a bool is_sharing_encoder, got {is_sharing_encoder!r}"
            )
        actor_encoder = encoder_of(encoding_network_ctor, observation_spec, name)
        size = actor_encoder.output_spec.shape[0]
        policy_heads = projection_heads(
            discrete_projection_net_ctor, continuous_projection_net_ctor, size, action_spec, name
        )
        aux = aux_head(size)
        value_encoder = None
        if not is_sharing_encoder:
            value_encoder = encoder_of(encoding_network_ctor, observation_spec, name)
        value_fc = FC(size, 1)
        state_spec = (
            actor_encoder.state_spec,
            () if value_encoder is None else value_encoder.state_spec,
            (),
        )
        super().__init__(observation_spec, state_spec if flatten(state_spec) else (), name)
        self._is_sharing_encoder = is_sharing_encoder
        self._action_spec = action_spec
        # registration order fixes the state_dict order: upstream's attribute order
        self._actor_encoder = actor_encoder
        self._policy_head = policy_heads  # a module is registered, a nest of them is not
        self._aux_head = aux
        if value_encoder is not None:
            self._value_encoder = value_encoder
        # held in a tuple: registered only at its upstream path, inside _composition
        self._value_fc = (value_fc,)
        self._composition = composition_tree(actor_encoder, policy_heads, value_encoder, value_fc)

    # -- specs -----------------------------------------------------------------------------
    @property
    def is_sharing_encoder(self) -> bool:
        return self._is_sharing_encoder

    @property
    def output_spec(self) -> Nest:
        policy = map_structure(lambda head: head.output_spec, self._policy_head)
        return policy, TensorSpec(()), TensorSpec(())

    @property
    def is_distribution_output(self) -> bool:
        return True

    # -- forward -------------------------------------------------------------------------------
    def split_state(self, state: Nest) -> tuple[Nest, Nest]:
        """``(policy encoder state, value encoder state)`` of a state triplet (``()``s for a
        stateless network); a state of another structure raises ``TypeError``."""
        if not flatten(self._state_spec):
            return (), ()
        if not isinstance(state, (tuple, list)) or len(state) != 3:
            raise TypeError(
                f"{self._name}: expected the state triplet (policy, value, aux), got "
                f"{type(state).__name__}"
            )
        return state[0], state[1]

    def pack_state(self, s_pi: Nest, s_v: Nest) -> Nest:
        return (s_pi, s_v, ()) if flatten(self._state_spec) else ()

    def forward(
        self, observation: Nest, state: Nest, require_aux: bool = True
    ) -> tuple[tuple[Any, torch.Tensor, Any], Nest]:
        s_pi, s_v = self.split_state(state)
        z_pi, s_pi = self._actor_encoder(observation, s_pi)
        pi = map_structure(lambda head: head(z_pi)[0], self._policy_head)
        if self._is_sharing_encoder:
            z_v = z_pi.detach()
        else:
            z_v, s_v = self._value_encoder(observation, s_v)
        value = self._value_fc[0](z_v).reshape(z_v.shape[0])
        aux = self._aux_head(z_pi)[0] if require_aux else ()
        return (pi, value, aux), self.pack_state(s_pi, s_v)


def encoder_of(ctor: Callable[..., Network], observation_spec: Nest, name: str) -> Network:
    """``ctor(input_tensor_spec=observation_spec)``, checked to give ``[B, d]`` features."""
    if not callable(ctor):
        raise TypeError(f"{name}: expected a callable encoding_network_ctor, got {ctor!r}")
    return checked_encoder(ctor(input_tensor_spec=observation_spec), name)
