"""AMAGO's timestep encoders: one embedding per timestep of a trajectory.

Upstream: ``amago/nets/tstep_encoders.py``. A timestep encoder maps an observation dict
``{key: [Batch, Length, *obs_space[key].shape]}`` and the previous-action/reward features
``rl2s: [Batch, Length, rl2_space.shape[-1]]`` to ``[Batch, Length, emb_dim]``; the output at
step t depends on step t's inputs only (outside training-mode statistics and augmentation).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import torch
from torch import nn

from reference import checks
from reference.amago import cnn, ff
from reference.amago.utils import (
    InputNorm,
    activation_switch,
    add_activation_log,
    check_positive_int,
    check_tstep_inputs,
    obs_shapes,
    space_shape,
    symlog,
)


def parameter_dtype(module: nn.Module) -> torch.dtype | None:
    p = checks.first_float_parameter(module)
    return None if p is None else p.dtype


class TstepEncoder(nn.Module, ABC):
    """Base class: stores the gymnasium spaces, validates inputs (contract item 6), and
    routes ``forward(obs, rl2s, log_dict)`` to ``inner_forward``.

    ``obs_keys`` (default: every key of ``obs_space``) are the observation keys the
    encoder reads; ``obs`` may hold more.
    """

    def __init__(self, obs_space: Any, rl2_space: Any):
        super().__init__()
        # checked here, not when a subclass first reads obs_keys (an error inside a property
        # reaches the user as nn.Module.__getattr__'s misleading AttributeError)
        obs_shapes(obs_space)
        rl2_shape = space_shape(rl2_space, "rl2_space")
        if len(rl2_shape) != 1:
            raise TypeError(
                "rl2_space: expected a gymnasium Box of shape (d,) (previous action and "
                f"reward features), got {rl2_space!r} of shape {rl2_shape}"
            )
        self.obs_space = obs_space
        self.rl2_space = rl2_space
        self.rl2_dim = rl2_shape[0]

    @property
    def obs_keys(self) -> list[str]:
        return sorted(self.obs_space.spaces)

    @property
    def obs_shapes(self) -> dict[str, tuple[int, ...]]:
        return obs_shapes(self.obs_space, self.obs_keys)

    def check_inputs(self, obs: Any, rl2s: Any) -> tuple[int, int]:
        return check_tstep_inputs(obs, rl2s, self.obs_shapes, self.rl2_dim, parameter_dtype(self))

    def forward(
        self, obs: dict[str, torch.Tensor], rl2s: torch.Tensor, log_dict: dict | None = None
    ) -> torch.Tensor:
        self.check_inputs(obs, rl2s)
        return self.inner_forward(obs, rl2s, log_dict=log_dict)

    @abstractmethod
    def inner_forward(
        self, obs: dict[str, torch.Tensor], rl2s: torch.Tensor, log_dict: dict | None = None
    ) -> torch.Tensor:
        """The network: ``[Batch, Length, ...]`` inputs to ``[Batch, Length, emb_dim]``."""

    @property
    @abstractmethod
    def emb_dim(self) -> int:
        """Size of the last output dim."""


class FFTstepEncoder(TstepEncoder):
    """MLP timestep encoder for dict observations of arrays.

        x_t = concat(flatten(obs[k]_t) for k in sorted(keys), rl2s_t)      (0 * rl2s_t if
                                                                           hide_rl2s)
        y_t = LayerNorm(MLP_norm(InputNorm(x_t)))

    where ``MLP_norm`` is :class:`~reference.amago.ff.MLP` with ``norm`` after each hidden
    layer (``base.in_norm.norm.*``, ``base.norms.<k>.norm.*``). The keys are
    ``specify_obs_keys`` (sorted) or every key of ``obs_space``; observations are cast to
    the parameter dtype. In training mode the input normaliser first folds the batch into
    its statistics, then normalises with the updated statistics.

    Where ``norm`` acts follows upstream's code @2d85600, not the spec's prose: the spec
    documents ``norm`` as "the normalization layer to use" (an older upstream applied it to
    the output only), while upstream's code passes it to the MLP's hidden layers and
    normalises the output with a separate ``out_norm`` that the spec does not list; it is
    kept at upstream's default ``'layer'`` here. The default ``norm='layer'`` is the spec's
    (upstream's code defaults to ``None``, no hidden normalisation).
    """

    def __init__(
        self,
        obs_space: Any,
        rl2_space: Any,
        n_layers: int = 2,
        d_hidden: int = 512,
        d_output: int = 256,
        norm: str = "layer",
        activation: str = "leaky_relu",
        hide_rl2s: bool = False,
        normalize_inputs: bool = True,
        specify_obs_keys: list[str] | None = None,
    ):
        super().__init__(obs_space=obs_space, rl2_space=rl2_space)
        for name, value in (("n_layers", n_layers), ("d_hidden", d_hidden), ("d_output", d_output)):
            check_positive_int(name, value)
        checks.flag(hide_rl2s, "hide_rl2s")
        checks.flag(normalize_inputs, "normalize_inputs")
        all_keys = obs_shapes(obs_space)
        self._obs_keys = sorted(all_keys if specify_obs_keys is None else specify_obs_keys)
        if not self._obs_keys:
            raise ValueError("specify_obs_keys: expected at least one key, got none")
        self._obs_shapes = obs_shapes(obs_space, self._obs_keys)
        in_dim = sum(math.prod(s) for s in self._obs_shapes.values()) + self.rl2_dim
        self.in_norm = InputNorm(in_dim, skip=not normalize_inputs)
        self.base = ff.MLP(in_dim, d_hidden, n_layers, d_output, activation, norm)
        self.out_norm = ff.Normalization("layer", d_output)
        self._emb_dim = d_output
        self.hide_rl2s = hide_rl2s

    @property
    def obs_keys(self) -> list[str]:
        return self._obs_keys

    @property
    def obs_shapes(self) -> dict[str, tuple[int, ...]]:
        return self._obs_shapes

    @property
    def emb_dim(self) -> int:
        return self._emb_dim

    def flat_inputs(self, obs: dict[str, torch.Tensor], rl2s: torch.Tensor) -> torch.Tensor:
        """concat(flattened observations in key order, rl2s): ``[Batch, Length, in_dim]``."""
        batch, length = rl2s.shape[:2]
        parts = [
            obs[k].reshape(batch, length, math.prod(obs[k].shape[2:])).to(rl2s.dtype)
            for k in self.obs_keys
        ]
        if self.hide_rl2s:
            rl2s = rl2s * 0
        return torch.cat([*parts, rl2s], dim=-1)

    def inner_forward(
        self, obs: dict[str, torch.Tensor], rl2s: torch.Tensor, log_dict: dict | None = None
    ) -> torch.Tensor:
        x = self.flat_inputs(obs, rl2s)
        if self.training:
            self.in_norm.update_stats(x)
        x = self.in_norm(x)
        prenorm = self.base(x)
        add_activation_log("tstep_encoder_prenorm", prenorm, log_dict)
        return self.out_norm(prenorm)


class CNNTstepEncoder(TstepEncoder):
    """CNN timestep encoder for one image observation ``obs[obs_key]``:

        img_t = augment(obs_t) (training only, last fraction of the batch) / 128 - 1
        z_t = W_img cnn(img_t) + b_img          r_t = W_rl2 symlog(rl2s_t) + b_rl2
        y_t = out_norm(W_merge act(concat(z_t, r_t)) + b_merge)

    ``cnn_type(img_shape, channels_first, activation)`` builds the image encoder
    (default :class:`~reference.amago.cnn.NatureishCNN`). With ``drqv2_aug`` in training
    mode the rows ``b >= clamp(ceil(B (1 - aug_pct_of_batch)), 0, B - 1)`` of the batch
    get DrQ-v2 random shifts (pad 4), so at least one row is augmented; eval mode never
    augments. ``hide_rl2s`` multiplies rl2s by zero (same parameters).
    """

    def __init__(
        self,
        obs_space: Any,
        rl2_space: Any,
        cnn_type: Any = cnn.NatureishCNN,
        channels_first: bool = False,
        img_features: int = 256,
        rl2_features: int = 12,
        d_output: int = 256,
        out_norm: str = "layer",
        activation: str = "leaky_relu",
        hide_rl2s: bool = False,
        drqv2_aug: bool = False,
        aug_pct_of_batch: float = 0.75,
        obs_key: str = "observation",
    ):
        super().__init__(obs_space=obs_space, rl2_space=rl2_space)
        for name, value in (
            ("img_features", img_features),
            ("rl2_features", rl2_features),
            ("d_output", d_output),
        ):
            check_positive_int(name, value)
        checks.unit(aug_pct_of_batch, "aug_pct_of_batch")
        for name, flag in (
            ("channels_first", channels_first),
            ("hide_rl2s", hide_rl2s),
            ("drqv2_aug", drqv2_aug),
        ):
            checks.flag(flag, name)
        self.obs_key = obs_key
        (img_shape,) = obs_shapes(obs_space, [obs_key]).values()
        if len(img_shape) != 3:
            raise ValueError(
                f"obs_space[{obs_key!r}]: expected an image shape of 3 dims, got {img_shape}"
            )
        hw = img_shape[1:] if channels_first else img_shape[:2]
        if drqv2_aug and hw[0] != hw[1]:
            raise ValueError(f"drqv2_aug: expected a square image, got height x width {hw}")
        self.using_aug = drqv2_aug
        self.aug_pct_of_batch = aug_pct_of_batch
        self.data_aug = cnn.DrQv2Aug(4, channels_first=channels_first)
        self.cnn = cnn_type(
            img_shape=img_shape, channels_first=channels_first, activation=activation
        )
        self.img_features = nn.Linear(self.cnn.out_dim, img_features)
        self.rl2_features = nn.Linear(self.rl2_dim, rl2_features)
        self.merge = nn.Linear(img_features + rl2_features, d_output)
        self.out_norm = ff.Normalization(out_norm, d_output)
        self.hide_rl2s = hide_rl2s
        self._emb_dim = d_output
        self.activation = activation_switch(activation)

    @property
    def obs_keys(self) -> list[str]:
        return [self.obs_key]

    @property
    def emb_dim(self) -> int:
        return self._emb_dim

    def aug_split(self, batch: int) -> int:
        """Rows before this index keep their images; the rest are augmented."""
        return max(min(math.ceil(batch * (1.0 - self.aug_pct_of_batch)), batch - 1), 0)

    def inner_forward(
        self, obs: dict[str, torch.Tensor], rl2s: torch.Tensor, log_dict: dict | None = None
    ) -> torch.Tensor:
        img = obs[self.obs_key].to(rl2s.dtype)
        if self.using_aug and self.training:
            split = self.aug_split(img.shape[0])
            img = torch.cat([img[:split], self.data_aug(img[split:])], dim=0)
        img = img / 128.0 - 1.0
        img_rep = self.cnn(img, from_float=True, flatten=True)
        add_activation_log("cnn_out", img_rep, log_dict)
        img_rep = self.img_features(img_rep)
        add_activation_log("img_features", img_rep, log_dict)
        if self.hide_rl2s:
            rl2s = rl2s * 0
        rl2_rep = self.rl2_features(symlog(rl2s))
        merged = self.merge(self.activation(torch.cat([img_rep, rl2_rep], dim=-1)))
        add_activation_log("tstep_encoder_prenorm", merged, log_dict)
        return self.out_norm(merged)
