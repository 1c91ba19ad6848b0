"""Catalog entries of ALF's normalizing flows and the actor distributions built on them.

* ``alf.NormalizingFlowNetwork``: the base class, exercised through a minimal subclass (an
  elementwise affine flow, conditioned on ``z`` through one linear layer when conditional).
* ``alf.RealNVPNetwork``: vector and image inputs, conditional inputs (flat, nested, with a
  ``z`` preprocessor), every mask mode, ``sub_dim`` from 0 to D, several scale
  nonlinearities and activations.
* ``alf.UnitNormalActorDistributionNetwork`` and ``alf.LatentActorDistributionNetwork``:
  distribution entries; the latent actor's independent model evaluates the change of
  variables with the *inverse* transforms and an autograd Jacobian (:func:`latent_model`).

A flow entry's ``outputs`` are ``forward``, ``inverse`` (of the input read as a ``y``) and
``log_det`` (the transform's ``log_abs_det_jacobian``); the flow_* properties
(``properties/test_flow_*.py``) use :func:`split`, :func:`variants` and the transform.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np
import torch
import torch.distributions as td
from hypothesis import strategies as st
from scipy import stats
from torch import nn

from properties import strategies as S
from properties.autodiff import row_jacobians
from properties.distributions import DistSpec, Interval, Model, Real, Support, to_numpy
from properties.entry import GENERIC, BadConfig, BenchCase, Entry
from reference.alf.flows import MASK_MODES, clipped_exp
from reference.specs import BoundedTensorSpec, Nest, TensorSpec

FAMILY = "flows"
FLOW_PROPS = frozenset(GENERIC | {"flow_inverse", "flow_logdet"})
DIST_PROPS = frozenset({"dist_bounds", "dist_logprob", "dist_sampling", "determinism"})


def shifted_sigmoid(s: torch.Tensor) -> torch.Tensor:
    """A scale in (0.5, 1.5): a bounded nonlinearity outside the exp family, so the
    generic ``log g(s)`` path is exercised too."""
    return torch.sigmoid(s) + 0.5


#: transform_scale_nonlinear choices (names keep configs plain data). Every one keeps the
#: scale away from 0 and infinity on the drawn nets: an unbounded one (softplus reaches 0)
#: makes the inverse overflow, as the specification warns. ``exp`` is drawn only with
#: tanh hidden layers, which bound ``s``.
SCALE_NONLINEARS = {
    "clipped_exp": None,  # the constructor's default
    "clipped_exp(-3,1)": functools.partial(clipped_exp, clip_value_min=-3, clip_value_max=1),
    "exp": torch.exp,
    "shifted_sigmoid": shifted_sigmoid,
}
FLOW_ACTIVATIONS = ("tanh", "elu", "relu", "identity")

# --------------------------------------------------------------------------------------
# the base class, through a minimal subclass
# --------------------------------------------------------------------------------------


def _affine_flow_class(impl: Any) -> type:
    """``y = x * exp(a) + c`` (learned ``a``, ``c``), or with ``a, c`` a linear function of
    ``z``: a subclass of the implementation's ``NormalizingFlowNetwork`` that adds nothing
    but the transform, so the entry tests the base class's dispatch, caching and checks."""
    cache = _affine_flow_class.__dict__.setdefault("cache", {})
    base = impl.alf.NormalizingFlowNetwork
    if base not in cache:

        class AffineFlow(base):  # type: ignore[misc, valid-type]
            def __init__(
                self,
                input_tensor_spec: TensorSpec,
                conditional_input_tensor_spec: TensorSpec | None = None,
                use_transform_cache: bool = True,
                name: str = "AffineFlow",
            ):
                super().__init__(
                    input_tensor_spec, conditional_input_tensor_spec, use_transform_cache, name
                )
                d = input_tensor_spec.numel
                if conditional_input_tensor_spec is None:
                    self.log_scale = nn.Parameter(0.3 * torch.randn(d))
                    self.shift = nn.Parameter(torch.randn(d))
                else:
                    self.linear = nn.Linear(conditional_input_tensor_spec.numel, 2 * d)

            def _make_invertible_transform(self, z: Nest) -> td.Transform:
                if z is None:
                    a, c = self.log_scale, self.shift
                else:
                    a, c = self.linear(z).chunk(2, dim=-1)
                return td.AffineTransform(c, a.exp(), event_dim=1, cache_size=1)

        cache[base] = AffineFlow
    return cache[base]


@st.composite
def affine_flow_configs(draw: Any) -> dict:
    d = draw(S.sizes(1, 6))
    z = draw(st.one_of(st.none(), S.vector_specs(1, 5)))
    return {
        "input_tensor_spec": TensorSpec((d,)),
        "conditional_input_tensor_spec": z,
        "use_transform_cache": draw(st.booleans()),
    }


def build_affine_flow(impl: Any, cfg: dict) -> nn.Module:
    return _affine_flow_class(impl)(**cfg)


# --------------------------------------------------------------------------------------
# RealNVP
# --------------------------------------------------------------------------------------


@st.composite
def realnvp_configs(draw: Any) -> dict:
    image = draw(st.integers(0, 4)) == 0
    cfg: dict[str, Any] = {}
    if image:
        spec = TensorSpec(tuple(draw(st.integers(lo, hi)) for lo, hi in ((1, 2), (2, 4), (2, 4))))
        k = draw(st.integers(1, 2))
        cfg["input_tensor_spec"] = spec
        cfg["conv_layer_params"] = ((draw(S.sizes(1, 3)), k, 1, draw(st.integers(0, k - 1))),)
        d = spec.numel
    else:
        d = draw(S.sizes(1, 6))
        cfg["input_tensor_spec"] = TensorSpec((d,))
        kind = draw(st.sampled_from(["none", "flat", "nested", "preprocessed"]))
        if kind == "flat":
            cfg["conditional_input_tensor_spec"] = draw(S.vector_specs(1, 4))
        elif kind == "nested":
            cfg["conditional_input_tensor_spec"] = {
                "a": draw(S.vector_specs(1, 3)),
                "b": draw(S.vector_specs(1, 3)),
            }
        elif kind == "preprocessed":
            cfg["conditional_input_tensor_spec"] = draw(S.vector_specs(1, 4))
            cfg["z_preprocessor"] = draw(S.sizes(1, 4))
    nonlinear = draw(st.sampled_from(sorted(SCALE_NONLINEARS)))
    bounded_s = nonlinear == "exp"
    cfg["fc_layer_params"] = draw(
        st.lists(S.sizes(1, 8), min_size=int(bounded_s), max_size=2).map(tuple)
    )
    cfg["activation"] = "tanh" if bounded_s else draw(st.sampled_from(FLOW_ACTIVATIONS))
    cfg["transform_scale_nonlinear"] = nonlinear
    cfg["sub_dim"] = draw(st.one_of(st.none(), st.integers(0, d)))
    cfg["mask_mode"] = draw(st.sampled_from(MASK_MODES))
    cfg["num_layers"] = draw(st.integers(1, 4))
    cfg["use_transform_cache"] = draw(st.booleans())
    return cfg


def realnvp_kwargs(impl: Any, cfg: dict) -> dict:
    kw = {k: v for k, v in cfg.items() if k not in ("z_preprocessor", "op")}
    kw["activation"] = S.resolve_activation(kw.get("activation", "tanh"))
    nonlinear = SCALE_NONLINEARS[kw.pop("transform_scale_nonlinear", "clipped_exp")]
    if nonlinear is not None:
        kw["transform_scale_nonlinear"] = nonlinear
    if "z_preprocessor" in cfg:
        z_size = cfg["conditional_input_tensor_spec"].shape[0]
        kw["input_preprocessors"] = (None, impl.alf.FC(z_size, cfg["z_preprocessor"], torch.tanh))
    return kw


def build_realnvp(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.RealNVPNetwork(**realnvp_kwargs(impl, cfg))


def variants(cfg: dict) -> list[dict]:
    """``cfg`` and, for a RealNVP config, the same flow with every mask mode and with
    ``sub_dim`` 0 and D (the flow_* properties check all of them on one drawn case)."""
    if "mask_mode" not in cfg:
        return [cfg]
    d = cfg["input_tensor_spec"].numel
    subs = sorted({0, d, d // 2 if cfg["sub_dim"] is None else cfg["sub_dim"]})
    return [{**cfg, "mask_mode": m, "sub_dim": s} for m in MASK_MODES for s in subs]


# --------------------------------------------------------------------------------------
# flow outputs, shared by both flow entries
# --------------------------------------------------------------------------------------


def split(net: Any, xz: Nest) -> tuple[torch.Tensor, Nest]:
    """``(x, z)`` of a flow input (``z`` None without conditional inputs)."""
    return (xz[0], xz[1]) if net.use_conditional_inputs else (xz, None)


def join(x: torch.Tensor, z: Nest) -> Nest:
    """The flow input for ``x`` and conditional input ``z`` (None: none); ``split``'s inverse."""
    return x if z is None else (x, z)


def flow_outputs(net: Any, xz: Nest) -> dict[str, torch.Tensor]:
    """``forward`` = f(x), ``inverse`` = f^{-1} of the input read as a ``y``, ``log_det`` =
    the transform's log|det df/dx| at x."""
    y = net(xz)[0]
    x_of_input = net.inverse(xz)[0]
    x, z = split(net, xz)
    transform = net.make_invertible_transform(z)
    return {
        "forward": y,
        "inverse": x_of_input,
        "log_det": transform.log_abs_det_jacobian(x, transform(x)),
    }


def flow_output_spec(net: Any, cfg: dict) -> dict[str, TensorSpec]:
    spec = cfg["input_tensor_spec"]
    return {"forward": spec, "inverse": spec, "log_det": TensorSpec(())}


def flow_timed(net: Any, xz: Nest, cfg: dict) -> Nest:
    """A benchmark step (``cfg['op']``): ``fwd_logdet`` maps a fresh batch and takes its
    log-det (a flow's training step); ``inverse`` maps a fresh batch back. Fresh copies keep
    the transforms' ``(x, y)`` caches from answering for the previous step."""
    x, z = split(net, xz)
    transform = net.make_invertible_transform(z)
    x = x.clone()
    if cfg["op"] == "inverse":
        return transform.inv(x)
    y = transform(x)
    return y, transform.log_abs_det_jacobian(x, y)


def realnvp_flops(d: int, fc: tuple[int, ...], num_layers: int, batch: int) -> dict[str, int]:
    """FLOPs a RealNVP map needs, forward or inverse with its log-det: one pass of every
    layer's scale and translation networks (2 per multiply-add; backward twice the
    forward). The reference's forward + log-det runs the networks twice."""
    sizes = [d, *fc, d]
    pair = 2 * sum(a * b for a, b in itertools.pairwise(sizes))
    fwd = 2 * batch * pair * num_layers
    return {"fwd": fwd, "fwd+bwd": 3 * fwd}


def _flow_bench() -> tuple[BenchCase, ...]:
    base = {
        "input_tensor_spec": TensorSpec((16,)),
        "fc_layer_params": (128, 128),
        "num_layers": 4,
        "activation": "tanh",
    }
    return tuple(
        BenchCase(f"{op},B={b}", {**base, "op": op}, b, flops=realnvp_flops(16, (128, 128), 4, b))
        for op in ("fwd_logdet", "inverse")
        for b in (64, 1024)
    )


_REALNVP_BAD = (
    BadConfig(
        "sub_dim above D",
        lambda impl: impl.alf.RealNVPNetwork(TensorSpec((3,)), sub_dim=4),
        ValueError,
        "sub_dim",
    ),
    BadConfig(
        "unknown mask mode",
        lambda impl: impl.alf.RealNVPNetwork(TensorSpec((3,)), mask_mode="checkerboard"),
        ValueError,
        "mask_mode",
    ),
    BadConfig(
        "no layers",
        lambda impl: impl.alf.RealNVPNetwork(TensorSpec((3,)), num_layers=0),
        ValueError,
        "num_layers",
    ),
    BadConfig(
        "preprocessors without conditional inputs",
        lambda impl: impl.alf.RealNVPNetwork(TensorSpec((3,)), input_preprocessors=(None, None)),
        ValueError,
        "conditional",
    ),
    BadConfig(
        "nested input spec",
        lambda impl: impl.alf.RealNVPNetwork((TensorSpec((3,)), TensorSpec((2,)))),
        TypeError,
        "TensorSpec",
    ),
    BadConfig(
        "discrete input spec",
        lambda impl: impl.alf.RealNVPNetwork(TensorSpec((3,), torch.int64)),
        TypeError,
        "floating",
    ),
)

_BASE_BAD = (
    BadConfig(
        "nested input spec",
        lambda impl: impl.alf.NormalizingFlowNetwork({"a": TensorSpec((3,))}),
        TypeError,
        "TensorSpec",
    ),
)

# --------------------------------------------------------------------------------------
# actor distributions
# --------------------------------------------------------------------------------------


def _action_spec(draw: Any, bounded: bool) -> TensorSpec:
    d = draw(S.sizes(1, 4))
    if not bounded:
        return TensorSpec((d,))
    lo = draw(st.floats(-3, 2, width=32))
    return BoundedTensorSpec((d,), torch.float32, lo, lo + draw(st.floats(0.5, 4, width=32)))


@st.composite
def unit_normal_configs(draw: Any) -> dict:
    nested = S.nested_inputs().map(lambda pair: pair[0])
    return {
        "input_tensor_spec": draw(st.one_of(S.vector_specs(1, 5), nested)),
        "action_spec": _action_spec(draw, False),
    }


@st.composite
def latent_configs(draw: Any) -> dict:
    scale = draw(st.booleans())
    return {
        "input_tensor_spec": draw(S.vector_specs(1, 5)),
        "action_spec": _action_spec(draw, scale),
        "conditional_flow": draw(st.booleans()),
        "scale_distribution": scale,
        "squashing": draw(st.sampled_from(sorted(SQUASHINGS))),
        "flow": {
            "fc_layer_params": draw(st.lists(S.sizes(1, 8), max_size=2).map(tuple)),
            "num_layers": draw(st.integers(1, 3)),
            "mask_mode": draw(st.sampled_from(MASK_MODES)),
        },
    }


def build_unit_normal(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.UnitNormalActorDistributionNetwork(**cfg)


#: dist_squashing_transform choices: ALF's StableTanh (the default) and torch's own tanh.
SQUASHINGS = {"stable_tanh": None, "torch_tanh": lambda: td.TanhTransform(cache_size=1)}


def build_latent(impl: Any, cfg: dict) -> nn.Module:
    kw = {k: v for k, v in cfg.items() if k not in ("flow", "squashing")}
    squashing = SQUASHINGS[cfg.get("squashing", "stable_tanh")]
    if squashing is not None:
        kw["dist_squashing_transform"] = squashing()
    flow = functools.partial(impl.alf.RealNVPNetwork, **cfg.get("flow", {}))
    return impl.alf.LatentActorDistributionNetwork(normalizing_flow_network_ctor=flow, **kw)


def _action_support(net: nn.Module) -> Support:
    spec = net.saved_args["action_spec"]
    if net.saved_args.get("scale_distribution"):
        lo = torch.as_tensor(np.broadcast_to(spec.minimum, spec.shape).copy())
        hi = torch.as_tensor(np.broadcast_to(spec.maximum, spec.shape).copy())
        return Interval(lo, hi)
    return Real()


def unit_normal_model(dist: td.Distribution, net: nn.Module) -> Model:
    d = dist.event_shape[-1]
    entropy = np.full(tuple(dist.batch_shape), d * 0.5 * np.log(2 * np.pi * np.e))
    return Model(lambda v: stats.norm.logpdf(v).sum(-1), entropy, stats.norm.cdf)


def inverse_chain(dist: td.TransformedDistribution, a: torch.Tensor) -> torch.Tensor:
    """``u = T_1^{-1}(... T_k^{-1}(a))``: the latent value of actions ``a``."""
    u = a
    for t in reversed(dist.transforms):
        u = t.inv(u)
    return u


def inverse_log_det(dist: td.TransformedDistribution, a: torch.Tensor) -> torch.Tensor:
    """``log |det d u / d a|`` per action, from the autograd Jacobian of the inverse chain
    (never from the transforms' own log-dets)."""
    flat = a.reshape(-1, a.shape[-1]).detach()
    blocks = row_jacobians(lambda v: inverse_chain(dist, v.reshape(a.shape)), flat)
    return torch.linalg.slogdet(blocks)[1].reshape(a.shape[:-1])


def latent_model(dist: td.Distribution, net: nn.Module) -> Model:
    """The change of variables, stated independently: ``log p(a) = log N(u; 0, I) +
    log |det du/da|`` with ``u`` from the inverse transforms and the log-det from the
    autograd Jacobian of that inverse; ``cdf(a) = Phi(u)`` (iid U(0, 1) for true samples)."""
    assert isinstance(dist, td.TransformedDistribution)

    support = _action_support(net)

    def latent(values: np.ndarray) -> torch.Tensor:
        a = torch.as_tensor(values, dtype=torch.float64)
        with torch.no_grad():
            return inverse_chain(dist, a)

    def cdf(values: np.ndarray) -> np.ndarray:
        # a squashed sample rounded onto a bound (tanh saturating; about 1 in 1000 draws
        # here) has no finite pre-image: invert the nearest point inside the box instead
        if isinstance(support, Interval):
            lo, hi = to_numpy(support.low), to_numpy(support.high)
            gap = 4 * np.finfo(np.float64).eps * (hi - lo)  # a few ulps of tanh's range
            values = np.clip(values, lo + gap, hi - gap)
        return stats.norm.cdf(to_numpy(latent(values)))

    def log_prob(values: np.ndarray) -> np.ndarray:
        a = torch.as_tensor(values, dtype=torch.float64)
        u = to_numpy(latent(values))
        return stats.norm.logpdf(u).sum(-1) + to_numpy(inverse_log_det(dist, a))

    return Model(log_prob, None, cdf)


UNIT_NORMAL = DistSpec(_action_support, unit_normal_model)
LATENT = DistSpec(_action_support, latent_model)


def _latent_bench() -> tuple[BenchCase, ...]:
    cfg = {
        "input_tensor_spec": TensorSpec((16,)),
        "action_spec": BoundedTensorSpec((6,), torch.float32, -1.0, 1.0),
        "conditional_flow": True,
        "scale_distribution": True,
        "flow": {"fc_layer_params": (64, 64), "num_layers": 4},
    }
    return tuple(BenchCase(f"B={b}", cfg, b) for b in (16, 256))


_LATENT_BAD = (
    BadConfig(
        "scale_distribution without bounds",
        lambda impl: impl.alf.LatentActorDistributionNetwork(
            TensorSpec((3,)), TensorSpec((2,)), scale_distribution=True
        ),
        TypeError,
        "BoundedTensorSpec",
    ),
    BadConfig(
        "a flow constructor that builds no flow",
        lambda impl: impl.alf.LatentActorDistributionNetwork(
            TensorSpec((3,)),
            TensorSpec((2,)),
            normalizing_flow_network_ctor=lambda **kw: impl.alf.EncodingNetwork(
                kw["input_tensor_spec"]
            ),
        ),
        TypeError,
        "NormalizingFlowNetwork",
    ),
    BadConfig(
        "discrete action spec",
        lambda impl: impl.alf.UnitNormalActorDistributionNetwork(
            TensorSpec((3,)), BoundedTensorSpec((), torch.int64, 0, 3)
        ),
        TypeError,
        "continuous",
    ),
)


def entries() -> list[Entry]:
    dist_generic = frozenset(GENERIC | DIST_PROPS)
    return [
        Entry(
            "alf.NormalizingFlowNetwork",
            FAMILY,
            affine_flow_configs,
            build_affine_flow,
            FLOW_PROPS,
            outputs=flow_outputs,
            output_spec=flow_output_spec,
            bad_configs=_BASE_BAD,
        ),
        Entry(
            "alf.RealNVPNetwork",
            FAMILY,
            realnvp_configs,
            build_realnvp,
            FLOW_PROPS,
            outputs=flow_outputs,
            output_spec=flow_output_spec,
            bad_configs=_REALNVP_BAD,
            bench=_flow_bench(),
            timed=flow_timed,
        ),
        Entry(
            "alf.UnitNormalActorDistributionNetwork",
            "actors",
            unit_normal_configs,
            build_unit_normal,
            dist_generic - {"init", "grad_parity"},
            outputs=UNIT_NORMAL.outputs,
            dist=UNIT_NORMAL,
            bad_configs=_LATENT_BAD[2:],
        ),
        Entry(
            "alf.LatentActorDistributionNetwork",
            FAMILY,
            latent_configs,
            build_latent,
            dist_generic | {"flow_logdet"},
            outputs=LATENT.outputs,
            dist=LATENT,
            output_tolerance=10.0,
            bad_configs=_LATENT_BAD[:2],
            bench=_latent_bench(),
        ),
    ]
