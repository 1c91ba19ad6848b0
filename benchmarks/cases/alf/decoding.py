"""Benchmark cases of the ALF image decoders, with issue 23's targets: every decoder never
below 0.95x the reference; ``SpatialBroadcastDecodingNetwork`` >= 1.5x (no materialised
tiling); the parallel decoders at n=8 >= 3x the reference's loop over replicas."""

from __future__ import annotations

from properties.entry import Bench, BenchCase, Target

#: Never slower than the reference (5% measuring margin), in both modes.
NOT_SLOWER = (Target("fwd", 0.95), Target("fwd+bwd", 0.95))
#: The parallel form at n=8 against the reference's loop over the replicas.
PARALLEL = (Target("fwd", 3.0), Target("fwd+bwd", 3.0))
#: The spatial broadcast decoder's first convolution without the tiling.
BROADCAST = (Target("fwd", 1.5), Target("fwd+bwd", 1.5))


def _cases(base: dict, parallel: bool) -> Bench:
    """B = 64 single (never slower), and with a parallel form n = 8 at B = 16 (3x)."""
    cases = [BenchCase("B=64", base, 64, targets=NOT_SLOWER)]
    if parallel:
        cases.append(BenchCase("B=16,n=8", {**base, "n": 8}, 16, targets=PARALLEL))
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
