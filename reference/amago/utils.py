"""Small pieces shared by AMAGO's networks: activations, ``symlog``, activation logging,
the running input normaliser, and the input checks both packages run before computing.

Upstream: ``amago/nets/utils.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

#: AMAGO pads short sequences with this value; a timestep whose features all equal it is
#: padding and takes no part in the input normaliser's statistics.
MAGIC_PAD_VAL = 4.0

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "leaky_relu": F.leaky_relu,
    "relu": F.relu,
    "gelu": F.gelu,
}


def activation_switch(activation: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """The activation function named ``activation`` (``leaky_relu`` has slope 0.01)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {activation!r}")
    return ACTIVATIONS[activation]


def symlog(x: torch.Tensor) -> torch.Tensor:
    """symlog(x) = sign(x) * log(1 + |x|): compresses large rewards, keeps their sign."""
    return torch.sign(x) * torch.log(x.abs() + 1)


def add_activation_log(root: str, x: torch.Tensor, log_dict: dict | None) -> None:
    """When ``log_dict`` is a dict, store max / min / std / mean of ``x`` under
    ``activation-<root>-<stat>`` (detached); do nothing for ``None``."""
    if log_dict is None:
        return
    with torch.no_grad():
        log_dict[f"activation-{root}-max"] = x.max()
        log_dict[f"activation-{root}-min"] = x.min()
        log_dict[f"activation-{root}-std"] = x.std()
        log_dict[f"activation-{root}-mean"] = x.mean()


class InputNorm(nn.Module):
    """Running feature normaliser ``(x - mu) / sigma`` with upstream's statistics.

    Buffers (upstream's state_dict keys, shapes and meaning): ``mu`` and ``nu``, running
    averages of every feature and of its square, and ``_t``, which starts at 1 and counts
    the updates on top of that. An update with a batch whose usable timesteps have the
    means ``m`` and ``m2`` is a bias-corrected exponential moving average:

        t <- t + 1,   beta_t = beta / (1 - (1 - beta)**t)          (beta = 1e-4)
        mu <- (1 - beta_t) mu + beta_t m,    nu <- (1 - beta_t) nu + beta_t m2

    Upstream's quirk, kept: ``_t`` starts at 1, not 0, so the first update has weight
    ``beta_t ~ 1/2`` (not 1) and the initial ``mu = 0``, ``nu = init_nu`` keep the other
    half; later batches weigh about ``1 / (t - 1)`` each while ``t << 1 / beta``, then
    ``beta``. Every batch counts once, whatever its number of timesteps. Then

        sigma = clamp(sqrt(nu - mu**2 + 1e-5), 1e-3, 1e6)   (NaN -> 0 before the clamp)
        y = clamp((x - mu) / sigma, -1e4, 1e4)    where sigma > 0.01 and y is not NaN
        y = x - mu                                  elsewhere (a feature that barely varies).

    Usable timesteps: padding (every feature equal to ``MAGIC_PAD_VAL``) is skipped, as
    upstream does, and so is a timestep with a non-finite feature (contract item 7: a NaN or
    inf observation never enters the statistics; upstream would fold it in). A batch
    without a usable timestep changes nothing, ``_t`` included (upstream would divide by
    zero and turn the statistics into NaN). A feature whose update would overflow (finite
    observations of ``1e20`` square to inf in float32) keeps its old ``mu`` and ``nu``.

    ``skip=True`` (``normalize_inputs=False``) keeps the buffers and returns ``x``.
    """

    mu: torch.Tensor
    nu: torch.Tensor
    _t: torch.Tensor

    def __init__(self, dim: int, beta: float = 1e-4, init_nu: float = 1.0, skip: bool = False):
        super().__init__()
        self.skip = skip
        self.beta = beta
        self.register_buffer("mu", torch.zeros(dim))
        self.register_buffer("nu", torch.ones(dim) * init_nu)
        self.register_buffer("_t", torch.ones(1))

    @property
    def sigma(self) -> torch.Tensor:
        sigma = torch.sqrt(self.nu - self.mu**2 + 1e-5)
        return torch.nan_to_num(sigma).clamp(1e-3, 1e6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.skip:
            return x
        sigma = self.sigma
        normalized = ((x - self.mu) / sigma).clamp(-1e4, 1e4)
        use_norm = (sigma > 0.01) & ~torch.isnan(normalized)
        return torch.where(use_norm, normalized, x - torch.nan_to_num(self.mu))

    @torch.no_grad()
    def update_stats(self, x: torch.Tensor) -> None:
        """One update with the usable timesteps of ``x`` (``[Batch, Length, dim]``)."""
        usable = ~(x == MAGIC_PAD_VAL).all(-1) & torch.isfinite(x).all(-1)
        self.fold_in(x[usable])

    @torch.no_grad()
    def fold_in(self, seen: torch.Tensor) -> None:
        """One update (class doc) with the usable timesteps ``seen: [n, dim]``; none
        (``n = 0``) leaves every buffer as it is."""
        if seen.shape[0] == 0:
            return
        self._t += 1
        beta_t = self.beta / (1.0 - (1.0 - self.beta) ** self._t)
        mu = self.mu * (1.0 - beta_t) + beta_t * seen.mean(0)
        nu = self.nu * (1.0 - beta_t) + beta_t * (seen**2).mean(0)
        # a feature whose finite values overflow (1e30 squared in float32) keeps its old
        # statistics: inf or NaN never enters persistent state (class doc)
        keep = torch.isfinite(mu) & torch.isfinite(nu)
        self.mu.copy_(torch.where(keep, mu, self.mu))
        self.nu.copy_(torch.where(keep, nu, self.nu))


# --------------------------------------------------------------------------------------
# input checks (contract item 6): both packages call these before any computation
# --------------------------------------------------------------------------------------


def check_positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}: expected a positive int, got {value!r}")
    return value


def check_vec(vec: object, dim: int, what: str = "vec") -> torch.Tensor:
    """``vec`` must be a floating tensor ``[..., dim]`` (at least one dim)."""
    if not isinstance(vec, torch.Tensor):
        raise TypeError(f"{what}: expected a torch.Tensor, got {type(vec).__name__}")
    if vec.dtype not in (torch.float32, torch.float64):
        # half precision is rejected: its range and rounding break the heads' bounds
        # (a bfloat16 tanh_bounded_positive exceeds high, a float16 Beta mean overflows)
        raise TypeError(f"{what}: expected a float32 or float64 tensor, got {vec.dtype}")
    if vec.dim() < 1 or vec.shape[-1] != dim:
        raise ValueError(
            f"{what}: expected shape [..., {dim}] (the head's input_dimension), "
            f"got {list(vec.shape)}"
        )
    return vec


def space_shape(space: object, what: str) -> tuple[int, ...]:
    shape = getattr(space, "shape", None)
    if shape is None:
        raise TypeError(f"{what}: expected a gymnasium space with a shape, got {space!r}")
    return tuple(int(d) for d in shape)


def obs_shapes(obs_space: object, keys: Iterable[str] | None = None) -> dict[str, tuple]:
    """Shapes of the observation keys used, from a gymnasium ``Dict`` space."""
    spaces = getattr(obs_space, "spaces", None)
    if not isinstance(spaces, Mapping):
        raise TypeError(
            f"obs_space: expected a gymnasium.spaces.Dict, got {type(obs_space).__name__}"
        )
    keys = sorted(spaces) if keys is None else sorted(keys)
    missing = [k for k in keys if k not in spaces]
    if missing:
        raise ValueError(f"obs keys: expected keys of obs_space {sorted(spaces)}, got {missing}")
    return {k: space_shape(spaces[k], f"obs_space[{k!r}]") for k in keys}


def check_tstep_inputs(
    obs: object,
    rl2s: object,
    shapes: Mapping[str, tuple[int, ...]],
    rl2_dim: int,
    float_dtype: torch.dtype | None,
) -> tuple[int, int]:
    """Validate a TstepEncoder's inputs; return ``(Batch, Length)``.

    ``obs`` is a dict holding every key of ``shapes`` as a real tensor
    ``[Batch, Length, *shape]`` (other keys are ignored); ``rl2s`` is a floating tensor
    ``[Batch, Length, rl2_dim]`` of the network's parameter dtype.
    """
    if not isinstance(obs, Mapping):
        raise TypeError(f"obs: expected a dict of tensors, got {type(obs).__name__}")
    missing = [k for k in shapes if k not in obs]
    if missing:
        raise TypeError(f"obs: expected keys {sorted(shapes)}, got {sorted(obs)}")
    outer: tuple[int, ...] | None = None
    for key, shape in shapes.items():
        x = obs[key]
        where = f"obs[{key!r}]"
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{where}: expected a torch.Tensor, got {type(x).__name__}")
        if x.dtype.is_complex:
            raise TypeError(f"{where}: expected a real tensor, got {x.dtype}")
        if x.dim() != 2 + len(shape) or tuple(x.shape[2:]) != shape:
            raise ValueError(
                f"{where}: expected shape [Batch, Length, *{list(shape)}], got {list(x.shape)}"
            )
        if outer is None:
            outer = tuple(x.shape[:2])
        elif tuple(x.shape[:2]) != outer:
            raise ValueError(
                f"{where}: expected [Batch, Length] = {list(outer)} like the other keys, "
                f"got {list(x.shape[:2])}"
            )
    if not isinstance(rl2s, torch.Tensor):
        raise TypeError(f"rl2s: expected a torch.Tensor, got {type(rl2s).__name__}")
    if not rl2s.dtype.is_floating_point:
        raise TypeError(f"rl2s: expected a floating tensor, got {rl2s.dtype}")
    if float_dtype is not None and rl2s.dtype != float_dtype:
        raise TypeError(
            f"rl2s: expected dtype {float_dtype} (the network's parameter dtype), got {rl2s.dtype}"
        )
    if rl2s.dim() != 3 or rl2s.shape[-1] != rl2_dim:
        raise ValueError(f"rl2s: expected shape [Batch, Length, {rl2_dim}], got {list(rl2s.shape)}")
    if outer is not None and tuple(rl2s.shape[:2]) != outer:
        raise ValueError(
            f"rl2s: expected [Batch, Length] = {list(outer)} like obs, got {list(rl2s.shape[:2])}"
        )
    return int(rl2s.shape[0]), int(rl2s.shape[1])


def prod(shape: Iterable[int]) -> int:
    return math.prod(shape)
