"""DisjointPolicyValueNetwork with recurrent encoders: the state triplet (policy, value,
aux) of the spec, carried step by step, the same in reference and optimized; and its
state_dict keys, which are upstream's (an upstream checkpoint's layout, duplicates
included)."""

from __future__ import annotations

import functools

import pytest
import torch

import optimized.alf as O
import reference.alf as R
from reference.specs import BoundedTensorSpec, TensorSpec, map_structure

OBS = TensorSpec((4,))
ACTION = BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)


def _lstm_network(impl, sharing: bool):
    ctor = functools.partial(impl.LSTMEncodingNetwork, hidden_size=(3,))
    return impl.DisjointPolicyValueNetwork(OBS, ACTION, ctor, is_sharing_encoder=sharing)


@pytest.mark.parametrize("sharing", [False, True])
def test_recurrent_state_triplet(sharing: bool) -> None:
    torch.manual_seed(0)
    ref, opt = _lstm_network(R, sharing), _lstm_network(O, sharing)
    opt.load_state_dict(ref.state_dict())
    policy_spec, value_spec, aux_spec = ref.state_spec
    assert policy_spec and aux_spec == ()
    assert (value_spec == ()) == sharing
    batch, g = 3, torch.Generator().manual_seed(1)
    zeros = lambda spec: torch.zeros(batch, *spec.shape)  # noqa: E731
    state_ref = state_opt = map_structure(zeros, ref.state_spec)
    for _ in range(4):
        x = torch.randn(batch, 4, generator=g)
        (pi_r, v_r, a_r), state_ref = ref(x, state_ref)
        (pi_o, v_o, a_o), state_opt = opt(x, state_opt)
        torch.testing.assert_close(v_o, v_r)
        torch.testing.assert_close(a_o, a_r)
        torch.testing.assert_close(pi_o.mean, pi_r.mean)
        assert len(state_ref) == 3 and state_ref[2] == ()
        for s_r, s_o in zip(
            torch.utils._pytree.tree_leaves(state_ref), torch.utils._pytree.tree_leaves(state_opt)
        ):
            torch.testing.assert_close(s_o, s_r)


def test_bad_state_structure() -> None:
    net = _lstm_network(R, False)
    with pytest.raises(TypeError, match="expected the state triplet"):
        net(torch.randn(2, 4), ())


def _fc(*sizes: int) -> list[str]:
    return [s for n in range(len(sizes)) for s in (f"{n}._weight", f"{n}._bias")]


def test_state_dict_keys_are_upstreams() -> None:
    """The keys of upstream's module tree (alf/algorithms/ppg/disjoint_policy_value_network
    at 23aca49): each sub-network under its attribute and again inside ``_composition``."""
    ctor = functools.partial(R.EncodingNetwork, fc_layer_params=(5,))
    nested = (ACTION, BoundedTensorSpec((), torch.int64, 0, 2))
    dual = R.DisjointPolicyValueNetwork(OBS, nested, ctor)
    encoder = ["_nets.0._weight", "_nets.0._bias"]
    # the projection networks' own keys (their entries check those against upstream)
    normal = list(R.NormalProjectionNetwork(5, ACTION).state_dict())
    categorical = list(R.CategoricalProjectionNetwork(5, nested[1]).state_dict())
    heads = [f"0.{k}" for k in normal] + [f"1.{k}" for k in categorical]
    want = (
        [f"_actor_encoder.{k}" for k in encoder]
        + ["_aux_head._nets.0._weight", "_aux_head._nets.0._bias"]
        + [f"_value_encoder.{k}" for k in encoder]
        + [f"_composition._nets.0._nets.0._nets.0.{k}" for k in encoder]
        + [f"_composition._nets.0._nets.0._nets.1._nets.0.{k}" for k in heads]
        + [f"_composition._nets.0._nets.1._nets.0.{k}" for k in encoder]
        + [
            "_composition._nets.0._nets.1._nets.1._weight",
            "_composition._nets.0._nets.1._nets.1._bias",
        ]
    )
    assert list(dual.state_dict()) == want
    shared = R.DisjointPolicyValueNetwork(OBS, ACTION, ctor, is_sharing_encoder=True)
    want = (
        [f"_actor_encoder.{k}" for k in encoder]
        + [f"_policy_head.{k}" for k in normal]
        + ["_aux_head._nets.0._weight", "_aux_head._nets.0._bias"]
        + [f"_composition._nets.0.{k}" for k in encoder]
        + [f"_composition._nets.1._nets.0.{k}" for k in normal]
        + [
            "_composition._nets.1._nets.1._nets.1._weight",
            "_composition._nets.1._nets.1._nets.1._bias",
        ]
    )
    assert list(shared.state_dict()) == want
