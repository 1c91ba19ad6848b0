"""Independent models of ALF's parameter networks (``ParamNetwork``, ``ParamConvNet``) and
the laws their entries declare (``properties/entries/alf/param_networks.py``).

The model reads a config as a plan of layers (:func:`network_plan`, :func:`conv_net_plan`),
cuts each group's row of ``theta`` into the layers' weights in upstream ALF's flat layout
(per layer: the kernel row-major, then the bias, then the layer-norm scale and shift) and
runs each group as its own small network with ``torch.nn.functional``, one group after the
other. Laws:

* ``group_model``: outputs, and gradients w.r.t. ``theta`` and the input, equal the model's, for
  per-group inputs and for one input shared by all groups;
* ``group_locality``: changing group ``g``'s row of ``theta`` changes no other group's output;
* ``param_layout``: ``param_length`` is the layout's length; handing ``theta`` after other
  weights (another group count where the group count is free) computes as a fresh network
  handed ``theta``, whose ``output_spec`` follows; a ``[D]`` vector is one group.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from properties import strategies as S
from properties.compare import tolerance
from properties.entry import EntryLaw
from properties.harness import Subject

F64 = torch.float64
#: scale of the handed weights: N(0, 0.5^2) keeps a few layers' outputs of order one
THETA_SCALE = 0.5


@dataclass(frozen=True)
class Layer:
    """One layer of a plan: ``conv`` (``k``: kernel ``(kh, kw)``) or ``fc``."""

    form: str
    n_in: int
    n_out: int
    bias: bool
    ln: bool
    activation: Callable
    k: tuple[int, int] = (1, 1)
    stride: int = 1
    padding: tuple[int, int] = (0, 0)
    pool: int | None = None

    @property
    def length(self) -> int:
        kernel = self.n_out * self.n_in * self.k[0] * self.k[1]
        return kernel + (self.n_out if self.bias else 0) + (2 * self.n_out if self.ln else 0)


def _pair(v: Any) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _convs(
    channels: int, params: tuple, same: bool, bias: bool, ln: bool, act: Callable
) -> list[Layer]:
    layers = []
    for p in params:
        k = _pair(p[1])
        pad = ((k[0] - 1) // 2, (k[1] - 1) // 2) if same else _pair(p[3] if len(p) > 3 else 0)
        pool = p[4] if len(p) > 4 else None
        layers.append(Layer("conv", channels, p[0], bias, ln, act, k, p[2], pad, pool))
        channels = p[0]
    return layers


def conv_shape(layers: list[Layer], hw: tuple[int, int]) -> tuple[int, int]:
    """The feature map size after ``layers`` (floor division of each conv and pool)."""
    h, w = hw
    for lay in layers:
        h = (h + 2 * lay.padding[0] - lay.k[0]) // lay.stride + 1
        w = (w + 2 * lay.padding[1] - lay.k[1]) // lay.stride + 1
        if lay.pool is not None:
            h, w = h // lay.pool, w // lay.pool
    return h, w


def network_plan(cfg: dict) -> list[Layer]:
    """A ``ParamNetwork`` config's layers: convolutions, FC layers, the last FC layer."""
    act = S.resolve_activation(cfg["activation"])
    spec = cfg["input_tensor_spec"]
    layers: list[Layer] = []
    if cfg.get("conv_layer_params"):
        c, h, w = spec.shape
        layers = _convs(
            c, cfg["conv_layer_params"], False, cfg["use_conv_bias"], cfg["use_conv_ln"], act
        )
        hh, ww = conv_shape(layers, (h, w))
        size = layers[-1].n_out * hh * ww
    else:
        size = spec.shape[0]
    for units in cfg.get("fc_layer_params") or ():
        layers.append(Layer("fc", size, units, cfg["use_fc_bias"], cfg["use_fc_ln"], act))
        size = units
    if cfg.get("last_layer_size") is not None:
        last = S.resolve_activation(cfg["last_activation"])
        n = cfg["last_layer_size"]
        layers.append(Layer("fc", size, n, cfg["last_use_bias"], cfg["last_use_ln"], last))
    return layers


def conv_net_plan(cfg: dict) -> list[Layer]:
    """A ``ParamConvNet`` config's convolutions."""
    act = S.resolve_activation(cfg["activation"])
    return _convs(
        cfg["input_channels"],
        cfg["conv_layer_params"],
        cfg["same_padding"],
        cfg["use_bias"],
        cfg["use_ln"],
        act,
    )


def one_group(layers: list[Layer], theta_g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Group ``g``'s network on its input ``x`` (``[B, ...]``), weights cut from its row
    ``theta_g`` in layout order; a conv stack followed by FC layers is flattened between."""
    pos = 0

    def take(n: int) -> torch.Tensor:
        nonlocal pos
        out = theta_g[pos : pos + n]
        pos += n
        return out

    for lay in layers:
        if lay.form == "fc" and x.dim() > 2:
            x = x.flatten(1)
        kernel = take(lay.n_out * lay.n_in * lay.k[0] * lay.k[1])
        b = take(lay.n_out) if lay.bias else None
        if lay.form == "conv":
            h = F.conv2d(x, kernel.reshape(lay.n_out, lay.n_in, *lay.k), b, lay.stride, lay.padding)
        else:
            h = F.linear(x, kernel.reshape(lay.n_out, lay.n_in), b)
        if lay.ln:
            gamma, beta = take(lay.n_out), take(lay.n_out)
            h = F.layer_norm(h, h.shape[1:], eps=1e-5)
            shape = (-1, 1, 1) if lay.form == "conv" else (-1,)
            h = h * gamma.reshape(shape) + beta.reshape(shape)
        x = lay.activation(h)
        if lay.pool is not None:
            x = F.max_pool2d(x, lay.pool)
    return x


def model(
    layers: list[Layer], theta: torch.Tensor, x: torch.Tensor, grouped: bool, flatten: bool
) -> torch.Tensor:
    """All groups, one after the other: ``[B, G, ...]`` (no group dim with one group);
    ``flatten``: each group's output flattened to a vector."""
    outs = []
    for g in range(theta.shape[0]):
        y = one_group(layers, theta[g], x[:, g] if grouped else x)
        outs.append(y.flatten(1) if flatten else y)
    return torch.stack(outs, 1) if len(outs) > 1 else outs[0]


# -- the laws -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """What the laws need of an entry: its plan, whether its outputs are flat vectors, and
    the plain-data spec of one group's input."""

    plan: Callable[[dict], list[Layer]]
    flat: Callable[[dict], bool]
    input_spec: Callable[[dict], tuple[int, ...]]


def theta_of(cfg: dict, dtype: torch.dtype = F64, groups: int | None = None) -> torch.Tensor:
    """The config's handed weights ``[G, D]`` (``theta_seed``), the same for every caller."""
    g = torch.Generator().manual_seed(cfg["theta_seed"])
    n = cfg["groups"] if groups is None else groups
    length = sum(lay.length for lay in PLANS[cfg["family"]].plan(cfg))
    return (THETA_SCALE * torch.randn(n, length, generator=g, dtype=F64)).to(dtype)


def hand_theta(
    net: Any, cfg: dict, dtype: torch.dtype, device: Any, requires_grad: bool
) -> tuple[torch.Tensor, ...]:
    """The kind's ``handed``: give ``net`` the config's weights in ``dtype`` on ``device``."""
    theta = theta_of(cfg, dtype).to(device).requires_grad_(requires_grad)
    net.set_parameters(theta)
    return (theta,)


def regrouped(cfg: dict, groups: int) -> dict:
    """``cfg`` with ``groups`` parameter groups (``n_groups`` follows where it is given)."""
    n_groups = None if cfg["n_groups"] is None else groups
    return {**cfg, "groups": groups, "n_groups": n_groups}


def _shared_and_grouped(cfg: dict, batch: int, seed: int) -> list[tuple[torch.Tensor, bool]]:
    """Inputs of both forms: one ``[B, ...]`` shared by all groups, and with ``G > 1`` one
    ``[B, G, ...]`` with an input per group."""
    g = torch.Generator().manual_seed(seed)
    inner = PLANS[cfg["family"]].input_spec(cfg)
    forms = [(torch.randn(batch, *inner, generator=g, dtype=F64), False)]
    if cfg["groups"] > 1:
        forms.append((torch.randn(batch, cfg["groups"], *inner, generator=g, dtype=F64), True))
    return forms


def check_group_model(subject: Subject, data: Any) -> None:
    case = subject.draw(data)
    cfg = case.cfg
    fam = PLANS[cfg["family"]]
    rtol, atol = tolerance(F64)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, cfg, F64, seed=case.seed)
        theta = theta_of(cfg).requires_grad_(True)
        net.set_parameters(theta)
        for x, grouped in _shared_and_grouped(cfg, case.batch, case.seed):
            x = x.requires_grad_(True)
            got = net(x)[0]
            want = model(fam.plan(cfg), theta, x, grouped, fam.flat(cfg))
            what = f"{impl} ({'per-group' if grouped else 'shared'} input)"
            assert got.shape == want.shape, (
                f"{what}: shape {list(got.shape)}, model {list(want.shape)}"
            )
            torch.testing.assert_close(got, want, rtol=rtol, atol=atol, msg=f"{what}: output")
            r = torch.randn(want.shape, generator=torch.Generator().manual_seed(1), dtype=F64)
            g_got = torch.autograd.grad((got * r).sum(), (theta, x))
            g_want = torch.autograd.grad((want * r).sum(), (theta, x))
            for name, a, b in zip(("theta", "input"), g_got, g_want):
                torch.testing.assert_close(a, b, rtol=rtol, atol=atol, msg=f"{what}: d/d{name}")


def check_group_locality(subject: Subject, data: Any) -> None:
    case = subject.draw(data)
    cfg = case.cfg if case.cfg["groups"] > 1 else regrouped(case.cfg, 3)
    rtol, atol = tolerance(F64)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, cfg, F64, seed=case.seed)
        theta = theta_of(cfg)
        for x, _ in _shared_and_grouped(cfg, case.batch, case.seed):
            net.set_parameters(theta)
            with torch.no_grad():
                before = net(x)[0]
            for g in range(cfg["groups"]):
                changed = theta.clone()
                changed[g] += torch.randn(changed.shape[1], dtype=F64)
                net.set_parameters(changed)
                with torch.no_grad():
                    after = net(x)[0]
                for h in range(cfg["groups"]):
                    if h != g:
                        torch.testing.assert_close(
                            after[:, h],
                            before[:, h],
                            rtol=rtol,
                            atol=atol,
                            msg=f"{impl}: group {g}'s weights changed group {h}'s output",
                        )


def check_param_layout(subject: Subject, data: Any) -> None:
    case = subject.draw(data)
    cfg = case.cfg
    fam = PLANS[cfg["family"]]
    length = sum(lay.length for lay in fam.plan(cfg))
    ln = any(lay.ln for lay in fam.plan(cfg))  # the group count is then fixed
    rtol, atol = tolerance(F64)
    for impl in (subject.reference, subject.candidate):
        fresh = subject.build(impl, cfg, F64, seed=case.seed)
        assert fresh.param_length == length, (
            f"{impl}: param_length {fresh.param_length}, the layout's is {length}"
        )
        theta = theta_of(cfg)
        x = _shared_and_grouped(cfg, case.batch, case.seed)[-1][0]
        fresh.set_parameters(theta)
        with torch.no_grad():
            want = fresh(x)[0]
        other = subject.build(impl, cfg, F64, seed=case.seed)
        regroup = None if ln else cfg["groups"] + 1
        before = theta_of({**cfg, "theta_seed": cfg["theta_seed"] + 1}, groups=regroup)
        other.set_parameters(before)
        other.set_parameters(theta)
        with torch.no_grad():
            got = other(x)[0]
        torch.testing.assert_close(got, want, rtol=rtol, atol=atol, msg=f"{impl}: re-handed")
        if cfg["family"] == "conv":  # ParamConvNet's output_spec carries the group dim
            net = subject.build(impl, cfg, torch.float32, seed=case.seed)
            net.set_parameters(theta_of(cfg, torch.float32, groups=regroup))
            shared = _shared_and_grouped(cfg, 1, case.seed)[0][0].float()
            with torch.no_grad():
                expected = tuple(net(shared)[0].shape[1:])
            assert tuple(net.output_spec.shape) == expected, (
                f"{impl}: output_spec {tuple(net.output_spec.shape)} after re-handing "
                f"{regroup or cfg['groups']} groups, the output's is {expected}"
            )
        if cfg["groups"] == 1:
            other.set_parameters(theta[0])
            with torch.no_grad():
                flat = other(x)[0]
            torch.testing.assert_close(flat, want, rtol=rtol, atol=atol, msg=f"{impl}: [D]")
    assert math.isfinite(float(want.sum())), "the handed weights gave non-finite outputs"


GROUP_MODEL = EntryLaw(
    "outputs and gradients (theta, input) equal a plain loop over the groups, each group's "
    "small network cut from its row of theta in upstream's layout; per-group and shared input",
    check_group_model,
)
GROUP_LOCALITY = EntryLaw(
    "changing one group's row of theta changes no other group's output", check_group_locality
)
PARAM_LAYOUT = EntryLaw(
    "param_length is the layout's; re-handed weights compute as freshly handed ones (another "
    "group count included) and output_spec follows; a [D] theta is one group",
    check_param_layout,
)
LAWS = {"group_model": GROUP_MODEL, "group_locality": GROUP_LOCALITY, "param_layout": PARAM_LAYOUT}

#: the two families by the config's ``family`` key
PLANS: dict[str, Family] = {
    "net": Family(
        network_plan,
        lambda cfg: True,
        lambda cfg: tuple(cfg["input_tensor_spec"].shape),
    ),
    "conv": Family(
        conv_net_plan,
        lambda cfg: bool(cfg["flatten_output"]),
        lambda cfg: (cfg["input_channels"], *_pair(cfg["input_size"])),
    ),
}
