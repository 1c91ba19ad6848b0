"""AMAGO's policy output heads: network output ``vec`` -> a distribution over actions.

Upstream: ``amago/nets/policy_dists.py``. Continuous actions live in [-1, 1]. The
reference builds its distributions from ``torch.distributions`` the way upstream does
(transformed distributions, mixtures), so the math is the library's own; the optimized
package writes the same densities in closed form.

A :class:`PolicyOutput` is not an ``nn.Module``: it has no parameters, and
``head(vec, log_dict=None)`` calls ``forward`` after checking that ``vec`` is a floating
tensor ``[..., input_dimension]`` (float32 or float64: half precision breaks the heads'
bounds and is rejected).

Deviations from upstream, where upstream gives NaN or a silently wrong number (issue 11):

* every std and Beta concentration is ``reference.distributions.proper_scale`` of the
  activation's (``softplus_bounded_positive`` of ``1e30`` is ``1e30``, whose square is inf
  in float32); bounds the activations cannot take (``low <= 0``, ``high <= low``, a tanh
  bound without ``high``, a clip onto +-1) are rejected at construction;
* the torch distributions are built unchecked (torch's check cannot check an empty batch
  and its messages do not say what was expected), and every ``log_prob`` follows
  ``reference.distributions.scored``: a wrongly shaped value raises ``ValueError``, a
  value outside [-1, 1] (or a category that is not one) raises while torch's validation
  switch is on and scores ``-inf`` when it is off. Upstream clips it silently. A NaN
  ``vec`` propagates into the distribution's numbers (upstream raises torch's error
  through argument validation; the optimized package never checked it).
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import distributions as pyd
from torch.types import _size

from reference import checks
from reference.amago.utils import add_activation_log, check_positive_int, check_vec
from reference.distributions import (
    Bernoulli,
    Categorical,
    Independent,
    MixtureSameFamily,
    OneHotCategorical,
    TransformedDistribution,
    proper_scale,
    scored,
)

StdActivation = Callable[..., torch.Tensor]


# --------------------------------------------------------------------------------------
# bounded positive activations
# --------------------------------------------------------------------------------------


def check_positive_bounds(low: object, high: object, need_high: bool) -> None:
    """``0 < low < high < inf`` (``high`` may be None unless ``need_high``): a bounded
    positive activation's range, checked on the host before any computation."""
    if not isinstance(low, (int, float)) or not 0 < low < math.inf:
        raise ValueError(f"low: expected a finite float > 0, got {low!r}")
    if high is None and not need_high:
        return
    if not isinstance(high, (int, float)) or not low < high < math.inf:
        raise ValueError(f"high: expected a finite float > low = {low}, got {high!r}")


def check_activation_args(x: object, low: object, high: object, need_high: bool) -> None:
    """A bounded positive activation's arguments: ``x`` a floating-point tensor (any shape:
    the function maps each element; an integer tensor has no value between the bounds),
    then the range (:func:`check_positive_bounds`)."""
    if not isinstance(x, torch.Tensor) or not x.dtype.is_floating_point:
        got = f"a {x.dtype} tensor" if isinstance(x, torch.Tensor) else type(x).__name__
        raise TypeError(f"x: expected a floating-point torch.Tensor, got {got}")
    check_positive_bounds(low, high, need_high)


@functools.lru_cache(maxsize=64)
def dtype_bounds(low: float, high: float | None, dtype: torch.dtype) -> tuple[float, float | None]:
    """``low`` rounded up and ``high`` rounded down to values ``dtype`` holds: the bounds an
    output in ``dtype`` can keep exactly (``1.0001`` is ``1.0`` to the nearest float16)."""

    def rounded(v: float, up: bool) -> float:
        t = torch.tensor(v, dtype=dtype)
        if (float(t) < v) if up else (float(t) > v):
            t = torch.nextafter(t, torch.tensor(math.inf if up else -math.inf, dtype=dtype))
        return float(t)

    return rounded(low, True), None if high is None else rounded(high, False)


def tanh_bounded_positive(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Geometric interpolation between ``low`` and ``high`` driven by tanh:

        y = exp(log low + (log high - log low) * (tanh(x) + 1) / 2)

    so y -> low as x -> -inf and y -> high as x -> +inf, then clamped to the values of
    ``x``'s dtype inside ``[low, high]`` (:func:`dtype_bounds`): the exp's rounding (an ulp in
    float32, more in float16) never leaves the range. ``0 < low < high`` is required
    (upstream fails later on ``log(0)``, or returns values outside ``[low, high]`` for
    ``high < low``).
    """
    check_activation_args(x, low, high, need_high=True)
    log_low, log_high = math.log(low), math.log(high)
    y = torch.exp(log_low + 0.5 * (log_high - log_low) * (torch.tanh(x) + 1))
    return y.clamp(*dtype_bounds(low, high, y.dtype))


def softplus_bounded_positive(
    x: torch.Tensor, low: float, high: float | None = None
) -> torch.Tensor:
    """y = min(softplus(x) + low, high): above ``low``, hard-clipped at ``high`` if given
    (``0 < low < high`` required: upstream returns values below ``low`` for ``high < low``),
    clamped to the values of ``x``'s dtype inside the range (:func:`dtype_bounds`: a float16
    ``softplus(-20) + 1.0001`` rounds to 1.0, below ``low``)."""
    check_activation_args(x, low, high, need_high=False)
    y = F.softplus(x) + low
    return y.clamp(*dtype_bounds(low, high, y.dtype))


# --------------------------------------------------------------------------------------
# distributions (upstream's construction)
# --------------------------------------------------------------------------------------


class TanhTransform(pyd.transforms.Transform):
    """y = tanh(x) with log|dy/dx| = log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2x)).

    The inverse clips y to ``clip_on_inverse`` before atanh, keeping log_prob finite at
    the saturated ends. With ``cache_size=1`` the inverse of the latest forward output
    is the cached x (so ``log_prob(rsample())`` uses the unclipped pre-tanh value).
    """

    domain = pyd.constraints.real
    codomain = pyd.constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def __init__(self, clip_on_inverse: tuple[float, float], cache_size: int = 1):
        super().__init__(cache_size=cache_size)
        self.clip_low, self.clip_high = clip_on_inverse

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TanhTransform)

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        return x.tanh()

    def _inverse(self, y: torch.Tensor) -> torch.Tensor:
        y = y.clamp(self.clip_low, self.clip_high)
        return 0.5 * (y.log1p() - (-y).log1p())

    def log_abs_det_jacobian(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 2.0 * (math.log(2.0) - x - F.softplus(-2.0 * x))


class SquashedNormal(TransformedDistribution):
    """tanh(N(loc, scale)), elementwise: log p(y) = log N(atanh y) - log(1 - y^2)
    (per action dim; ``mean`` is tanh(loc))."""

    def __init__(self, loc: torch.Tensor, scale: torch.Tensor, clip: tuple[float, float]):
        self.loc, self.scale = loc, scale
        super().__init__(pyd.Normal(loc, scale, validate_args=False), [TanhTransform(clip)])

    @property
    def mean(self) -> torch.Tensor:
        return torch.tanh(self.loc)


class TanhWrapped(pyd.Distribution):
    """tanh of a base distribution over ``[..., d]`` vectors (a Gaussian mixture here).

    log p(y) = log p_base(x) - sum_d log(1 - y_d^2 + eps),
    x = 0.5 log(max(1 + y, eps) / max(1 - y, eps)), eps = 1e-6,

    returned with a trailing dim of 1 (upstream's shape); ``mean`` = tanh(mean_base).
    """

    def __init__(self, base_dist: pyd.Distribution, epsilon: float = 1e-6):
        super().__init__(base_dist.batch_shape, base_dist.event_shape, validate_args=False)
        self.base_dist = base_dist
        self.tanh_epsilon = epsilon

    support = pyd.constraints.independent(pyd.constraints.interval(-1.0, 1.0), 1)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, self._log_prob).unsqueeze(-1)

    def _log_prob(self, value: torch.Tensor) -> torch.Tensor:
        eps = self.tanh_epsilon
        pre_tanh = 0.5 * torch.log((1.0 + value).clamp(min=eps) / (1.0 - value).clamp(min=eps))
        lp = self.base_dist.log_prob(pre_tanh)
        log_det = torch.log(1 - value * value + eps)
        return lp - log_det.sum(-1)

    def sample(self, sample_shape: _size = torch.Size()) -> torch.Tensor:  # noqa: B008
        return torch.tanh(self.base_dist.sample(sample_shape).detach())

    @property
    def mean(self) -> torch.Tensor:
        return torch.tanh(self.base_dist.mean)


class ShiftedBeta(TransformedDistribution):
    """y = 2 u - 1 with u ~ Beta(alpha, beta): log p(y) = log Beta((y + 1) / 2) - log 2,
    with y clipped to ``clip`` first; ``mean`` = 2 alpha / (alpha + beta) - 1."""

    def __init__(self, alpha: torch.Tensor, beta: torch.Tensor, clip: tuple[float, float]):
        self.clip = clip
        base = pyd.Beta(concentration1=alpha, concentration0=beta, validate_args=False)
        super().__init__(base, [pyd.AffineTransform(loc=-1.0, scale=2.0)])

    support = pyd.constraints.interval(-1.0, 1.0)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, lambda v: self._log_prob(v.clamp(*self.clip)))

    @property
    def mean(self) -> torch.Tensor:
        return 2.0 * self.base_dist.mean - 1.0


class CategoricalWithActionDim(Categorical):
    """A Categorical whose ``sample()`` keeps a trailing action dim of 1."""

    def sample(self, sample_shape: _size = torch.Size()) -> torch.Tensor:  # noqa: B008
        return super().sample(sample_shape).unsqueeze(-1)


# --------------------------------------------------------------------------------------
# heads
# --------------------------------------------------------------------------------------


def check_clip(name: str, clip: tuple[float, float]) -> tuple[float, float]:
    """``-1 < low < high < 1``: an action clipped onto +-1 has an infinite pre-image and a
    NaN log-density (upstream accepts the closed interval)."""
    lo, hi = clip
    if not -1.0 < lo < hi < 1.0:
        raise ValueError(f"{name}: expected -1 < low < high < 1, got {tuple(clip)}")
    return float(lo), float(hi)


def check_activation(name: str, activation: StdActivation, low: float, high: float | None) -> None:
    """``activation`` accepts its bounds: called once on a zero at construction, so a range
    it cannot take (``tanh_bounded_positive`` with ``high=None``) fails here, not at the
    first call."""
    try:
        activation(torch.zeros(1, dtype=torch.float64), low, high)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name}_low / {name}_high: expected bounds the std_activation accepts, got "
            f"({low}, {high}): {error}"
        ) from error


def check_bounds(name: str, low: float, high: float | None) -> None:
    """``0 < low < high < inf`` (``high`` None: no upper bound); NaN, inf and non-numbers
    raise, naming ``<name>_low`` or ``<name>_high``."""
    checks.positive(low, f"{name}_low")
    if high is not None:
        checks.positive(high, f"{name}_high")
    if high is not None and not high > low:
        raise ValueError(f"{name}_high: expected None or a value > {name}_low = {low}, got {high}")


class PolicyOutput(ABC):
    """Maps the actor network's output ``vec [..., input_dimension]`` to a distribution.

    ``input_dimension``: how many values the actor must produce; ``is_discrete``;
    ``actions_differentiable``: whether the distribution's actions are reparameterised
    (``rsample`` with gradient; for a discrete head, through
    :class:`DiscreteLikeContinuous`). ``log_dict``, when a dict, receives statistics.
    """

    def __init__(self, d_action: int):
        self.d_action = check_positive_int("d_action", d_action)

    def __call__(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution:
        check_vec(vec, self.input_dimension)
        return self.forward(vec, log_dict=log_dict)

    @property
    @abstractmethod
    def actions_differentiable(self) -> bool: ...

    @property
    @abstractmethod
    def is_discrete(self) -> bool: ...

    @property
    @abstractmethod
    def input_dimension(self) -> int: ...

    @abstractmethod
    def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution: ...


class TanhGaussian(PolicyOutput):
    """vec = [mu, raw_std] (d_action each); std = std_activation(raw_std, std_low,
    std_high); actions = tanh(N(mu, std)) per dim, log_prob per dim of ``[..., d]``
    actions clipped to ``clip_actions_on_log_prob`` before atanh."""

    def __init__(
        self,
        d_action: int,
        std_low: float = math.exp(-5.0),
        std_high: float = math.exp(2.0),
        std_activation: StdActivation = tanh_bounded_positive,
        clip_actions_on_log_prob: tuple[float, float] = (-0.99, 0.99),
    ):
        super().__init__(d_action)
        check_bounds("std", std_low, std_high)
        check_activation("std", std_activation, std_low, std_high)
        self.std_low, self.std_high = std_low, std_high
        self.std_activation = std_activation
        self.clip_actions_on_log_prob = check_clip(
            "clip_actions_on_log_prob", clip_actions_on_log_prob
        )

    @property
    def actions_differentiable(self) -> bool:
        return True

    @property
    def is_discrete(self) -> bool:
        return False

    @property
    def input_dimension(self) -> int:
        return 2 * self.d_action

    def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution:
        mu, raw_std = vec.chunk(2, dim=-1)
        std = proper_scale(self.std_activation(raw_std, self.std_low, self.std_high))
        add_activation_log("TanhGaussian-mu", mu, log_dict)
        add_activation_log("TanhGaussian-std", std, log_dict)
        add_activation_log("TanhGaussian-raw_std", raw_std, log_dict)
        return SquashedNormal(mu, std, self.clip_actions_on_log_prob)


class Beta(PolicyOutput):
    """vec = [a, b] (d_action each); alpha = std_activation(a, alpha_low, alpha_high),
    beta likewise; actions = 2 Beta(alpha, beta) - 1 per dim. alpha, beta > 1 (the
    default lows 1.0001) keep every marginal unimodal."""

    def __init__(
        self,
        d_action: int,
        alpha_low: float = 1.0001,
        alpha_high: float | None = None,
        beta_low: float = 1.0001,
        beta_high: float | None = None,
        std_activation: StdActivation = softplus_bounded_positive,
        clip_actions_on_log_prob: tuple[float, float] = (-0.99, 0.99),
    ):
        super().__init__(d_action)
        check_bounds("alpha", alpha_low, alpha_high)
        check_bounds("beta", beta_low, beta_high)
        check_activation("alpha", std_activation, alpha_low, alpha_high)
        check_activation("beta", std_activation, beta_low, beta_high)
        self.alpha_low, self.alpha_high = alpha_low, alpha_high
        self.beta_low, self.beta_high = beta_low, beta_high
        self.std_activation = std_activation
        self.clip_actions_on_log_prob = check_clip(
            "clip_actions_on_log_prob", clip_actions_on_log_prob
        )

    @property
    def actions_differentiable(self) -> bool:
        return True

    @property
    def is_discrete(self) -> bool:
        return False

    @property
    def input_dimension(self) -> int:
        return 2 * self.d_action

    def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution:
        alpha_in, beta_in = vec.chunk(2, dim=-1)
        alpha = proper_scale(self.std_activation(alpha_in, self.alpha_low, self.alpha_high))
        beta = proper_scale(self.std_activation(beta_in, self.beta_low, self.beta_high))
        add_activation_log("Beta-alpha", alpha, log_dict)
        add_activation_log("Beta-beta", beta, log_dict)
        return ShiftedBeta(alpha, beta, self.clip_actions_on_log_prob)


class GMM(PolicyOutput):
    """Tanh of a mixture of ``gmm_modes`` diagonal Gaussians over d_action dims.

    vec = [means (modes x d), raw stds (modes x d), logits (modes)], each block mode-major;
    stds = std_activation(raw, std_low, std_high). log_prob of ``[..., d]`` actions has
    shape ``[..., 1]``. No ``rsample`` (a mixture's choice is not reparameterised).
    """

    def __init__(
        self,
        d_action: int,
        gmm_modes: int = 5,
        std_low: float = 1e-4,
        std_high: float | None = None,
        std_activation: StdActivation = softplus_bounded_positive,
    ):
        super().__init__(d_action)
        self.gmm_modes = check_positive_int("gmm_modes", gmm_modes)
        check_bounds("std", std_low, std_high)
        check_activation("std", std_activation, std_low, std_high)
        self.std_low, self.std_high = std_low, std_high
        self.std_activation = std_activation

    @property
    def actions_differentiable(self) -> bool:
        return False

    @property
    def is_discrete(self) -> bool:
        return False

    @property
    def input_dimension(self) -> int:
        return 2 * self.gmm_modes * self.d_action + self.gmm_modes

    def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution:
        k = self.gmm_modes * self.d_action
        means = vec[..., :k].unflatten(-1, (self.gmm_modes, self.d_action))
        raw_std = vec[..., k : 2 * k].unflatten(-1, (self.gmm_modes, self.d_action))
        stds = proper_scale(self.std_activation(raw_std, self.std_low, self.std_high))
        logits = vec[..., 2 * k :]
        add_activation_log("GMM-means", means, log_dict)
        add_activation_log("GMM-raw_std", raw_std, log_dict)
        add_activation_log("GMM-stds", stds, log_dict)
        add_activation_log("GMM-logits", logits, log_dict)
        components = Independent(pyd.Normal(means, stds, validate_args=False), 1)
        mixture = MixtureSameFamily(Categorical(logits=logits), components)
        return TanhWrapped(mixture)


class Discrete(PolicyOutput):
    """Categorical over d_action actions: p = softmax(vec) clipped to
    [clip_prob_low, clip_prob_high], then renormalised to sum to 1. ``sample()`` has a
    trailing dim of 1; ``log_prob`` takes action indices of the batch shape."""

    def __init__(self, d_action: int, clip_prob_low: float = 0.001, clip_prob_high: float = 0.99):
        super().__init__(d_action)
        if not 0.0 <= clip_prob_low < clip_prob_high <= 1.0:
            raise ValueError(
                f"clip_prob_low / clip_prob_high: expected 0 <= low < high <= 1, got "
                f"{clip_prob_low} / {clip_prob_high}"
            )
        self.clip_prob_low, self.clip_prob_high = clip_prob_low, clip_prob_high

    @property
    def actions_differentiable(self) -> bool:
        return True

    @property
    def is_discrete(self) -> bool:
        return True

    @property
    def input_dimension(self) -> int:
        return self.d_action

    def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution:
        probs = CategoricalWithActionDim(logits=vec).probs
        clipped = probs.clamp(self.clip_prob_low, self.clip_prob_high)
        safe = clipped / clipped.sum(-1, keepdim=True).detach()
        add_activation_log("Discrete-probs", probs, log_dict)
        return CategoricalWithActionDim(probs=safe)


class DiscreteLikeContinuous(pyd.Distribution):
    """A categorical seen as a distribution over one-hot action vectors, for critics that
    take action vectors: ``sample()`` is one-hot, ``log_prob(one_hot)`` is the log
    probability of its argmax, and ``rsample()`` is the straight-through Gumbel-softmax
    sample (one-hot forward, softmax((logits + g) / temperature) gradient).

    Upstream's wrapper is a plain object with the methods above; here it is also a
    ``torch.distributions.Distribution`` (batch / event shapes, ``mean`` = probs, ``mode``
    = one-hot argmax), which adds API without changing any. The spec's signatures hold:
    ``sample(*args, **kwargs)`` passes its arguments to the one-hot categorical's
    ``sample`` (``sample_shape``), and ``rsample()`` takes none (one sample of the batch
    shape).
    """

    arg_constraints: ClassVar[dict] = {}
    support = pyd.constraints.one_hot
    has_rsample = True

    def __init__(self, categorical: pyd.Categorical, gumbel_softmax_temperature: float = 0.5):
        if not isinstance(categorical, pyd.Categorical):
            raise TypeError(
                f"categorical: expected a torch Categorical, got {type(categorical).__name__}"
            )
        if not gumbel_softmax_temperature > 0:
            raise ValueError(
                "gumbel_softmax_temperature: expected a value > 0, got "
                f"{gumbel_softmax_temperature}"
            )
        self.dist = OneHotCategorical(logits=categorical.logits)
        self.gumbel_softmax_temperature = gumbel_softmax_temperature
        super().__init__(self.dist.batch_shape, self.dist.event_shape, validate_args=False)

    @property
    def probs(self) -> torch.Tensor:
        return self.dist.probs

    @property
    def logits(self) -> torch.Tensor:
        return self.dist.logits

    @property
    def mean(self) -> torch.Tensor:
        return self.dist.probs

    @property
    def mode(self) -> torch.Tensor:
        return self.dist.mode

    def entropy(self) -> torch.Tensor:
        return self.dist.entropy()

    def log_prob(self, action: torch.Tensor) -> torch.Tensor:
        return self.dist.log_prob(action)

    def sample(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        return self.dist.sample(*args, **kwargs)

    def rsample(self) -> torch.Tensor:  # type: ignore[override]
        return F.gumbel_softmax(self.logits, tau=self.gumbel_softmax_temperature, hard=True)


class Multibinary(PolicyOutput):
    """d_action independent Bernoulli actions with logits vec."""

    @property
    def actions_differentiable(self) -> bool:
        return False

    @property
    def is_discrete(self) -> bool:
        return False

    @property
    def input_dimension(self) -> int:
        return self.d_action

    def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> pyd.Distribution:
        add_activation_log("Multibinary-logits", vec, log_dict)
        return Bernoulli(logits=vec)
