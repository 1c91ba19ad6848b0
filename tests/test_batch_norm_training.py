"""Layers built with ``use_bn`` train: in training mode their backward runs, their gradients
agree between the packages, and the running statistics move as torch's batch norm moves
them, except that a batch whose statistics are not finite leaves them as they were
(``reference.alf.layers._FiniteStatistics``). The property suite calls networks in eval
mode, so it never took a gradient through a batch norm in training mode; that backward
had refused to run in both packages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

import optimized.alf.layers as opt
import reference.alf.layers as ref
from tests.weighted_step import weighted_step

LAYERS: dict[str, tuple[Callable, tuple[int, ...]]] = {
    "FC": (lambda m: m.FC(3, 4, use_bn=True), (6, 3)),
    "ParallelFC": (lambda m: m.ParallelFC(3, 4, 2, use_bn=True), (6, 2, 3)),
    "Conv2D": (lambda m: m.Conv2D(2, 3, 3, padding=1, use_bn=True), (4, 2, 5, 5)),
    "ParallelConv2D": (lambda m: m.ParallelConv2D(2, 3, 3, 2, use_bn=True), (4, 2, 2, 5, 5)),
}


def step(net: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    return weighted_step(net, x, 1)[1]


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_training_step_through_batch_norm(name: str) -> None:
    build, shape = LAYERS[name]
    torch.manual_seed(0)
    reference = build(ref).double()
    candidate = build(opt).double()
    candidate.load_state_dict(reference.state_dict())
    bn = reference._bn
    plain = (nn.BatchNorm1d if isinstance(bn, nn.BatchNorm1d) else nn.BatchNorm2d)(
        bn.num_features
    ).double()
    plain.load_state_dict(bn.state_dict())
    features: list[torch.Tensor] = []
    bn.register_forward_pre_hook(lambda _, args: features.append(args[0].detach()))
    x = torch.randn(shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    for got, want in zip(step(candidate, x), step(reference, x)):
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-10)
    plain(features[0])  # torch's own batch norm on the same features, training mode
    for net in (reference, candidate):
        assert int(net._bn.num_batches_tracked) == 1
        torch.testing.assert_close(net._bn.running_mean, plain.running_mean)
        torch.testing.assert_close(net._bn.running_var, plain.running_var)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_non_finite_batch_leaves_the_running_statistics(name: str) -> None:
    """A NaN in one row: features whose batch statistics it reaches keep their running
    statistics (all of a single layer's, one replica's of a parallel one), the others
    move."""
    build, shape = LAYERS[name]
    for pkg in (ref, opt):
        torch.manual_seed(0)
        net = build(pkg).double()
        features: list[torch.Tensor] = []
        net._bn.register_forward_pre_hook(lambda _, a, seen=features: seen.append(a[0].detach()))
        x = torch.randn(shape, dtype=torch.float64)
        x.view(-1)[0] = float("nan")
        before = net._bn.running_mean.clone(), net._bn.running_var.clone()
        step(net, x)
        f = features[0].transpose(0, 1).flatten(1)  # [features, rows and positions]
        poisoned = ~torch.isfinite(f).all(1)
        assert poisoned.any()
        for running, old in zip((net._bn.running_mean, net._bn.running_var), before):
            assert torch.equal(running[poisoned], old[poisoned])
            assert not torch.isclose(running[~poisoned], old[~poisoned]).any()
