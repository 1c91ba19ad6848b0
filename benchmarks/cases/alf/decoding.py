"""Benchmark cases of the ALF image decoders, with issue 23's targets: every decoder never
below 0.95x the reference; ``SpatialBroadcastDecodingNetwork`` >= 1.5x (no materialised
tiling); the parallel decoders at n=8 >= 3x the reference's loop over replicas.

The n=8 cases declare their FLOPs (:func:`decoder_flops`, from the layer shapes below):
FlopCounterMode's formula for a convolution's weight gradient ignores ``groups``, so it
credits the optimized form's grouped (transposed) convolutions n times the weight-gradient
work of the reference's n convolutions (2.3 GFLOP instead of 0.7 for
``ImageDecodingNetwork``), which put the rows' ceilings below the measured speedups."""

from __future__ import annotations

from properties.entry import Bench, BenchCase, Target

#: Never slower than the reference (5% measuring margin), in both modes.
NOT_SLOWER = (Target("fwd", 0.95), Target("fwd+bwd", 0.95))
#: The parallel form at n=8 against the reference's loop over the replicas.
PARALLEL = (Target("fwd", 3.0), Target("fwd+bwd", 3.0))
#: The spatial broadcast decoder's first convolution without the tiling.
BROADCAST = (Target("fwd", 1.5), Target("fwd+bwd", 1.5))


#: One layer of a decoder: ``(op, c_in, c_out, k, pixels)``, ``op`` ``fc`` (``k`` 1,
#: ``pixels`` 1), ``conv`` (``pixels`` of its output) or ``deconv`` (transposed: ``pixels``
#: of its input, each input pixel meeting every tap once).
Layer = tuple[str, int, int, int, int]


def decoder_flops(layers: tuple[Layer, ...], batch: int) -> dict[str, int]:
    """FLOPs of a decoder's layers on ``batch`` samples (2 per multiply-add; biases,
    upsampling and activations not counted): the forward, and forward + backward, where
    every layer computes its weight gradient and every layer but the first (an FC on the
    latent, which needs no gradient) its input gradient, each one forward's work."""
    per = [2 * batch * c_in * c_out * k * k * pixels for _, c_in, c_out, k, pixels in layers]
    fwd = sum(per)
    return {"fwd": fwd, "fwd+bwd": 3 * fwd - per[0]}


def _cases(base: dict, parallel: bool, layers: tuple[Layer, ...]) -> Bench:
    """B = 64 single (never slower), and with a parallel form n = 8 at B = 16 (3x), whose
    FLOPs are declared (module doc): 8 replicas' ``layers`` on 16 samples each."""
    cases = [BenchCase("B=64", base, 64, targets=NOT_SLOWER)]
    if parallel:
        flops = decoder_flops(layers, 8 * 16)
        cases.append(BenchCase("B=16,n=8", {**base, "n": 8}, 16, flops=flops, targets=PARALLEL))
    return Bench(tuple(cases))


def image_decoding_bench() -> Bench:
    """A 32-latent to a 3x16x16 image: 32x4x4 start, two stride-2 transposed convs."""
    return _cases(
        {
            "input_size": 32,
            "transconv_layer_params": ((32, 4, 2, 1), (16, 4, 2, 1), (3, 3, 1, 1)),
            "start_decoding_size": 4,
            "start_decoding_channels": 32,
            "activation": "relu_",
            "output_activation": "tanh",
        },
        parallel=True,
        layers=(
            ("fc", 32, 32 * 4 * 4, 1, 1),
            ("deconv", 32, 32, 4, 4 * 4),
            ("deconv", 32, 16, 4, 8 * 8),
            ("deconv", 16, 3, 3, 16 * 16),
        ),
    )


def upsample_decoding_bench() -> Bench:
    """The same decoder with nearest upsampling and convolutions."""
    return _cases(
        {
            "input_size": 32,
            "upsample_conv_layer_params": (2, (32, 3, 1), 2, (16, 3, 1), (3, 3, 1)),
            "start_decoding_size": 4,
            "start_decoding_channels": 32,
            "same_padding": True,
            "activation": "relu_",
            "output_activation": "tanh",
        },
        parallel=True,
        layers=(
            ("fc", 32, 32 * 4 * 4, 1, 1),
            ("conv", 32, 32, 3, 8 * 8),
            ("conv", 32, 16, 3, 16 * 16),
            ("conv", 16, 3, 3, 16 * 16),
        ),
    )


def auto_shape_bench() -> Bench:
    """A 32-latent to 3x28x28 (MNIST-like) through three transposed convs."""
    return _cases(
        {
            "input_size": 32,
            "transconv_layer_params": ((32, 3, 2, 1), (16, 3, 2, 1), (3, 3, 1, 1)),
            "output_shape": (3, 28, 28),
            "start_decoding_channels": 32,
            "activation": "relu_",
            "output_activation": "tanh",
        },
        parallel=True,
        layers=(  # the start shape 32x7x7 that reaches 28x28 (k3, s2, p1, output padding 1)
            ("fc", 32, 32 * 7 * 7, 1, 1),
            ("deconv", 32, 32, 3, 7 * 7),
            ("deconv", 32, 16, 3, 14 * 14),
            ("deconv", 16, 3, 3, 28 * 28),
        ),
    )


def broadcast_bench() -> Bench:
    """A 16-latent broadcast over 16x16, conv (32, 3) twice, a 3-channel 3x3 output conv."""
    base = {
        "input_size": 16,
        "output_height": 16,
        "conv_layer_params": ((32, 3, 1), (32, 3, 1), (3, 3, 1)),
        "activation": "relu_",
        "output_activation": "identity",
    }
    return Bench((BenchCase("B=64", base, 64, targets=BROADCAST),))
