"""``optimized.alf.ParallelConv2D`` has two forward paths: one grouped convolution, and for
a few output positions (``_UNFOLD_POSITIONS``) im2col plus one matmul over the replicas.
The property suite's small images take the second almost always, so both are held equal
to the reference's loop over replicas here: outputs and every gradient, in float64, over
kernels, strides, paddings, biases, batch norm, shared or per-replica inputs and an
empty batch, with an elementwise activation and with one that is not (softmaxes over dims
1 and -1), which must see the reference's ``[B, n, C, H, W]``, not the grouped
``[B, n*C, H, W]``. ``ParallelConvTranspose2D``'s grouped form is held the same way."""

from __future__ import annotations

import pytest
import torch

import optimized.alf.deconv as opt_deconv
import optimized.alf.layers as opt
import reference.alf.deconv as ref_deconv
import reference.alf.layers as ref
from properties.strategies import mixing_activation
from tests.weighted_step import assert_layers_equal

ACTIVATIONS = pytest.mark.parametrize(
    "activation", [torch.tanh, mixing_activation], ids=["tanh", "mixing"]
)

CONFIGS = [
    # (in, out, kernel, n, strides, padding, use_bias, use_bn, H, W, shared input, batch)
    (3, 4, 3, 4, 2, 0, True, False, 9, 8, True, 3),
    (2, 3, (2, 3), 3, (1, 2), (1, 0), False, False, 7, 9, False, 3),
    (1, 2, 1, 2, 1, 1, True, True, 5, 5, False, 3),
    (2, 5, 3, 2, 1, 1, None, False, 6, 4, True, 3),
    (2, 2, 3, 3, 1, 0, True, False, 5, 5, False, 0),
]


@ACTIVATIONS
@pytest.mark.parametrize("path", ["unfold", "grouped"])
@pytest.mark.parametrize("config", CONFIGS)
def test_both_paths_equal_the_loop_over_replicas(
    path: str, config: tuple, activation: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    cin, cout, k, n, strides, padding, bias, bn, h, w, shared, batch = config
    monkeypatch.setattr(opt, "_UNFOLD_POSITIONS", 10**9 if path == "unfold" else 0)
    kwargs = dict(strides=strides, padding=padding, use_bias=bias, use_bn=bn)
    torch.manual_seed(0)
    assert_layers_equal(
        ref.ParallelConv2D(cin, cout, k, n, activation=activation, **kwargs),
        opt.ParallelConv2D(cin, cout, k, n, activation=activation, **kwargs),
        (batch, cin, h, w) if shared else (batch, n, cin, h, w),
    )


@ACTIVATIONS
@pytest.mark.parametrize("config", CONFIGS)
def test_grouped_transposed_convolution_equals_the_loop_over_replicas(
    config: tuple, activation: object
) -> None:
    cin, cout, k, n, strides, padding, bias, bn, h, w, shared, batch = config
    kwargs = dict(strides=strides, padding=padding, use_bias=bias, use_bn=bn)
    torch.manual_seed(0)
    assert_layers_equal(
        ref_deconv.ParallelConvTranspose2D(cin, cout, k, n, activation=activation, **kwargs),
        opt_deconv.ParallelConvTranspose2D(cin, cout, k, n, activation=activation, **kwargs),
        (batch, cin, h, w) if shared else (batch, n, cin, h, w),
    )


@pytest.mark.parametrize("layout", ["contiguous", "shared", "channels_last_view"])
def test_grouped_input_is_channels_last(layout: str) -> None:
    """The grouped convolution's input is channels-last memory whatever the replicas' layout
    (oneDNN's grouped kernels take a slow path on NCHW: 2.7x at B=1024, n=4, 3 channels):
    a plain contiguous ``[B, n, C, H, W]`` merges ``n`` and ``C`` as a view, which a bare
    ``reshape`` would leave NCHW."""
    b, n, c, h, w = 2, 3, 4, 5, 6
    if layout == "contiguous":
        x = torch.randn(b, n, c, h, w)
    elif layout == "shared":
        x = torch.randn(b, 1, c, h, w).expand(b, n, c, h, w)
    else:
        image = torch.randn(b, n * c, h, w).contiguous(memory_format=torch.channels_last)
        x = image.view(b, n, c, h, w)
    y = opt.grouped_channels_last(x)
    assert y.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(y, x.reshape(b, n * c, h, w), rtol=0, atol=0)
    if layout == "channels_last_view":
        assert y.data_ptr() == x.data_ptr()  # no copy
