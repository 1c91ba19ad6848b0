"""Catalog entries of ``alf.networks.param_networks``: ParamNetwork and ParamConvNet.

Both are ALF networks that keep no weights of their own: the kind hands every
implementation the config's weights (``handed``: ``theta [G, D]`` drawn from the config's
``theta_seed``, in the dtype and on the device under test), so parity and gradients compare
the same ``G`` small networks. With one group (``groups`` 1) inputs are ``[B, ...]``; with
several, the generic properties feed one input per group, ``[B, G, ...]`` (an input shared by
all groups is unambiguous only beside it: the laws check it). The laws (``group_model``,
``group_locality``, ``param_layout``) are modelled in
``properties/models/alf/param_networks.py``.
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import param_networks as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork
from properties.models.alf.param_networks import LAWS, hand_theta
from properties.specs import alf_specs
from reference.specs import TensorSpec

#: config keys that are the harness's, not the constructor's
HARNESS_KEYS = ("family", "groups", "theta_seed")

NO_PARALLEL = (
    "the spec gives it no make_parallel: its groups are its parallel form (group_model, "
    "group_locality)"
)
NO_INIT = (
    "it holds no weights of its own to draw: the caller hands them in (a new network's "
    "placeholders are N(0, 1), replaced by set_parameters)"
)


def _groups(draw: Any, count: str | None = None) -> int:
    """1, or 2-3 groups; ``count`` ("one" / "several") where the caller drew the variant."""
    count = count or draw(S.variants("groups", ("one", "several")))
    return 1 if count == "one" else draw(st.integers(2, 3))


def _grouped_outer(cfg: dict, batch: int) -> tuple[int, ...]:
    return (batch, cfg["groups"]) if cfg["groups"] > 1 else (batch,)


def _common(draw: Any, groups: int, any_ln: bool) -> dict:
    return {
        "groups": groups,
        "theta_seed": draw(st.integers(0, 2**16)),
        "n_groups": groups if any_ln else draw(st.sampled_from([None, groups])),
        "activation": draw(S.activations()),
    }


# --------------------------------------------------------------------------------------
# ParamNetwork
# --------------------------------------------------------------------------------------


def _conv_maps(spec: TensorSpec, convs: tuple, same: bool = False) -> list[tuple[int, ...]]:
    """``(C, H, W)`` of the map each of ``convs`` outputs on ``spec``, before pooling (where
    a layer norm applies: ``param_network_configs``)."""
    _, h, w = spec.shape
    maps = []
    for out, k, stride, *padding in convs:
        pad = (k - 1) // 2 if same else (padding[0] if padding else 0)
        h, w = S.conv_out(h, k, stride, pad), S.conv_out(w, k, stride, pad)
        maps.append((out, h, w))
    return maps


def _conv_sizes(spec: TensorSpec, convs: tuple, same: bool = False) -> list[int]:
    """The number of outputs (C * H * W) of each map of :func:`_conv_maps`."""
    return [c * h * w for c, h, w in _conv_maps(spec, convs, same)]


@st.composite
def param_network_configs(draw: Any) -> dict:
    """FC layers on a vector, or convolutions (flattened) then FC layers on an image; 1 or
    2-3 groups; biases and layer norms on or off; an optional last layer."""
    # one axis for both choices: two axes of two options each would pair them the same way
    # in every plan (fc with one group, conv with several), and FC layers over several
    # groups, the layer most of the network's groups go through, would be left to chance
    form, count = draw(
        S.variants(
            "layers, groups",
            (("fc", "one"), ("fc", "several"), ("conv", "one"), ("conv", "several")),
        )
    )
    groups = _groups(draw, count)
    if form == "conv":
        spec, convs, _ = draw(S.image_and_convs(max_layers=2, allow_same_padding=False))
    else:
        spec, convs = draw(S.vector_specs(1, 6)), None
    fc = draw(st.lists(st.integers(1, 6), min_size=int(form == "fc"), max_size=2).map(tuple))
    last = draw(st.one_of(st.none(), st.tuples(st.integers(1, 4), S.activations())))
    sizes = _conv_sizes(spec, convs) if form == "conv" else []
    conv_ln = form == "conv" and draw(st.booleans()) and min(sizes) > 2
    fc_ln = bool(fc) and draw(st.booleans())
    last_ln = last is not None and draw(st.booleans())
    # A layer norm whose input varies along at most one direction normalises the input
    # away: over two features or two conv outputs (centred, they span one direction), or
    # over a bias-free layer of a one-feature input, LN is a sign pattern, constant in
    # the input but for eps. Its input gradient is then what is left after much larger
    # terms cancel, and every float32 algorithm is off there by ~1e-4 relative in the
    # median and up to 2e-2 (the written formula, F.layer_norm and F.group_norm alike,
    # 400 draws), each draw by its own amount: a comparison would flag whichever was
    # unluckier than the reference. Over one feature LN is exactly its bias, and its input
    # gradient is exactly zero in the written formula but rounding in F.group_norm's. So a
    # normed layer has at least three outputs, and one fed a single feature keeps its bias.
    if fc_ln:
        fc = tuple(max(width, 3) for width in fc)
    if last_ln and last is not None and last[0] < 3:
        last = (3, last[1])
    features = sizes[-1] if sizes else spec.shape[-1]  # what the first FC layer reads
    keep_fc_bias = fc_ln and features == 1
    keep_last_bias = last_ln and (fc[-1] if fc else features) == 1
    return {
        "family": "net",
        **_common(draw, groups, conv_ln or fc_ln or last_ln),
        "input_tensor_spec": spec,
        "conv_layer_params": convs,
        "fc_layer_params": fc,
        "use_conv_bias": draw(st.booleans()),
        "use_conv_ln": conv_ln,
        "use_fc_bias": draw(st.booleans()) or keep_fc_bias,
        "use_fc_ln": fc_ln,
        "last_layer_size": None if last is None else last[0],
        "last_activation": None if last is None else last[1],
        "last_use_bias": draw(st.booleans()) or keep_last_bias,
        "last_use_ln": last_ln,
    }


def build_param_network(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ParamNetwork(**alf_kwargs(impl, cfg, drop=HARNESS_KEYS))


def _vector_net(impl: Impl, **kwargs: Any) -> Any:
    return impl.alf.ParamNetwork(alf_specs(impl, TensorSpec((3,))), fc_layer_params=(2,), **kwargs)


def _handed(net: Any, theta: torch.Tensor) -> Any:
    net.set_parameters(theta)
    return net


_NETWORK_BAD = (
    BadConfig(
        "theta one entry too long",
        lambda impl: _vector_net(impl).set_parameters(torch.zeros(2, 9)),
        ValueError,
        "param_length",
    ),
    BadConfig(
        "theta of 3 groups where use_fc_ln fixes n_groups 2",
        lambda impl: _vector_net(impl, use_fc_ln=True, n_groups=2).set_parameters(
            torch.zeros(3, 12)
        ),
        ValueError,
        "groups",
    ),
    BadConfig(
        "an input of 3 groups to a network handed 2",
        lambda impl: _handed(_vector_net(impl), torch.zeros(2, 8))(torch.zeros(4, 3, 3)),
        ValueError,
        "expected",
    ),
    BadConfig(
        "use_fc_ln without n_groups",
        lambda impl: _vector_net(impl, use_fc_ln=True),
        ValueError,
        "n_groups",
    ),
    BadConfig(
        "last_layer_size without last_activation",
        lambda impl: _vector_net(impl, last_layer_size=2),
        ValueError,
        "last_activation",
    ),
    BadConfig(
        "conv_layer_params on a vector input",
        lambda impl: impl.alf.ParamNetwork(
            alf_specs(impl, TensorSpec((3,))), conv_layer_params=((2, 1, 1),)
        ),
        ValueError,
        "input_tensor_spec",
    ),
)

# --------------------------------------------------------------------------------------
# ParamConvNet
# --------------------------------------------------------------------------------------


@st.composite
def param_conv_net_configs(draw: Any) -> dict:
    """1-2 convolutions (same padding or not, a 2x2 max pool after the last one where its
    map allows), 1 or 2-3 groups, bias and layer norm on or off, flattened output or not."""
    groups = _groups(draw)
    spec, convs, same = draw(S.image_and_convs(max_layers=2))
    c = spec.shape[0]
    _, h, w = _conv_maps(spec, convs, same)[-1]
    if min(h, w) >= 2 and draw(st.booleans()):
        last = convs[-1]
        convs = (*convs[:-1], (*last[:3], last[3] if len(last) > 3 else 0, 2))
    # no layer norm over a map of two outputs or fewer (param_network_configs says why)
    ln = draw(st.booleans()) and min(_conv_sizes(spec, convs, same)) > 2
    hw = tuple(spec.shape[1:])
    return {
        "family": "conv",
        **_common(draw, groups, ln),
        "input_channels": c,
        "input_size": hw[0] if hw[0] == hw[1] and draw(st.booleans()) else hw,
        "conv_layer_params": convs,
        "same_padding": same,
        "use_bias": draw(st.booleans()),
        "use_ln": ln,
        "flatten_output": draw(st.booleans()),
    }


def conv_net_spec(cfg: dict) -> TensorSpec:
    size = cfg["input_size"]
    hw = (size, size) if isinstance(size, int) else tuple(size)
    return TensorSpec((cfg["input_channels"], *hw))


def build_param_conv_net(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ParamConvNet(**alf_kwargs(impl, cfg, drop=HARNESS_KEYS))


def _conv_net(impl: Impl, **kwargs: Any) -> Any:
    return impl.alf.ParamConvNet(2, 5, ((3, 3, 1),), **kwargs)


_CONV_NET_BAD = (
    BadConfig(
        "theta one entry too long",
        lambda impl: _conv_net(impl).set_parameters(torch.zeros(2, 55)),
        ValueError,
        "param_length",
    ),
    BadConfig(
        "empty conv_layer_params",
        lambda impl: impl.alf.ParamConvNet(2, 5, ()),
        ValueError,
        "conv_layer_params",
    ),
    BadConfig(
        "use_ln without n_groups", lambda impl: _conv_net(impl, use_ln=True), ValueError, "n_groups"
    ),
    BadConfig(
        "an image of 3 groups to a network handed 2",
        lambda impl: _handed(_conv_net(impl), torch.zeros(2, 54))(torch.zeros(1, 3, 2, 5, 5)),
        ValueError,
        "expected",
    ),
)


#: The parameter networks' flags (Entry.config_ranges).
_NETWORK_FLAGS = (
    "use_conv_bias",
    "use_conv_ln",
    "use_fc_bias",
    "use_fc_ln",
    "last_use_bias",
    "last_use_ln",
)
_CONV_NET_FLAGS = ("same_padding", "use_bias", "use_ln", "flatten_output")


def entries() -> list[Entry]:
    left_out = {"parallel": NO_PARALLEL, "init": NO_INIT}
    return [
        Entry(
            "alf.ParamNetwork",
            AlfNetwork(outer=_grouped_outer, handed=hand_theta),
            param_network_configs,
            build_param_network,
            left_out=left_out,
            bad_configs=_NETWORK_BAD,
            config_ranges=dict.fromkeys(
                (
                    "use_conv_bias",
                    "use_conv_ln",
                    "use_fc_bias",
                    "use_fc_ln",
                    "last_use_bias",
                    "last_use_ln",
                ),
                "flag",
            ),
            laws=LAWS,
            bench=cases.param_network_bench(),
        ),
        Entry(
            "alf.ParamConvNet",
            AlfNetwork(
                spec=conv_net_spec,
                outer=_grouped_outer,
                result_outer=lambda cfg, batch: (batch,),
                handed=hand_theta,
            ),
            param_conv_net_configs,
            build_param_conv_net,
            left_out=left_out,
            bad_configs=_CONV_NET_BAD,
            config_ranges=dict.fromkeys(
                ("same_padding", "use_bias", "use_ln", "flatten_output"), "flag"
            ),
            laws=LAWS,
            bench=cases.param_conv_net_bench(),
        ),
    ]
