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
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st
from torch import nn

from properties.candidate import Impl
from properties.entries.amago._spaces import obs_space, rl2_space
from properties.entry import BadConfig, Bench, BenchCase, Entry
from properties.kinds.amago_encoder import AmagoEncoder, Augmentation, Normaliser
from reference.amago.ff import NORMS
from reference.amago.utils import MAGIC_PAD_VAL
from reference.specs import Nest

ACTIVATIONS = ("leaky_relu", "relu", "gelu")
#: DrQ-v2's shift: images padded by this many pixels, cropped at a uniform offset.
AUG_PAD = 4

# --------------------------------------------------------------------------------------
# configs
# --------------------------------------------------------------------------------------


def _obs_shapes(draw: Any) -> dict[str, tuple[int, ...]]:
    keys = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=3, unique=True))
    shapes = [(), (1,), (3,), (5,), (2, 3)]
    return {k: draw(st.sampled_from(shapes)) for k in keys}


@st.composite
def base_configs(draw: Any) -> dict:
    return {
        "obs_shapes": _obs_shapes(draw),
        "rl2_dim": draw(st.integers(1, 4)),
        "d_output": draw(st.integers(1, 8)),
        "length": draw(st.integers(1, 4)),
    }


@st.composite
def ff_configs(draw: Any) -> dict:
    shapes = _obs_shapes(draw)
    keys = sorted(shapes)
    specify = None
    if len(keys) > 1 and draw(st.booleans()):
        specify = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True))
    return {
        "obs_shapes": shapes,
        "rl2_dim": draw(st.integers(1, 4)),
        "n_layers": draw(st.integers(1, 3)),
        "d_hidden": draw(st.integers(1, 16)),
        "d_output": draw(st.integers(1, 12)),
        "norm": draw(st.sampled_from(NORMS)),
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "hide_rl2s": draw(st.booleans()),
        "normalize_inputs": draw(st.booleans()),
        "specify_obs_keys": specify,
        "length": draw(st.integers(1, 4)),
    }


def cnn_min_size(kernels: Sequence[int], strides: Sequence[int]) -> int:
    """The smallest image side for which every unpadded conv output is non-empty."""
    size = 1
    for k, s in reversed(list(zip(kernels, strides))):
        size = (size - 1) * s + k
    return size


@st.composite
def cnn_configs(draw: Any) -> dict:
    kernels = (draw(st.sampled_from([3, 4])), draw(st.sampled_from([2, 3])), 2)
    strides = (2, draw(st.sampled_from([1, 2])), 1)
    side = cnn_min_size(kernels, strides) + draw(st.integers(0, 3))
    aug = draw(st.booleans())
    width = side if aug or draw(st.booleans()) else side + draw(st.integers(1, 2))
    channels = draw(st.integers(1, 3))
    channels_first = draw(st.booleans())
    key = draw(st.sampled_from(["observation", "pixels"]))
    img = (channels, side, width) if channels_first else (side, width, channels)
    shapes: dict[str, tuple[int, ...]] = {key: img}
    if draw(st.booleans()):
        shapes["state"] = (2,)  # another key the encoder must ignore
    out_norm = draw(st.sampled_from(NORMS))
    # Training-mode batch norm over a few timesteps of a tiny CNN whose only input is the
    # image can have a batch variance near its epsilon: ill-conditioned, the float32
    # reference itself then misses the parity tolerance against float64. The rl2 features
    # keep the batch variance healthy.
    hide_rl2s = draw(st.booleans()) and out_norm != "batch"
    return {
        "obs_shapes": shapes,
        "rl2_dim": draw(st.integers(1, 4)),
        "cnn": {
            "channels": tuple(draw(st.integers(1, 4)) for _ in range(3)),
            "kernels": kernels,
            "strides": strides,
        },
        "channels_first": channels_first,
        "img_features": draw(st.integers(1, 8)),
        "rl2_features": draw(st.integers(1, 4)),
        "d_output": draw(st.integers(1, 8)),
        "out_norm": out_norm,
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "hide_rl2s": hide_rl2s,
        "drqv2_aug": aug,
        "aug_pct_of_batch": draw(st.sampled_from([0.0, 0.25, 0.75, 1.0])),
        "obs_key": key,
        "length": draw(st.integers(1, 3)),
    }


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


def shifted_crops(cfg: dict, image: torch.Tensor) -> torch.Tensor:
    """Every integer crop of the edge-replicated, ``AUG_PAD``-padded image:
    ``[(2 pad + 1)^2, *image.shape]``."""
    chw = image if cfg["channels_first"] else image.permute(2, 0, 1)
    h, w = chw.shape[1:]
    padded = F.pad(chw.unsqueeze(0), (AUG_PAD,) * 4, mode="replicate")[0]
    offsets = range(2 * AUG_PAD + 1)
    crops = torch.stack([padded[:, y : y + h, x : x + w] for y in offsets for x in offsets])
    return crops if cfg["channels_first"] else crops.permute(0, 2, 3, 1)


CNN_AUGMENTATION = Augmentation(
    on=aug_on,
    off=aug_off,
    enabled=lambda cfg: bool(cfg.get("drqv2_aug", False)),
    rows=aug_rows,
    image_key=lambda cfg: cfg["obs_key"],
    crops=shifted_crops,
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


#: Upstream's smoothing parameter of the input normaliser's moving averages.
NORM_BETA = 1e-4


def norm_statistics(state: Mapping[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """``mu``, ``nu`` (running averages of x and x^2) and the update count ``_t`` of
    upstream's ``in_norm`` buffers."""
    return {k: state[f"in_norm.{k}"].double().cpu().numpy() for k in ("mu", "nu", "_t")}


def ema_statistics(batches: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """Upstream's bias-corrected EMA, written from its formula: start at mu = 0, nu = 1,
    t = 1; for every batch with a usable timestep (not all features ``MAGIC_PAD_VAL``, all
    finite) t += 1, w = beta / (1 - (1 - beta)^t) and mu, nu move by the fraction w towards
    the batch's mean of x and of x^2; a batch without one changes nothing."""
    dim = batches[0].shape[-1]
    mu, nu, t = np.zeros(dim), np.ones(dim), 1
    for batch in batches:
        seen = batch[~(batch == MAGIC_PAD_VAL).all(-1) & np.isfinite(batch).all(-1)]
        if len(seen) == 0:
            continue
        t += 1
        w = NORM_BETA / (1.0 - (1.0 - NORM_BETA) ** t)
        mu = (1.0 - w) * mu + w * seen.mean(0)
        nu = (1.0 - w) * nu + w * (seen**2).mean(0)
    return {"mu": mu, "nu": nu, "_t": np.array([float(t)])}


def normalise_model(stats: Mapping[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """sigma = clip(sqrt(nu - mu^2 + 1e-5), 1e-3, 1e6); (x - mu) / sigma clipped to
    +-1e4 where sigma > 0.01, else x - mu."""
    mu, nu = stats["mu"], stats["nu"]
    sigma = np.clip(np.nan_to_num(np.sqrt(nu - mu**2 + 1e-5)), 1e-3, 1e6)
    return np.where(sigma > 0.01, np.clip((x - mu) / sigma, -1e4, 1e4), x - mu)


def reference_normalised(net: Any, x: torch.Tensor) -> torch.Tensor:
    """The reference encoder's normaliser (its ``in_norm`` submodule) applied to ``x``."""
    return net.in_norm(x)


FF_NORMALISER = Normaliser(
    on=norm_on,
    features=ff_features,
    pad_value=MAGIC_PAD_VAL,
    statistics=norm_statistics,
    model=ema_statistics,
    normalise_model=normalise_model,
    normalised=reference_normalised,
)

# --------------------------------------------------------------------------------------
# bad configs, benchmarks, entries
# --------------------------------------------------------------------------------------

_FF_BAD = (
    BadConfig(
        "specify_obs_keys with an unknown key",
        lambda impl: impl.amago.FFTstepEncoder(
            obs_space({"a": (2,)}), rl2_space(1), specify_obs_keys=["b"]
        ),
        ValueError,
        "obs",
    ),
    BadConfig(
        "unknown norm",
        lambda impl: impl.amago.FFTstepEncoder(obs_space({"a": (2,)}), rl2_space(1), norm="group"),
        ValueError,
        "norm",
    ),
    BadConfig(
        "unknown activation",
        lambda impl: impl.amago.FFTstepEncoder(
            obs_space({"a": (2,)}), rl2_space(1), activation="swish"
        ),
        ValueError,
        "activation",
    ),
    BadConfig(
        "obs_space not a Dict",
        lambda impl: impl.amago.FFTstepEncoder(rl2_space(3), rl2_space(1)),
        TypeError,
        "Dict",
    ),
)

_CNN_BAD = (
    BadConfig(
        "aug_pct_of_batch above 1",
        lambda impl: impl.amago.CNNTstepEncoder(
            obs_space({"observation": (36, 36, 3)}), rl2_space(1), aug_pct_of_batch=1.5
        ),
        ValueError,
        "aug_pct_of_batch",
    ),
    BadConfig(
        "drqv2_aug on a non-square image",
        lambda impl: impl.amago.CNNTstepEncoder(
            obs_space({"observation": (36, 40, 3)}), rl2_space(1), drqv2_aug=True
        ),
        ValueError,
        "square",
    ),
    BadConfig(
        "obs_key not in obs_space",
        lambda impl: impl.amago.CNNTstepEncoder(
            obs_space({"observation": (36, 36, 3)}), rl2_space(1), obs_key="pixels"
        ),
        ValueError,
        "obs",
    ),
    BadConfig(
        "image too small for the CNN",
        lambda impl: impl.amago.CNNTstepEncoder(
            obs_space({"observation": (20, 20, 3)}), rl2_space(1)
        ),
        ValueError,
        "img_shape",
    ),
)


def _bench(cfg: dict) -> Bench:
    """Default-sized encoders on one step of one trajectory and on a training batch."""
    return Bench(
        tuple(
            BenchCase(f"B*L={b * n}(B={b},L={n})", {**cfg, "length": n}, b)
            for b, n in ((1, 1), (32, 8))
        )
    )


NO_AUGMENTATION = "the spec gives image augmentation (drqv2_aug) to CNNTstepEncoder only"
NO_NORMALISER = "the spec gives the input normaliser (normalize_inputs) to FFTstepEncoder only"


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
            bench=_bench({"obs_shapes": {"observation": (64,)}, "rl2_dim": 7}),
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
            bench=_bench(
                {"obs_shapes": {"observation": (84, 84, 3)}, "rl2_dim": 7, "obs_key": "observation"}
            ),
        ),
    ]
