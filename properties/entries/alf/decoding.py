"""Catalog entries of the image decoders of ``alf.networks.encoding_networks``:
ImageDecodingNetwork, ImageDecodingNetworkV2, AutoShapeImageDeconvNetwork,
SpatialBroadcastDecodingNetwork (the parallel forms are their ``make_parallel(n)``)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from benchmarks.cases.alf import decoding as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.models.alf import decoding as models
from reference.specs import TensorSpec

#: Feature maps are kept at most this high and wide, so that every example stays cheap.
MAX_HW = 12


#: One or two FC layers (a non-empty ``fc_layer_params``).
_FC = st.lists(S.sizes(1, 16), min_size=1, max_size=2).map(tuple)


def latent_spec(cfg: dict) -> TensorSpec:
    return TensorSpec((cfg["input_size"],))


@st.composite
def _head(draw: Any) -> dict:
    """Latent size, FC preprocessing, activations, initializer and a replica count."""
    return {
        "input_size": draw(S.sizes(1, 6)),
        "preprocess_fc_layer_params": (
            draw(_FC) if draw(S.variants("preprocess", [None, "fc"])) else None
        ),
        "activation": draw(S.activations()),
        "kernel_initializer": draw(S.initializers()),
        "output_activation": draw(S.activations()),
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def _start(draw: Any) -> tuple[int | tuple[int, int], tuple[int, int]]:
    form = draw(S.variants("start size", ["int", "pair"]))
    h = draw(st.integers(1, 4))
    w = h if form == "int" else draw(st.integers(1, 4))
    return (h if form == "int" else (h, w)), (h, w)


def _layer(filters: int, k: int, s: int, p: int | None) -> tuple:
    return (filters, k, s) if p is None else (filters, k, s, p)


@st.composite
def decoding_configs(draw: Any) -> dict:
    """ImageDecodingNetwork: transposed convolutions from a small start shape."""
    cfg = draw(_head())
    size, (h, w) = draw(_start())
    same = draw(S.variants("same_padding", [False, True]))
    layers: list[tuple] = []
    for _ in range(draw(st.integers(1, 2))):
        k, s = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        p = draw(st.one_of(st.none(), st.integers(0, 1)))
        pad = (k - 1) // 2 if same else (p or 0)
        hh, ww = models.deconv_size(h, k, s, pad), models.deconv_size(w, k, s, pad)
        if min(hh, ww) < 1 or max(hh, ww) > MAX_HW:
            continue
        h, w = hh, ww
        layers.append(_layer(draw(st.integers(1, 3)), k, s, p))
    if not layers:
        layers.append((draw(st.integers(1, 3)), 1, 1))
    return {
        **cfg,
        "transconv_layer_params": tuple(layers),
        "start_decoding_size": size,
        "start_decoding_channels": draw(st.integers(1, 3)),
        "same_padding": same,
    }


@st.composite
def upsample_configs(draw: Any) -> dict:
    """ImageDecodingNetworkV2: upsampling and convolutions, ending either way."""
    cfg = draw(_head())
    size, (h, w) = draw(_start())
    same = draw(st.booleans())
    mode = draw(S.variants("upsampling_mode", ["nearest", "bilinear"]))
    last = draw(S.variants("last element", ["conv", "upsample"]))
    layers: list = []
    for i in range(draw(st.integers(1, 3))):
        final = i == 2 or draw(st.booleans())
        up = (last == "upsample") if final else draw(st.booleans())
        if up and 2 * max(h, w) <= MAX_HW:
            layers.append(2)
            h, w = 2 * h, 2 * w
        elif not up:
            k, s = draw(st.integers(1, 3)), draw(st.integers(1, 2))
            p = draw(st.one_of(st.none(), st.integers(0, 1)))
            pad = (k - 1) // 2 if same else (p or 0)
            hh, ww = models.conv_size(h, k, s, pad), models.conv_size(w, k, s, pad)
            if min(hh, ww) >= 1:
                h, w = hh, ww
                layers.append(_layer(draw(st.integers(1, 3)), k, s, p))
        if final:
            break
    if not layers:
        layers.append(2 if last == "upsample" else (draw(st.integers(1, 3)), 1, 1))
    return {
        **cfg,
        "upsample_conv_layer_params": tuple(layers),
        "start_decoding_size": size,
        "start_decoding_channels": draw(st.integers(1, 3)),
        "upsampling_mode": mode,
        "same_padding": same,
    }


@st.composite
def auto_shape_configs(draw: Any) -> dict:
    """AutoShapeImageDeconvNetwork: layers and an output shape they reach (a start size and
    output paddings drawn, the output computed forward)."""
    cfg = draw(_head())
    _, (h, w) = draw(_start())
    layers: list[tuple] = []
    for _ in range(draw(st.integers(1, 2))):
        k, s = draw(st.integers(1, 3)), draw(S.variants("stride", [1, 2, 3]))
        p = draw(st.one_of(st.none(), st.integers(0, 1)))
        pad = p or 0
        oph, opw = draw(st.integers(0, s - 1)), draw(st.integers(0, s - 1))
        hh, ww = models.deconv_size(h, k, s, pad, oph), models.deconv_size(w, k, s, pad, opw)
        if min(hh, ww) < 1 or max(hh, ww) > MAX_HW:
            continue
        h, w = hh, ww
        layers.append(_layer(draw(st.integers(1, 3)), k, s, p))
    if not layers:
        layers.append((draw(st.integers(1, 3)), 1, 1))
    return {
        **cfg,
        "transconv_layer_params": tuple(layers),
        "output_shape": (layers[-1][0], h, w),
        "start_decoding_channels": draw(st.integers(1, 3)),
    }


@st.composite
def broadcast_configs(draw: Any) -> dict:
    """SpatialBroadcastDecodingNetwork: optional FC layers, a grid, two or three same-padded
    convolutions."""
    fc = draw(S.variants("fc_layer_params", [None, "empty", "fc"]))
    width = draw(S.variants("output_width", ["same", "own"]))
    h = draw(st.integers(1, 7))
    w = h if width == "same" else draw(st.integers(1, 7))
    layers = []
    hh, ww = h, w
    for _ in range(draw(st.integers(1, 3))):
        k, s = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        h2 = models.conv_size(hh, k, s, (k - 1) // 2)
        w2 = models.conv_size(ww, k, s, (k - 1) // 2)
        if min(h2, w2) < 1:
            continue
        hh, ww = h2, w2
        layers.append((draw(st.integers(1, 4)), k, s))
    while len(layers) < 2:  # upstream's builder needs two (module doc of the reference)
        layers.append((draw(st.integers(1, 4)), 1, 1))
    return {
        "input_size": draw(S.sizes(1, 5)),
        "output_height": h,
        "conv_layer_params": tuple(layers),
        "output_width": None if width == "same" else w,
        "fc_layer_params": {
            None: None,
            "empty": (),
            "fc": draw(_FC),
        }[fc],
        "activation": draw(S.activations()),
        "output_activation": draw(S.activations()),
        "n": draw(st.integers(1, 3)),
    }


def _kwargs(impl: Impl, cfg: dict) -> dict:
    kw = alf_kwargs(impl, cfg)
    kw["output_activation"] = S.resolve_activation(kw["output_activation"])
    return kw


def build_decoding(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ImageDecodingNetwork(**_kwargs(impl, cfg))


def build_upsample(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ImageDecodingNetworkV2(**_kwargs(impl, cfg))


def build_auto_shape(impl: Impl, cfg: dict) -> Any:
    return impl.alf.AutoShapeImageDeconvNetwork(**_kwargs(impl, cfg))


def build_broadcast(impl: Impl, cfg: dict) -> Any:
    return impl.alf.SpatialBroadcastDecodingNetwork(**_kwargs(impl, cfg))


_DECODING_BAD = (
    BadConfig(
        "empty transconv_layer_params",
        lambda impl: impl.alf.ImageDecodingNetwork(4, (), 2, 3),
        ValueError,
        "transconv_layer_params",
    ),
    BadConfig(
        "a layer that empties the feature map",
        lambda impl: impl.alf.ImageDecodingNetwork(4, ((2, 1, 1, 1),), 1, 3),
        ValueError,
        "empty",
    ),
)

_UPSAMPLE_BAD = (
    BadConfig(
        "unknown upsampling_mode",
        lambda impl: impl.alf.ImageDecodingNetworkV2(
            4, (2, (3, 3, 1)), 2, 3, upsampling_mode="cubic"
        ),
        ValueError,
        "upsampling_mode",
    ),
    BadConfig(
        "a convolution that empties the feature map",
        lambda impl: impl.alf.ImageDecodingNetworkV2(4, ((3, 3, 1),), 2, 3),
        ValueError,
        "empty",
    ),
)

_AUTO_SHAPE_BAD = (
    BadConfig(
        "unreachable output shape",
        lambda impl: impl.alf.AutoShapeImageDeconvNetwork(4, ((3, 3, 1),), (3, 1, 5), 2),
        ValueError,
        "unreachable",
    ),
    BadConfig(
        "output channels differ from the last layer's filters",
        lambda impl: impl.alf.AutoShapeImageDeconvNetwork(4, ((3, 3, 2),), (2, 8, 8), 2),
        ValueError,
        "channels",
    ),
)

_BROADCAST_BAD = (
    BadConfig(
        "empty conv_layer_params",
        lambda impl: impl.alf.SpatialBroadcastDecodingNetwork(4, 5, ()),
        ValueError,
        "conv_layer_params",
    ),
    BadConfig(
        "non-positive output_height",
        lambda impl: impl.alf.SpatialBroadcastDecodingNetwork(4, 0, ((3, 3, 1),)),
        ValueError,
        "output_height",
    ),
)


#: The decoders' sizes and flags (Entry.config_ranges).
_IMAGE_RANGES = {
    "input_size": "positive",
    "start_decoding_channels": "positive",
    "start_decoding_size": "positive",
    "same_padding": "flag",
}


def _entry(
    name: str,
    configs: Any,
    build: Any,
    shape: Any,
    bad: tuple,
    bench: Any,
    ranges: dict[str, str],
    **kw: Any,
) -> Entry:
    return Entry(
        name,
        AlfNetwork(spec=latent_spec, parallel=Parallel.made_parallel(build, shared_input=False)),
        configs,
        build,
        bad_configs=bad,
        config_ranges=ranges,
        bench=bench,
        laws={"decoded_shape": models.decoded_shape(shape, **kw)},
    )


def entries() -> list[Entry]:
    return [
        _entry(
            "alf.ImageDecodingNetwork",
            decoding_configs,
            build_decoding,
            models.image_decoding_shape,
            _DECODING_BAD,
            cases.image_decoding_bench(),
            _IMAGE_RANGES,
        ),
        _entry(
            "alf.ImageDecodingNetworkV2",
            upsample_configs,
            build_upsample,
            models.upsample_conv_shape,
            _UPSAMPLE_BAD,
            cases.upsample_decoding_bench(),
            _IMAGE_RANGES,
        ),
        _entry(
            "alf.AutoShapeImageDeconvNetwork",
            auto_shape_configs,
            build_auto_shape,
            models.auto_shape,
            _AUTO_SHAPE_BAD,
            cases.auto_shape_bench(),
            {"input_size": "positive", "start_decoding_channels": "positive"},
            variation=models.auto_shape_variation,
        ),
        _entry(
            "alf.SpatialBroadcastDecodingNetwork",
            broadcast_configs,
            build_broadcast,
            models.broadcast_shape,
            _BROADCAST_BAD,
            cases.broadcast_bench(),
            {"input_size": "positive", "output_height": "positive", "output_width": "positive"},
        ),
    ]
