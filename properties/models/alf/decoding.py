"""The image decoders' law ``decoded_shape``, declared by their entries in
``properties/entries/alf/decoding.py``: the output has the shape that an independent
statement of the layer arithmetic gives (torch's size formulas for convolution, transposed
convolution and upsampling, written out layer by layer from the config), and the
auto-shape decoder accepts exactly the output shapes that a brute-force search over start
sizes and output paddings can reach, producing them exactly and refusing the others with a
``ValueError``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import strategies as st

from properties.entry import EntryLaw
from properties.harness import Subject

DESCRIBE = (
    "the output has the shape of an independent statement of the layer arithmetic; an "
    "auto-shape decoder reaches exactly the shapes a brute-force search can reach"
)

#: ``variation(data, cfg) -> (cfg', accepted)``: another config drawn from ``cfg`` and
#: whether the model says the network must accept it.
Variation = Callable[[Any, dict], tuple[dict, bool]]


def deconv_size(h: int, k: int, s: int, p: int, op: int = 0) -> int:
    """torch ``ConvTranspose2d``: ``(H - 1) S - 2P + K + OP``."""
    return (h - 1) * s - 2 * p + k + op


def conv_size(h: int, k: int, s: int, p: int) -> int:
    """torch ``Conv2d``: ``floor((H + 2P - K) / S) + 1``."""
    return (h + 2 * p - k) // s + 1


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (v[0], v[1])


def _padding(layer: tuple, same: bool) -> int:
    return (layer[1] - 1) // 2 if same else (layer[3] if len(layer) > 3 else 0)


def image_decoding_shape(cfg: dict) -> tuple[int, ...]:
    """ImageDecodingNetwork: transposed convolutions from the start shape."""
    h, w = _pair(cfg["start_decoding_size"])
    c = cfg["start_decoding_channels"]
    for layer in cfg["transconv_layer_params"]:
        p = _padding(layer, cfg.get("same_padding", False))
        c, k, s = layer[:3]
        h, w = deconv_size(h, k, s, p), deconv_size(w, k, s, p)
    return (c, h, w)


def upsample_conv_shape(cfg: dict) -> tuple[int, ...]:
    """ImageDecodingNetworkV2: upsampling (an int) and convolutions (a tuple)."""
    h, w = _pair(cfg["start_decoding_size"])
    c = cfg["start_decoding_channels"]
    for layer in cfg["upsample_conv_layer_params"]:
        if isinstance(layer, int):
            h, w = h * layer, w * layer
            continue
        p = _padding(layer, cfg.get("same_padding", False))
        c, k, s = layer[:3]
        h, w = conv_size(h, k, s, p), conv_size(w, k, s, p)
    return (c, h, w)


def broadcast_shape(cfg: dict) -> tuple[int, ...]:
    """SpatialBroadcastDecodingNetwork: same-padded convolutions over the output grid."""
    h = cfg["output_height"]
    w = h if cfg.get("output_width") is None else cfg["output_width"]
    c = 0
    for layer in cfg["conv_layer_params"]:
        c, k, s = layer[:3]
        h, w = conv_size(h, k, s, (k - 1) // 2), conv_size(w, k, s, (k - 1) // 2)
    return (c, h, w)


def auto_shape(cfg: dict) -> tuple[int, ...]:
    return tuple(cfg["output_shape"])


def reachable(layers: tuple, out: int) -> bool:
    """Whether some start size ``>= 1`` and output paddings in ``[0, S)`` make the
    transposed convolutions ``layers`` output ``out``: tried exhaustively, last layer first."""
    for layer in reversed(layers):
        k, s = layer[1], layer[2]
        p = layer[3] if len(layer) > 3 else 0
        found = [
            h
            for h in range(1, out + 2 * p + 2)
            for op in range(s)
            if deconv_size(h, k, s, p, op) == out
        ]
        if not found:
            return False
        out = found[0]
    return True


def auto_shape_variation(data: Any, cfg: dict) -> tuple[dict, bool]:
    """Another output height and width (1..12) for the config's layers, and whether the
    brute-force search reaches them."""
    h = data.draw(st.integers(1, 12), label="output height")
    w = data.draw(st.integers(1, 12), label="output width")
    layers = cfg["transconv_layer_params"]
    shape = (cfg["output_shape"][0], h, w)
    return {**cfg, "output_shape": shape}, reachable(layers, h) and reachable(layers, w)


def decoded_shape(
    shape: Callable[[dict], tuple[int, ...]], variation: Variation | None = None
) -> EntryLaw:
    """The law ``decoded_shape`` (module doc) with ``shape(cfg)`` the model's output shape."""
    return EntryLaw(DESCRIBE, functools.partial(check_decoded_shape, shape, variation))


def check_decoded_shape(
    shape: Callable[[dict], tuple[int, ...]],
    variation: Variation | None,
    subject: Subject,
    data: Any,
) -> None:
    """decoded_shape: the reference's and the candidate's outputs (and output specs) have
    the model's shape; with a ``variation``, a config the model accepts builds and decodes to
    its shape, and one it refuses raises ``ValueError`` at construction."""
    case = subject.draw(data)
    variant, accepted = variation(data, case.cfg) if variation else (case.cfg, True)
    for cfg, must_build in ((case.cfg, True), (variant, accepted)):
        for impl in (subject.reference, subject.candidate):
            if not must_build:
                with pytest.raises(ValueError):
                    subject.build(impl, cfg, seed=case.seed)
                continue
            net = subject.build(impl, cfg, seed=case.seed)
            x = subject.inputs(case)
            with torch.no_grad():
                out, _ = subject.kind.call(net, x, ())
            want = shape(cfg)
            assert tuple(out.shape) == (case.batch, *want), (
                f"{impl}: output shape {list(out.shape)} for {cfg}, the model's is "
                f"{[case.batch, *want]}"
            )
            spec = subject.kind.output_spec_data(net)
            assert tuple(spec.shape) == want, f"{impl}: output_spec {spec}, model's {want}"
