"""Benchmark cases of ALF's parameter networks, against the reference's loop over the
groups: ``ParamNetwork`` (input 64, fc (64, 64), 32 groups, B=128, one input per group) and
``ParamConvNet`` (3x16x16 images, two 3x3 convolutions of 16 filters, 16 groups, B=32).
Forward+backward differentiates w.r.t. the handed ``theta`` (the kind's ``handed``).

``ParamConvNet``'s FLOPs are declared (:func:`param_conv_flops`): FlopCounterMode's formula
for a convolution's weight gradient ignores ``groups`` (it counts ``C_in * C_out * B`` over
all channels, ``G`` times the work of a grouped convolution's ``C_in * C_out * B / G``), so it
credits the optimized grouped convolution 6x the FLOPs of the reference's loop."""

from __future__ import annotations

from properties.entry import Bench, BenchCase, Target
from reference.specs import TensorSpec

#: issue 23: >= 5x a loop over the groups, forward+backward
GROUP_TARGETS = (Target("fwd+bwd", 5.0),)


def param_conv_flops(
    batch: int, groups: int, channels: int, size: int, convs: tuple
) -> dict[str, int]:
    """FLOPs of ``G`` groups' convolutions ``(filters, kernel, stride, padding)`` on
    ``[B, C, size, size]`` images (2 per multiply-add, biases not counted): the forward, and
    the backward's weight gradient of every layer plus the input gradient of every layer
    but the first (the input needs none); each of those is one forward's work."""
    fwd, bwd = 0, 0
    for i, (filters, k, stride, pad) in enumerate(convs):
        size = (size + 2 * pad - k) // stride + 1
        layer = 2 * batch * groups * filters * channels * k * k * size * size
        fwd += layer
        bwd += layer if i == 0 else 2 * layer
        channels = filters
    return {"fwd": fwd, "fwd+bwd": fwd + bwd}


def param_network_bench() -> Bench:
    cfg = {
        "family": "net",
        "groups": 32,
        "theta_seed": 0,
        "n_groups": None,
        "activation": "relu_",
        "input_tensor_spec": TensorSpec((64,)),
        "conv_layer_params": None,
        "fc_layer_params": (64, 64),
        "use_conv_bias": False,
        "use_conv_ln": False,
        "use_fc_bias": True,
        "use_fc_ln": False,
        "last_layer_size": None,
        "last_activation": None,
        "last_use_bias": True,
        "last_use_ln": False,
    }
    return Bench((BenchCase("B=128,G=32", cfg, 128, targets=GROUP_TARGETS),))


def param_conv_net_bench() -> Bench:
    cfg = {
        "family": "conv",
        "groups": 16,
        "theta_seed": 0,
        "n_groups": None,
        "activation": "relu_",
        "input_channels": 3,
        "input_size": 16,
        "conv_layer_params": ((16, 3, 1, 1), (16, 3, 1, 1)),
        "same_padding": False,
        "use_bias": True,
        "use_ln": False,
        "flatten_output": False,
    }
    flops = param_conv_flops(32, 16, 3, 16, cfg["conv_layer_params"])
    return Bench((BenchCase("B=32,G=16", cfg, 32, flops=flops, targets=GROUP_TARGETS),))
