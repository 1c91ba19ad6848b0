"""Catalog entries of ``alf.networks.normalizing_flow_networks``: the NormalizingFlowNetwork
base class (through a minimal subclass) and RealNVPNetwork.

* ``alf.NormalizingFlowNetwork``: the spec asks a subclass to implement
  ``make_invertible_transform()``; the entry's subclass does just that (an elementwise
  affine flow, conditioned on ``z`` through one linear layer when conditional), so the
  entry tests the base class's constructor checks and its ``forward`` / ``inverse``
  dispatch through the transform.
* ``alf.RealNVPNetwork``: vector and image inputs, conditional inputs (flat, nested, with a
  ``z`` preprocessor), every mask mode, ``sub_dim`` from 0 to D, several scale
  nonlinearities and activations. Its coupling layers keep the coordinates
  :func:`properties.models.alf.flows.realnvp_kept` derives from the config.

Shared with the latent actor entries (``properties.entries.alf.latent_actor``):
:data:`MASK_MODES` and :data:`SCALE_NONLINEARS`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import torch
import torch.distributions as td
from hypothesis import strategies as st
from torch import nn

from benchmarks.cases.alf import flows as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entry import BadConfig, Entry
from properties.kinds.flow import Flow
from properties.models.alf import flows as models
from properties.specs import alf_specs
from reference.alf.flows import clipped_exp
from reference.specs import Nest, TensorSpec

#: The spec's mask modes of RealNVPNetwork.
MASK_MODES = ("contiguous", "distributed", "random")


def shifted_sigmoid(s: torch.Tensor) -> torch.Tensor:
    """A scale in (0.5, 1.5): a bounded nonlinearity outside the exp family, so the
    generic ``log g(s)`` path is exercised too."""
    return torch.sigmoid(s) + 0.5


#: transform_scale_nonlinear choices (names keep configs plain data). Every one keeps the
#: scale away from 0 and infinity on the drawn nets: an unbounded one (softplus reaches 0)
#: makes the inverse overflow, as the specification warns. ``exp`` is drawn only with
#: tanh hidden layers, which bound ``s``. ``clipped_exp`` is the spec's default function.
SCALE_NONLINEARS = {
    "clipped_exp": None,  # the constructor's default
    "clipped_exp(-3,1)": functools.partial(clipped_exp, clip_value_min=-3, clip_value_max=1),
    "exp": torch.exp,
    "shifted_sigmoid": shifted_sigmoid,
}
FLOW_ACTIVATIONS = ("tanh", "elu", "relu", "identity")
NO_PARALLEL = "the spec gives normalizing flows no parallel form of their own"


def _numel(spec: Any) -> int:
    return math.prod(int(d) for d in spec.shape)


# -- the base class, through a minimal subclass --------------------------------------------

_SUBCLASSES: dict[type, type] = {}


def affine_flow_class(impl: Impl) -> type:
    """``y = x * exp(a) + c`` (learned ``a``, ``c``), or with ``a, c`` a linear function of
    ``z``: a subclass of the implementation's ``NormalizingFlowNetwork`` as a user writes
    one, implementing ``make_invertible_transform`` (the spec's interface) and using only
    the specs' public ``shape``."""
    base = impl.alf.NormalizingFlowNetwork
    if base not in _SUBCLASSES:

        class AffineFlow(base):  # type: ignore[misc, valid-type]
            def __init__(
                self,
                input_tensor_spec: Any,
                conditional_input_tensor_spec: Any = None,
                use_transform_cache: bool = True,
                name: str = "AffineFlow",
            ):
                super().__init__(
                    input_tensor_spec, conditional_input_tensor_spec, use_transform_cache, name
                )
                d = _numel(input_tensor_spec)
                if conditional_input_tensor_spec is None:
                    self.log_scale = nn.Parameter(0.3 * torch.randn(d))
                    self.shift = nn.Parameter(torch.randn(d))
                else:
                    self.linear = nn.Linear(_numel(conditional_input_tensor_spec), 2 * d)

            def make_invertible_transform(self, conditional_inputs: Nest = None) -> td.Transform:
                if conditional_inputs is None:
                    a, c = self.log_scale, self.shift
                else:
                    a, c = self.linear(conditional_inputs).chunk(2, dim=-1)
                return _RowAffine(c, a.exp(), event_dim=1, cache_size=1)

        _SUBCLASSES[base] = AffineFlow
    return _SUBCLASSES[base]


class _RowAffine(td.AffineTransform):
    """The user's affine map, its log-det summed over the event by name (torch's
    ``reshape(..., -1)`` cannot sum an empty batch)."""

    def log_abs_det_jacobian(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        scale = torch.as_tensor(self.scale)
        return scale.abs().log().expand(x.shape).sum(-1)


@st.composite
def affine_flow_configs(draw: Any) -> dict:
    return {
        "input_tensor_spec": TensorSpec((draw(S.sizes(1, 6)),)),
        "conditional_input_tensor_spec": draw(st.one_of(st.none(), S.vector_specs(1, 5))),
        "use_transform_cache": draw(st.booleans()),
    }


def build_affine_flow(impl: Impl, cfg: dict) -> Any:
    return affine_flow_class(impl)(
        alf_specs(impl, cfg["input_tensor_spec"]),
        alf_specs(impl, cfg["conditional_input_tensor_spec"]),
        cfg["use_transform_cache"],
    )


_BASE_BAD = (
    BadConfig(
        "nested input spec",
        lambda impl: impl.alf.NormalizingFlowNetwork(alf_specs(impl, {"a": TensorSpec((3,))})),
        TypeError,
        "TensorSpec",
    ),
)

# -- RealNVP -------------------------------------------------------------------------------


@st.composite
def realnvp_configs(draw: Any) -> dict:
    # the conditional input's form; an image input (one in five, as drawn) has none
    kind = draw(S.variants("input", ["none", "flat", "nested", "preprocessed", "image"]))
    image = kind == "image"
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
    cfg["mask_mode"] = draw(S.variants("mask_mode", MASK_MODES))
    cfg["num_layers"] = draw(st.integers(1, 4))
    cfg["use_transform_cache"] = draw(st.booleans())
    return cfg


def realnvp_kwargs(impl: Impl, cfg: dict) -> dict:
    """Constructor arguments of a RealNVP config: specs in the implementation's classes,
    names resolved; ``z_preprocessor`` (a size) becomes a tanh ``alf.FC`` on ``z``."""
    kw = {k: v for k, v in cfg.items() if k not in ("z_preprocessor", "op")}
    kw["activation"] = S.resolve_activation(kw.get("activation", "tanh"))
    nonlinear = SCALE_NONLINEARS[kw.pop("transform_scale_nonlinear", "clipped_exp")]
    if nonlinear is not None:
        kw["transform_scale_nonlinear"] = nonlinear
    if "z_preprocessor" in cfg:
        z_size = cfg["conditional_input_tensor_spec"].shape[0]
        kw["input_preprocessors"] = (None, impl.alf.FC(z_size, cfg["z_preprocessor"], torch.tanh))
    for key in ("input_tensor_spec", "conditional_input_tensor_spec"):
        if kw.get(key) is not None:
            kw[key] = alf_specs(impl, kw[key])
    return kw


def build_realnvp(impl: Impl, cfg: dict) -> Any:
    return impl.alf.RealNVPNetwork(**realnvp_kwargs(impl, cfg))


def realnvp_variants(cfg: dict) -> list[dict]:
    """``cfg`` with every mask mode, and with ``sub_dim`` 0 and D (no coordinate kept or
    all kept at even layers, whatever the mode): at most five distinct coupling layouts."""
    d = cfg["input_tensor_spec"].numel
    drawn = d // 2 if cfg.get("sub_dim") is None else cfg["sub_dim"]
    modes = MASK_MODES if 0 < drawn < d else (cfg.get("mask_mode", "contiguous"),)
    variants = [{**cfg, "mask_mode": m, "sub_dim": drawn} for m in modes]
    edges = sorted({0, d} - {drawn})
    return variants + [{**cfg, "sub_dim": s} for s in edges]


def _realnvp(impl: Impl, spec: TensorSpec, **kwargs: Any) -> Any:
    return impl.alf.RealNVPNetwork(alf_specs(impl, spec), **kwargs)


_REALNVP_BAD = (
    BadConfig(
        "sub_dim above D",
        lambda impl: _realnvp(impl, TensorSpec((3,)), sub_dim=4),
        ValueError,
        "sub_dim",
    ),
    BadConfig(
        "unknown mask mode",
        lambda impl: _realnvp(impl, TensorSpec((3,)), mask_mode="checkerboard"),
        ValueError,
        "mask_mode",
    ),
    BadConfig(
        "no layers",
        lambda impl: _realnvp(impl, TensorSpec((3,)), num_layers=0),
        ValueError,
        "num_layers",
    ),
    BadConfig(
        "preprocessors without conditional inputs",
        lambda impl: _realnvp(impl, TensorSpec((3,)), input_preprocessors=(None, None)),
        ValueError,
        "conditional",
    ),
    BadConfig(
        "nested input spec",
        lambda impl: impl.alf.RealNVPNetwork(alf_specs(impl, (TensorSpec((3,)), TensorSpec((2,))))),
        TypeError,
        "TensorSpec",
    ),
    BadConfig(
        "discrete input spec",
        lambda impl: _realnvp(impl, TensorSpec((3,), torch.int64)),
        TypeError,
        "floating",
    ),
)


#: Configs whose initializers depend on the fan-in of every layer (the init property checks
#: them in every profile): the subclass's conditional linear map, and RealNVP's scale and
#: translation encoders (ALF's default variance scaling) on an input with a conditional part.
AFFINE_FAN_IN = {
    "input_tensor_spec": TensorSpec((5,)),
    "conditional_input_tensor_spec": TensorSpec((7,)),
    "use_transform_cache": True,
}
REALNVP_FAN_IN = {
    "input_tensor_spec": TensorSpec((6,)),
    "conditional_input_tensor_spec": TensorSpec((3,)),
    "fc_layer_params": (9, 5),
    "activation": "tanh",
    "num_layers": 2,
}


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.NormalizingFlowNetwork",
            Flow(transform_cache=None),
            affine_flow_configs,
            build_affine_flow,
            left_out={"parallel": NO_PARALLEL},
            bad_configs=_BASE_BAD,
            config_ranges={"use_transform_cache": "flag"},
            examples=(AFFINE_FAN_IN,),
        ),
        Entry(
            "alf.RealNVPNetwork",
            Flow(variants=realnvp_variants, coupling=models.realnvp_kept),
            realnvp_configs,
            build_realnvp,
            left_out={"parallel": NO_PARALLEL},
            bad_configs=_REALNVP_BAD,
            config_ranges={"use_transform_cache": "flag", "num_layers": "positive"},
            examples=(REALNVP_FAN_IN,),
            bench=cases.realnvp_bench(),
        ),
    ]
