"""Checkpoints saved the way ALF saves them load strict into both packages.

With ``alf.algorithms`` imported, ALF's ``state_dict`` visits each module and each tensor
once (depth first, registration order), so a network with shared submodules is saved with
fewer keys than torch lists. ``alf_saved`` below is an independent statement of that walk;
a network must load its output with ``strict=True`` and then compute what the saved
network computes.
"""

from __future__ import annotations

import functools
from collections import OrderedDict

import pytest
import torch
from torch import nn

import optimized.alf
import reference.alf
from properties.kinds.base import seeded
from reference.specs import BoundedTensorSpec, TensorSpec

PACKAGES = [reference.alf, optimized.alf]


def alf_saved(module: nn.Module) -> OrderedDict[str, torch.Tensor]:
    """The state_dict ALF's patched ``nn.Module.state_dict`` writes: each module and each
    tensor under the first path that reaches it."""
    out: OrderedDict[str, torch.Tensor] = OrderedDict()
    visited: set[int] = {id(module)}

    def walk(m: nn.Module, prefix: str) -> None:
        for name, t in [*m._parameters.items(), *m._buffers.items()]:
            persistent = name not in m._non_persistent_buffers_set
            if t is not None and persistent and id(t) not in visited:
                visited.add(id(t))
                out[prefix + name] = t.detach().clone()
        for name, child in m._modules.items():
            if child is not None and id(child) not in visited:
                visited.add(id(child))
                walk(child, prefix + name + ".")

    walk(module, "")
    return out


def ppg_network(alf, shared: bool) -> nn.Module:
    encoder = functools.partial(alf.EncodingNetwork, fc_layer_params=(8, 8))
    return alf.DisjointPolicyValueNetwork(
        TensorSpec((5,)),
        BoundedTensorSpec((2,), torch.float32, -1.0, 1.0),
        encoding_network_ctor=encoder,
        is_sharing_encoder=shared,
    )


@pytest.mark.parametrize("shared", [False, True], ids=["disjoint", "sharing"])
@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_an_alf_saved_ppg_checkpoint_loads_strict(alf, shared: bool) -> None:
    with seeded(1):
        saved_from = ppg_network(reference.alf, shared)
    checkpoint = alf_saved(saved_from)
    assert len(checkpoint) < len(saved_from.state_dict())  # the walk did deduplicate
    with seeded(2):
        net = ppg_network(alf, shared)
    net.load_state_dict(checkpoint, strict=True)
    for key, value in saved_from.state_dict().items():
        assert torch.equal(net.state_dict()[key], value), key
    x = torch.randn(3, 5)
    (dist, *values), _ = net(x, ())
    (dist0, *values0), _ = saved_from(x, ())
    torch.testing.assert_close(values, values0)
    torch.testing.assert_close(dist.mean, dist0.mean)


def test_a_checkpoint_missing_an_unshared_key_still_fails() -> None:
    net = ppg_network(reference.alf, False)
    checkpoint = alf_saved(net)
    checkpoint.pop(next(iter(checkpoint)))
    with pytest.raises(RuntimeError, match="Missing key"):
        net.load_state_dict(checkpoint, strict=True)
