"""Catalog entries of ``amago.nets.tstep_encoders``: the ``TstepEncoder`` base (through a
minimal subclass), ``FFTstepEncoder`` and ``CNNTstepEncoder``.

Configs are plain data: observation shapes, the rl2 size, the sequence length ``length``
of inputs, and the constructor's keyword arguments (a small ``NatureishCNN`` as ``cnn``:
channels, kernels, strides). Gymnasium spaces are built from them (``_spaces``). Beside
the build, the CNN entry declares its augmentation (DrQ-v2 shifts: pad 4, every one of the
81 offsets equally likely, on the last rows of a batch) and the FF entry its input
normaliser (the exact statistics of every non-padding timestep seen, upstream's state_dict
keys ``in_norm.mu`` / ``in_norm.nu``), for the kind's own properties.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from benchmarks.cases.amago import tstep_encoders as cases
from properties.candidate import Impl
from properties.entries.amago._spaces import obs_space, rl2_space
from properties.entries.amago._tstep_encoders_configs import (
    base_configs,
    cnn_configs,
    ff_configs,
)
from properties.entry import BadConfig, Entry
from properties.kinds.amago_encoder import AmagoEncoder, Augmentation, Normaliser
from properties.models.amago import tstep_encoders as models
from reference.amago.utils import MAGIC_PAD_VAL
from reference.specs import Nest

# --------------------------------------------------------------------------------------
# builds
# --------------------------------------------------------------------------------------

#: Config fields that are not constructor keyword arguments.
_NOT_KWARGS = ("obs_shapes", "rl2_dim", "length", "cnn")


def spaces(cfg: dict) -> tuple[Any, Any]:
    return obs_space(cfg["obs_shapes"]), rl2_space(cfg["rl2_dim"])


def _kwargs(cfg: dict) -> dict:
    return {k: v for k, v in cfg.items() if k not in _NOT_KWARGS}


def build_ff(impl: Impl, cfg: dict) -> nn.Module:
    return impl.amago.FFTstepEncoder(*spaces(cfg), **_kwargs(cfg))


def build_cnn(impl: Impl, cfg: dict) -> nn.Module:
    kw = _kwargs(cfg)
    if cfg.get("cnn") is not None:
        kw["cnn_type"] = functools.partial(impl.amago.NatureishCNN, **cfg["cnn"])
    return impl.amago.CNNTstepEncoder(*spaces(cfg), **kw)


@functools.cache
def linear_tstep_class(base: type) -> type:
    """A minimal user subclass of an implementation's ``TstepEncoder``: the flattened
    observations (sorted keys) and rl2s through one linear layer. It reads only what the
    spec makes public to subclasses: ``obs_space``, ``rl2_space`` (gymnasium spaces),
    ``emb_dim`` and ``inner_forward``."""

    class LinearTstep(base):  # type: ignore[misc, valid-type]
        def __init__(self, obs_space: Any, rl2_space: Any, d_output: int):
            super().__init__(obs_space, rl2_space)
            spaces = self.obs_space.spaces
            d_in = sum(math.prod(spaces[k].shape) for k in spaces) + self.rl2_space.shape[-1]
            self.linear = nn.Linear(d_in, d_output)
            self.d_output = d_output

        @property
        def emb_dim(self) -> int:
            return self.d_output

        def inner_forward(
            self, obs: dict[str, torch.Tensor], rl2s: torch.Tensor, log_dict: dict | None = None
        ) -> torch.Tensor:
            keys = sorted(self.obs_space.spaces)
            flat = [obs[k].flatten(2) if obs[k].dim() > 2 else obs[k][..., None] for k in keys]
            flat = [f.to(rl2s.dtype) for f in flat]
            return self.linear(torch.cat([*flat, rl2s], -1))

    return LinearTstep


def build_base(impl: Impl, cfg: dict) -> nn.Module:
    return linear_tstep_class(impl.amago.TstepEncoder)(*spaces(cfg), cfg["d_output"])


# --------------------------------------------------------------------------------------
# what the kind needs to know: keys, augmentation, normaliser
# --------------------------------------------------------------------------------------


def ff_keys(cfg: dict) -> list[str]:
    """The keys the FF encoder reads: ``specify_obs_keys`` or all, in sorted order."""
    return sorted(cfg.get("specify_obs_keys") or cfg["obs_shapes"])


def cnn_keys(cfg: dict) -> list[str]:
    return [cfg["obs_key"]]


def aug_on(cfg: dict) -> dict:
    """``cfg`` with DrQ-v2 augmentation on a square image, and no batch statistics, leaky
    ReLUs and at least 3 outputs (so different crops give different outputs)."""
    shape = cfg["obs_shapes"][cfg["obs_key"]]
    side = max(shape[1:]) if cfg["channels_first"] else max(shape[:2])
    img = (shape[0], side, side) if cfg["channels_first"] else (side, side, shape[2])
    return {
        **cfg,
        "obs_shapes": {**cfg["obs_shapes"], cfg["obs_key"]: img},
        "drqv2_aug": True,
        "out_norm": "none",
        "activation": "leaky_relu",
        "d_output": max(cfg["d_output"], 3),
    }


def aug_off(cfg: dict) -> dict:
    return {**cfg, "drqv2_aug": False}


def aug_rows(cfg: dict, batch: int) -> range:
    """Rows ``b >= clamp(ceil(B (1 - aug_pct_of_batch)), 0, B - 1)``: at least one."""
    split = max(min(math.ceil(batch * (1.0 - cfg["aug_pct_of_batch"])), batch - 1), 0)
    return range(split, batch)


CNN_AUGMENTATION = Augmentation(
    on=aug_on,
    off=aug_off,
    enabled=lambda cfg: bool(cfg.get("drqv2_aug", False)),
    rows=aug_rows,
    image_key=lambda cfg: cfg["obs_key"],
    crops=models.shifted_crops,
)


def norm_on(cfg: dict) -> dict:
    """``cfg`` with input normalisation on and layer norm (no batch statistics)."""
    return {**cfg, "normalize_inputs": True, "norm": "layer"}


def ff_features(cfg: dict, x: Nest) -> np.ndarray:
    """The normaliser's input: observations flattened in sorted key order, then rl2s
    (zeros with ``hide_rl2s``), one row per timestep."""
    rl2s = x["rl2s"]
    b, n = rl2s.shape[:2]
    parts = [x["obs"][k].reshape(b, n, -1) for k in ff_keys(cfg)]
    rl2 = rl2s * 0 if cfg["hide_rl2s"] else rl2s
    return torch.cat([*parts, rl2], -1).reshape(b * n, -1).double().cpu().numpy()


def norm_statistics(state: Mapping[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """``mu``, ``nu`` (running averages of x and x^2) and the update count ``_t`` of
    upstream's ``in_norm`` buffers."""
    return {k: state[f"in_norm.{k}"].double().cpu().numpy() for k in ("mu", "nu", "_t")}


def reference_normalised(net: Any, x: torch.Tensor) -> torch.Tensor:
    """The reference encoder's normaliser (its ``in_norm`` submodule) applied to ``x``."""
    return net.in_norm(x)


FF_NORMALISER = Normaliser(
    on=norm_on,
    features=ff_features,
    pad_value=MAGIC_PAD_VAL,
    statistics=norm_statistics,
    model=models.ema_statistics,
    normalise_model=models.normalise_model,
    normalised=reference_normalised,
)

# --------------------------------------------------------------------------------------
# bad configs, benchmarks, entries
# --------------------------------------------------------------------------------------


def _bad(cls: str, why: str, obs: Any, kwargs: dict, error: type, match: str) -> BadConfig:
    """``amago.<cls>(obs, rl2_space(1), **kwargs)``: ``obs`` an observation-shape dict (a
    Dict space is built from it) or a space as is."""

    def build(impl: Impl) -> Any:
        space = obs_space(obs) if isinstance(obs, dict) else obs
        return impl.get(f"amago.{cls}")(space, rl2_space(1), **kwargs)

    return BadConfig(why, build, error, match)


_A = {"a": (2,)}
_FF_BAD = tuple(
    _bad("FFTstepEncoder", *row)
    for row in (
        (
            "specify_obs_keys with an unknown key",
            _A,
            {"specify_obs_keys": ["b"]},
            ValueError,
            "obs",
        ),
        ("unknown norm", _A, {"norm": "group"}, ValueError, "norm"),
        ("unknown activation", _A, {"activation": "swish"}, ValueError, "activation"),
        ("obs_space not a Dict", rl2_space(3), {}, TypeError, "Dict"),
    )
)
_IMAGE = {"observation": (36, 36, 3)}
_CNN_BAD = tuple(
    _bad("CNNTstepEncoder", *row)
    for row in (
        (
            "aug_pct_of_batch above 1",
            _IMAGE,
            {"aug_pct_of_batch": 1.5},
            ValueError,
            "aug_pct_of_batch",
        ),
        (
            "drqv2_aug on a non-square image",
            {"observation": (36, 40, 3)},
            {"drqv2_aug": True},
            ValueError,
            "square",
        ),
        ("obs_key not in obs_space", _IMAGE, {"obs_key": "pixels"}, ValueError, "obs"),
        (
            "image too small for the CNN",
            {"observation": (20, 20, 3)},
            {},
            ValueError,
            "img_shape",
        ),
    )
)


NO_AUGMENTATION = "the spec gives image augmentation (drqv2_aug) to CNNTstepEncoder only"
NO_NORMALISER = "the spec gives the input normaliser (normalize_inputs) to FFTstepEncoder only"


_FF_NORM = (
    "twinnet follows upstream AMAGO's code @2d85600, not the spec's prose: norm acts on the "
    "MLP's hidden layers, the output is normalised by a separate out_norm (layer norm, "
    "upstream's default) and the input by in_norm (reference/amago/tstep_encoders.py)"
)


#: The ranges the spec states for the encoders' numbers and flags (Entry.config_ranges).
_SIZES = {"d_output": "positive"}
_FF_RANGES = {
    **_SIZES,
    "n_layers": "positive",
    "d_hidden": "positive",
    "hide_rl2s": "flag",
    "normalize_inputs": "flag",
}
_CNN_RANGES = {
    **_SIZES,
    "img_features": "positive",
    "rl2_features": "positive",
    "aug_pct_of_batch": "unit",
    "channels_first": "flag",
    "hide_rl2s": "flag",
    "drqv2_aug": "flag",
}


def entries() -> list[Entry]:
    return [
        Entry(
            "amago.TstepEncoder",
            AmagoEncoder(),
            base_configs,
            build_base,
            left_out={"augmentation": NO_AUGMENTATION, "input_norm": NO_NORMALISER},
        ),
        Entry(
            "amago.FFTstepEncoder",
            AmagoEncoder(read_keys=ff_keys, normaliser=FF_NORMALISER),
            ff_configs,
            build_ff,
            left_out={"augmentation": NO_AUGMENTATION},
            bad_configs=_FF_BAD,
            config_ranges=_FF_RANGES,
            bench=cases.bench("FFTstepEncoder"),
            deviations=dict.fromkeys(("parity", "grad_parity", "state_dict", "shape"), _FF_NORM),
        ),
        Entry(
            "amago.CNNTstepEncoder",
            AmagoEncoder(
                read_keys=cnn_keys,
                pixel_keys=cnn_keys,
                augmentation=CNN_AUGMENTATION,
            ),
            cnn_configs,
            build_cnn,
            left_out={"input_norm": NO_NORMALISER},
            bad_configs=_CNN_BAD,
            config_ranges=_CNN_RANGES,
            bench=cases.bench("CNNTstepEncoder"),
        ),
    ]
