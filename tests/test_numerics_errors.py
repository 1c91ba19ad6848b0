"""Issue 11, class 8 in both packages: arguments and values that used to fail deep inside
torch (or with a misleading ``AttributeError``) raise our ``ValueError`` / ``TypeError``
naming what was expected and what arrived: a flow transform given the wrong trailing dims
or dtype, a string activation, an rl2 space without a feature dim, an observation space
that is not a ``Dict`` (also on a user's ``TstepEncoder`` subclass)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

import optimized.alf
import optimized.amago
import reference.alf
import reference.amago
from reference.specs import BoundedTensorSpec, TensorSpec

PACKAGES = [reference, optimized]  # with their alf and amago namespaces imported
OBS = gym.spaces.Dict({"a": gym.spaces.Box(-1.0, 1.0, (3,), dtype=np.float32)})
RL2 = gym.spaces.Box(-np.inf, np.inf, (2,), dtype=np.float32)


def _clear(error: pytest.ExceptionInfo) -> None:
    msg = str(error.value)
    assert "expected" in msg and "got" in msg, msg


def _subclass(pkg: Any) -> type:
    """A user's minimal TstepEncoder: reads ``obs_shapes`` in its constructor."""

    class Linear(pkg.amago.TstepEncoder):
        def __init__(self, obs_space: Any, rl2_space: Any):
            super().__init__(obs_space, rl2_space)
            self.linear = torch.nn.Linear(self.obs_shapes["a"][0] + self.rl2_dim, 4)

        def inner_forward(self, obs: dict, rl2s: torch.Tensor, log_dict: Any = None) -> Any:
            return self.linear(torch.cat([obs["a"], rl2s], -1))

        @property
        def emb_dim(self) -> int:
            return 4

    return Linear


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
@pytest.mark.parametrize("inverse", [False, True], ids=["forward", "inverse"])
def test_flow_transform_checks_its_values(pkg, inverse: bool) -> None:
    flow = pkg.alf.RealNVPNetwork(TensorSpec((3,)), fc_layer_params=(4,))
    transform = flow.make_invertible_transform()
    apply = transform.inv if inverse else transform
    for value, error in (
        (torch.zeros(2, 4), ValueError),
        (torch.zeros(2, 3, dtype=torch.float64), TypeError),
    ):
        with pytest.raises(error) as info:
            apply(value)
        _clear(info)


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
def test_string_activation_rejected_at_construction(pkg) -> None:
    alf, box = pkg.alf, BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)
    cases = [
        lambda: alf.EncodingNetwork(TensorSpec((3,)), activation="relu"),
        lambda: alf.EncodingNetwork(TensorSpec((3,)), fc_layer_params=(4,), activation="relu"),
        lambda: alf.NormalProjectionNetwork(3, box, activation="relu"),
        lambda: alf.RealNVPNetwork(TensorSpec((3,)), fc_layer_params=(4,), activation="relu"),
        lambda: alf.NoisyFC(3, 4, activation="relu"),
        lambda: alf.EmbeddingPreprocessor(TensorSpec((3,)), 4, activation="relu"),
        lambda: alf.LSTMEncodingNetwork(TensorSpec((3,)), hidden_size=(4,), activation="relu"),
        lambda: alf.Residue(alf.EncodingNetwork(TensorSpec((3,))), activation="relu"),
    ]
    for make in cases:
        with pytest.raises(TypeError) as info:
            make()
        _clear(info)


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
def test_amago_spaces_checked_at_construction(pkg) -> None:
    amago, image = pkg.amago, gym.spaces.Box(0, 255, (7, 7, 1), dtype=np.uint8)
    cases = [
        lambda: amago.FFTstepEncoder(OBS, gym.spaces.Discrete(3)),
        lambda: amago.CNNTstepEncoder(
            gym.spaces.Dict({"observation": image}), gym.spaces.Discrete(3)
        ),
        lambda: amago.FFTstepEncoder(OBS["a"], RL2),
        lambda: _subclass(pkg)(OBS["a"], RL2),
        lambda: _subclass(pkg)(OBS, gym.spaces.Discrete(3)),
    ]
    for make in cases:
        with pytest.raises(TypeError) as info:
            make()
        _clear(info)
    encoder = _subclass(pkg)(OBS, RL2)
    assert encoder({"a": torch.zeros(2, 1, 3)}, torch.zeros(2, 1, 2)).shape == (2, 1, 4)


@pytest.mark.parametrize("pkg", PACKAGES, ids=["reference", "optimized"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("cls", ["BetaProjectionNetwork", "TruncatedProjectionNetwork"])
def test_half_precision_beta_and_truncated_rejected(pkg, dtype: torch.dtype, cls: str) -> None:
    """Issue 24: a Beta or truncated-normal head in float16 / bfloat16 raised a bare
    ``NotImplementedError`` from torch (``"dirichlet"`` / ``"log_ndtr_cpu"`` not implemented
    for 'Half'), each package at other methods; both now reject the dtype when the
    distribution is built, naming the dtypes that work."""
    spec = BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)
    net = getattr(pkg.alf, cls)(3, spec).to(dtype)
    with pytest.raises(TypeError) as error:
        dist, _ = net(torch.randn(4, 3).to(dtype))
        dist.rsample()
    _clear(error)
    assert str(dtype) in str(error.value)
