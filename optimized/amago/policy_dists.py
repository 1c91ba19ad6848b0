"""Twin of ``reference.amago.policy_dists``: heads with closed-form distributions (no
transformed-distribution chains).

Construction, argument checks and defaults are the reference's (each head is
``class X(Twin, reference.X)`` and overrides ``forward`` only); ``forward`` returns light
``Distribution`` objects, built without argument validation, whose ``log_prob`` /
``rsample`` are one short chain of tensor ops (in the reference's operation order, so
float32 results agree to rounding). The reference's bounded activations, the heads'
defaults, run as this module's versions of them (same numbers, fewer buffers):

* tanh-Gaussian: y = tanh(mu + sigma eps); with x = atanh(clip(y)),
  log p(y) = -(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2 - log(1 - tanh(x)^2),
  log(1 - tanh(x)^2) = 2 log 2 - 2|x| - 2 log(1 + exp(-2|x|)) (no overflow, one exp);
  ``log_prob(rsample())`` reuses the unclipped pre-tanh sample x, as the reference's
  transform cache does, and its noise: (x - mu) / sigma = eps. tanh is evaluated as
  2 sigmoid(2x) - 1 and the default std activation through sigmoid(2x) = (tanh(x) + 1) / 2,
  keeping its log-scale for the log-density: on the CPU one tanh costs about six sigmoids.
* shifted Beta: log p(y) = (a - 1) log u + (b - 1) log(1 - u) - log B(a, b) - log 2 with
  u = (clip(y) + 1) / 2.
* tanh-GMM: log p(y) = logsumexp_m(log softmax(logits)_m + sum_d log N(x_d; mu_md, s_md))
  - sum_d log(1 - y_d^2 + 1e-6), x = atanh with upstream's epsilon guard.
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import distributions as pyd
from torch.distributions import constraints
from torch.types import _size

from optimized.twin import Twin
from reference.amago import policy_dists as ref
from reference.amago.policy_dists import (
    StdActivation,
    check_activation_args,
    check_positive_bounds,
)
from reference.amago.utils import add_activation_log
from reference.distributions import proper_scale, scored

_LOG_2 = math.log(2.0)
_HALF_LOG_2PI = math.log(math.sqrt(2 * math.pi))


def tanh_bounded_positive(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """exp(log low + (log high - log low) (tanh(x) + 1) / 2), the reference's operations
    in its order (bitwise equal: a GMM's tiny stds amplify any rounding difference), on
    one buffer."""
    check_activation_args(x, low, high, need_high=True)
    log_low, log_high = math.log(low), math.log(high)
    y = torch.tanh(x).add(1).mul_(0.5 * (log_high - log_low)).add_(log_low).exp_()
    return y.clamp(*ref.dtype_bounds(low, high, y.dtype))  # exp_ backward needs y itself


class _Sigmoid(torch.autograd.Function):
    """sigmoid(z), whose derivative is taken as sigmoid(z) sigmoid(-z): torch's
    sigmoid(z) (1 - sigmoid(z)) loses the small factor to cancellation where sigmoid(z)
    is near 1, and would make the tanh built from it less accurate than torch's tanh."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, z: torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(z)
        ctx.save_for_backward(z, s)
        return s

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> torch.Tensor:
        z, s = ctx.saved_tensors  # type: ignore[attr-defined]
        return grad * s * torch.sigmoid(-z)


def _sigmoid(z: torch.Tensor) -> torch.Tensor:
    if torch.is_grad_enabled() and z.requires_grad:
        return _Sigmoid.apply(z)
    return torch.sigmoid(z)


def _log_sigmoid_bounded_positive(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """log of ``tanh_bounded_positive``, through ``(tanh(x) + 1) / 2 = sigmoid(2x)`` (one
    sigmoid instead of one tanh and one add: torch's CPU tanh costs about six sigmoids per
    element), clamped to the log of :func:`proper_scale`'s range. Its rounding differs from
    the reference's by a few units, which the GMM's tiny stds would amplify, so only
    TanhGaussian uses it, and its log-density reuses the log-scale it returns."""
    check_positive_bounds(low, high, need_high=True)
    log_low, log_high = math.log(low), math.log(high)
    info = torch.finfo(x.dtype)
    log_floor, log_cap = 0.5 * math.log(info.tiny), 0.5 * math.log(info.max) - math.log(64)
    log_std = _sigmoid(x * 2.0).mul(log_high - log_low).add_(log_low)
    return log_std.clamp_(log_floor, log_cap)


def _tanh(x: torch.Tensor) -> torch.Tensor:
    """tanh(x) = 2 sigmoid(2x) - 1 (absolute error within two units of roundoff)."""
    return _sigmoid(x * 2.0).sub(0.5).mul_(2.0)


def softplus_bounded_positive(
    x: torch.Tensor, low: float, high: float | None = None
) -> torch.Tensor:
    """min(softplus(x) + low, high) in the reference's dtype bounds, shift and clamp in
    place."""
    check_activation_args(x, low, high, need_high=False)
    return F.softplus(x).add_(low).clamp_(*ref.dtype_bounds(low, high, x.dtype))


#: the reference's activations -> this module's, the same functions on fewer buffers
FAST_ACTIVATIONS: dict[StdActivation, StdActivation] = {
    ref.tanh_bounded_positive: tanh_bounded_positive,
    ref.softplus_bounded_positive: softplus_bounded_positive,
}


def fast(activation: StdActivation) -> StdActivation:
    return FAST_ACTIVATIONS.get(activation, activation)


def _tanh_log_det(x: torch.Tensor) -> torch.Tensor:
    """log(1 - tanh(x)^2) = 2 log 2 - 2|x| - 2 log(1 + exp(-2|x|)): the overflow-free form
    (the reference's 2 (log 2 - x - softplus(-2x)), rewritten with one exp and one log)."""
    minus_2a = x.abs() * -2.0
    return torch.add(minus_2a, torch.log(torch.exp(minus_2a) + 1.0), alpha=-2.0).add_(2 * _LOG_2)


def _atanh(y: torch.Tensor) -> torch.Tensor:
    return 0.5 * (y.log1p() - (-y).log1p())


def _log_normal(x: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """log N(x; loc, scale) = -(x - loc)^2 / (2 scale^2) - log scale - log sqrt(2 pi)."""
    return -((x - loc) ** 2) / (2 * scale**2) - scale.log() - _HALF_LOG_2PI


class TanhNormal(pyd.Distribution):
    """tanh(N(loc, scale)) per action dim, in closed form (see the module docstring)."""

    arg_constraints: ClassVar[dict] = {}
    support = constraints.interval(-1.0, 1.0)
    has_rsample = True

    def __init__(
        self,
        loc: torch.Tensor,
        scale: torch.Tensor,
        clip: tuple[float, float],
        log_scale: torch.Tensor | None = None,
    ):
        self.loc, self.scale, self.clip = loc, scale, clip
        self._log_scale = log_scale
        self._last: tuple[torch.Tensor, ...] | None = None
        super().__init__(loc.shape, validate_args=False)

    @property
    def mean(self) -> torch.Tensor:
        return torch.tanh(self.loc)

    @property
    def mode(self) -> torch.Tensor:
        """The base normal's mode through tanh: the reference's transformed distribution
        leaves ``mode`` to this image (``properties.distributions.mode_of``)."""
        return torch.tanh(self.loc)

    @property
    def base_dist(self) -> pyd.Normal:
        return pyd.Normal(self.loc, self.scale, validate_args=False)

    def rsample(self, sample_shape: _size = torch.Size()) -> torch.Tensor:  # noqa: B008
        shape = self._extended_shape(sample_shape)
        eps = torch.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        x = torch.addcmul(self.loc, eps, self.scale)
        y = _tanh(x)
        self._last = (y, x, eps)
        return y

    def sample(self, sample_shape: _size = torch.Size()) -> torch.Tensor:  # noqa: B008
        with torch.no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        if self._last is not None and value is self._last[0]:
            # A sample this distribution just drew is tanh of a finite number, inside the
            # closed support [-1, 1] by construction: no support scan and host sync for it.
            return self._log_prob(value)
        return scored(self, value, self._log_prob)

    def _scale_log(self) -> torch.Tensor:
        return self.scale.log() if self._log_scale is None else self._log_scale

    def _log_prob(self, value: torch.Tensor) -> torch.Tensor:
        if self._last is not None and value is self._last[0]:
            # a fresh sample: (x - loc) / scale is the noise eps itself, and with a = |x|
            # -log(1 - tanh(x)^2) = 2 a + 2 softplus(-2 a) - 2 log 2: one buffer, in place
            _, x, eps = self._last
            minus_2a = x.abs().mul_(-2.0)
            out = F.softplus(minus_2a).mul_(2.0).sub_(minus_2a).sub_(self._scale_log())
            return out.add_(-_HALF_LOG_2PI - 2 * _LOG_2).addcmul_(eps, eps, value=-0.5)
        x = _atanh(value.clamp(*self.clip))
        return _log_normal(x, self.loc, self.scale) - _tanh_log_det(x)


class ShiftedBeta(pyd.Distribution):
    """2 Beta(alpha, beta) - 1 per action dim, log density in closed form."""

    arg_constraints: ClassVar[dict] = {}
    support = constraints.interval(-1.0, 1.0)
    has_rsample = True

    def __init__(self, alpha: torch.Tensor, beta: torch.Tensor, clip: tuple[float, float]):
        self.concentration1, self.concentration0, self.clip = alpha, beta, clip
        super().__init__(alpha.shape, validate_args=False)

    @property
    def base_dist(self) -> pyd.Beta:
        return pyd.Beta(self.concentration1, self.concentration0, validate_args=False)

    @property
    def mean(self) -> torch.Tensor:
        return 2.0 * self.concentration1 / (self.concentration1 + self.concentration0) - 1.0

    @property
    def mode(self) -> torch.Tensor:
        """The base Beta's mode mapped to [-1, 1], as for the reference's transformed Beta."""
        return self.base_dist.mode * 2.0 - 1.0

    def rsample(self, sample_shape: _size = torch.Size()) -> torch.Tensor:  # noqa: B008
        return self.base_dist.rsample(sample_shape) * 2.0 - 1.0

    def sample(self, sample_shape: _size = torch.Size()) -> torch.Tensor:  # noqa: B008
        with torch.no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, self._log_prob)

    def _log_prob(self, value: torch.Tensor) -> torch.Tensor:
        u = (value.clamp(*self.clip) + 1.0) / 2.0
        a, b = self.concentration1, self.concentration0
        log_kernel = torch.xlogy(a - 1.0, u) + torch.xlogy(b - 1.0, 1.0 - u)
        return -_LOG_2 + (log_kernel + torch.lgamma(a + b) - (torch.lgamma(a) + torch.lgamma(b)))


class TanhGaussianMixture(pyd.Distribution):
    """tanh of a mixture of diagonal Gaussians ``means, stds: [..., modes, d]`` with
    mixture ``logits: [..., modes]``; log_prob has a trailing dim of 1 (upstream's)."""

    arg_constraints: ClassVar[dict] = {}
    support = constraints.independent(constraints.interval(-1.0, 1.0), 1)
    has_rsample = False
    tanh_epsilon = 1e-6

    def __init__(self, means: torch.Tensor, stds: torch.Tensor, logits: torch.Tensor):
        self.means, self.stds, self.logits = means, stds, logits
        d = means.shape[-1]
        super().__init__(means.shape[:-2], torch.Size((d,)), validate_args=False)

    @property
    def base_dist(self) -> pyd.MixtureSameFamily:
        """The pre-tanh mixture as torch objects (for inspection; not used here)."""
        normal = pyd.Normal(self.means, self.stds, validate_args=False)
        return pyd.MixtureSameFamily(
            pyd.Categorical(logits=self.logits, validate_args=False),
            pyd.Independent(normal, 1, validate_args=False),
            validate_args=False,
        )

    @property
    def mean(self) -> torch.Tensor:
        weights = torch.softmax(self.logits, -1).unsqueeze(-1)
        return torch.tanh((weights * self.means).sum(-2))

    def sample(self, sample_shape: _size = torch.Size()) -> torch.Tensor:  # noqa: B008
        with torch.no_grad():
            shape = torch.Size(sample_shape)
            mode = pyd.Categorical(logits=self.logits, validate_args=False).sample(shape)
            index = mode[..., None, None].expand(*mode.shape, 1, self.means.shape[-1])
            mu = self.means.expand(*shape, *self.means.shape).gather(-2, index).squeeze(-2)
            sd = self.stds.expand(*shape, *self.stds.shape).gather(-2, index).squeeze(-2)
            return torch.tanh(torch.addcmul(mu, torch.randn_like(mu), sd))

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, self._log_prob).unsqueeze(-1)

    def _log_prob(self, value: torch.Tensor) -> torch.Tensor:
        eps = self.tanh_epsilon
        x = 0.5 * torch.log((1.0 + value).clamp(min=eps) / (1.0 - value).clamp(min=eps))
        per_mode = _log_normal(x.unsqueeze(-2), self.means, self.stds).sum(-1)
        logits = self.logits - self.logits.logsumexp(-1, keepdim=True)
        lp = torch.logsumexp(per_mode + torch.log_softmax(logits, -1), -1)
        log_det = torch.log(1 - value * value + eps)
        return lp - log_det.sum(-1)


class Categorical(ref.CategoricalWithActionDim):
    """The reference's categorical (``sample()`` with a trailing dim of 1) built from
    already-normalised probabilities, without re-normalising or validating them."""

    def __init__(self, probs: torch.Tensor):
        self.probs = probs
        self._param = probs
        self._num_events = probs.shape[-1]
        pyd.Distribution.__init__(self, probs.shape[:-1], validate_args=False)


class TanhGaussian(Twin, ref.TanhGaussian):
    """A closed-form :class:`TanhNormal` (one fused op chain per ``log_prob`` / ``rsample``),
    the default std activation through one sigmoid, its log-scale reused by ``log_prob``."""

    def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution:
        # both halves contiguous (one copy): strided elementwise kernels are several times
        # slower than contiguous ones on the CPU
        mu, raw_std = vec.unflatten(-1, (2, self.d_action)).movedim(-2, 0).contiguous()
        log_std = None
        activation = fast(self.std_activation)
        if activation is tanh_bounded_positive:
            log_std = _log_sigmoid_bounded_positive(raw_std, self.std_low, self.std_high)
            std = log_std.exp()
        else:
            std = proper_scale(activation(raw_std, self.std_low, self.std_high))
        if log_dict is not None:
            add_activation_log("TanhGaussian-mu", mu, log_dict)
            add_activation_log("TanhGaussian-std", std, log_dict)
            add_activation_log("TanhGaussian-raw_std", raw_std, log_dict)
        return TanhNormal(mu, std, self.clip_actions_on_log_prob, log_std)


class Beta(Twin, ref.Beta):
    """A closed-form :class:`ShiftedBeta` log density instead of a transformed Beta."""

    def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution:
        alpha_in, beta_in = vec.chunk(2, dim=-1)
        activation = fast(self.std_activation)
        alpha = proper_scale(activation(alpha_in, self.alpha_low, self.alpha_high))
        beta = proper_scale(activation(beta_in, self.beta_low, self.beta_high))
        if log_dict is not None:
            add_activation_log("Beta-alpha", alpha, log_dict)
            add_activation_log("Beta-beta", beta, log_dict)
        return ShiftedBeta(alpha, beta, self.clip_actions_on_log_prob)


class GMM(Twin, ref.GMM):
    """A closed-form :class:`TanhGaussianMixture` log density (one logsumexp over the
    modes) instead of a mixture of independent normals under a wrapper."""

    def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution:
        k = self.gmm_modes * self.d_action
        means = vec[..., :k].unflatten(-1, (self.gmm_modes, self.d_action))
        raw_std = vec[..., k : 2 * k].unflatten(-1, (self.gmm_modes, self.d_action))
        stds = proper_scale(fast(self.std_activation)(raw_std, self.std_low, self.std_high))
        logits = vec[..., 2 * k :]
        if log_dict is not None:
            add_activation_log("GMM-means", means, log_dict)
            add_activation_log("GMM-raw_std", raw_std, log_dict)
            add_activation_log("GMM-stds", stds, log_dict)
            add_activation_log("GMM-logits", logits, log_dict)
        return TanhGaussianMixture(means, stds, logits)


class Discrete(Twin, ref.Discrete):
    """The reference's clipped categorical, p = clip(softmax(vec)) / sum(clip(...)), built
    once (the reference builds two Categoricals and normalises twice); same gradients:
    the reference's detached first normalisation is undone by Categorical's own."""

    def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution:
        probs = torch.softmax(vec, -1)
        clipped = probs.clamp(self.clip_prob_low, self.clip_prob_high)
        add_activation_log("Discrete-probs", probs, log_dict)
        return Categorical(clipped / clipped.sum(-1, keepdim=True))


__all__ = [
    "GMM",
    "Beta",
    "Discrete",
    "TanhGaussian",
    "softplus_bounded_positive",
    "tanh_bounded_positive",
]
