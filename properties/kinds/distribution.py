"""Kinds whose call returns a distribution: the :class:`Distributional` mixin and its law.

An entry's :class:`Law` holds the facts the distribution properties need, all derived from
the plain-data config (never from a candidate's attributes): the support, the expected
batch / event shapes and sample dtype, an independent model of a *reference* distribution
(scipy.stats, float64), declared parameter limits, and which members of the returned
object the spec documents (:class:`Api`: a ``torch.distributions.Distribution``, or a
plain object such as AMAGO's ``DiscreteLikeContinuous`` with ``log_prob``, ``entropy``,
``sample``, ``rsample()`` and ``probs`` only, and the trailing dims a family's conventions
add to samples or log-densities).

The mixin reads a distribution through that API only: samples and log-densities in a
canonical form (``[n, *batch, *event]`` / ``[n, *batch]``), the comparable summary of
``properties.distributions``, the shape checks, and the kind's randomness
(``determinism``: samples under a seeded global generator, the way
``torch.distributions`` draws).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from properties.distributions import (
    Categories,
    Interval,
    Limit,
    Model,
    Real,
    Support,
    category_probs,
    defined,
    float_dtype,
    mode_of,
    probe_points,
)
from properties.kinds.base import device_of, seeded
from reference.specs import Nest

#: The property ids every distribution kind supports.
DIST_IDS = frozenset(
    {
        "dist_bounds",
        "extreme_inputs",
        "dist_logprob",
        "dist_sampling",
        "determinism",
        "reparam_grad",
    }
)
#: Draws per seed in ``determinism``.
DRAWS = 256
#: Two seeds' draws count as distinct when they coincide with at most this probability.
COINCIDENCE = 1e-9


def no_limits(dist: Any, cfg: dict) -> Sequence[Limit]:
    return ()


@dataclass(frozen=True)
class DistShape:
    """Inner batch shape (``(n,)`` for a parallel head; outer dims excluded), event shape,
    and the dtype of samples (a floating dtype means: the float dtype of the call)."""

    batch_shape: tuple[int, ...]
    event_shape: tuple[int, ...]
    dtype: torch.dtype


@dataclass(frozen=True)
class Api:
    """What the spec documents of the returned object.

    * ``torch``: a ``torch.distributions.Distribution`` (``batch_shape``, ``event_shape``,
      ``has_rsample``, ``mode`` / ``mean`` where defined, ``sample(shape)``,
      ``rsample(shape)``); otherwise only ``log_prob``, ``entropy``, ``sample(shape)``,
      ``probs`` and, where ``rsample``, an argument-free ``rsample()``;
    * ``sample_suffix``: trailing dims ``sample()`` adds to a value (AMAGO's Discrete
      keeps an action dim of 1; ``log_prob`` takes the value without it);
    * ``log_prob_suffix``: trailing dims ``log_prob`` adds (AMAGO's GMM: ``[..., 1]``).
    """

    torch: bool = True
    rsample: bool = False
    sample_suffix: tuple[int, ...] = ()
    log_prob_suffix: tuple[int, ...] = ()


TORCH_API = Api()


@dataclass(frozen=True)
class Law:
    """What an entry declares about the distribution its call returns (module doc).

    * ``support(cfg)``: where samples, modes and means live;
    * ``shape(cfg)``: the :class:`DistShape`;
    * ``model(dist, cfg)``: the independent :class:`Model` of a *reference* distribution;
    * ``limits(dist, cfg)``: parameters with declared ranges (std, scale, concentrations),
      read from a distribution through torch's public attributes;
    * ``sample_size``: draws per distribution in the KS / chi-square test;
    * ``api``: the documented members (:class:`Api`);
    * ``sample_preimage``: a fresh sample is scored from its exact pre-image (a bijector's
      cache, or no bijector at all), so its log-density is finite at every finite input;
      False for a mixture, whose component transforms keep no cache: a sample that rounds
      onto a bound of the support loses its pre-image, and its density may honestly
      underflow to ``-inf``;
    * ``finite_rsample_grad(cfg)``: the reparameterised sample's gradient stays finite (not
      NaN) at extreme inputs, which ``extreme_inputs`` checks; False where it is not, with
      the reason beside the law (torch's implicit Beta gradient, ``torch._dirichlet_grad``,
      is itself NaN once a concentration reaches ~1e8 against a small one).
    """

    support: Callable[[dict], Support]
    shape: Callable[[dict], DistShape]
    model: Callable[[Any, dict], Model]
    limits: Callable[[Any, dict], Sequence[Limit]] = no_limits
    sample_size: int = 400
    api: Api = TORCH_API
    sample_preimage: bool = True
    finite_rsample_grad: Callable[[dict], bool] = lambda cfg: True


def _strip(t: torch.Tensor, suffix: tuple[int, ...], what: str) -> torch.Tensor:
    """``t`` without the trailing dims ``suffix`` (checked)."""
    if not suffix:
        return t
    got = tuple(t.shape[t.dim() - len(suffix) :])
    assert got == suffix, f"{what}: trailing dims {list(got)}, expected {list(suffix)}"
    return t.reshape(t.shape[: t.dim() - len(suffix)])


def distributional(kind: Any) -> Distributional:
    """``kind`` as a :class:`Distributional` (what the distribution properties ask of it)."""
    assert isinstance(kind, Distributional), f"{type(kind).__name__} returns no distribution"
    return kind


class Distributional:
    """Mixin for kinds whose call returns a distribution (``self.law`` is the entry's
    :class:`Law`; the kind implements :meth:`distribution`)."""

    law: Law

    def distribution(self, net: Any, inputs: Nest, cfg: dict) -> Any:
        """The distribution one call returns."""
        raise NotImplementedError

    # -- reading a distribution through its documented members ------------------------------
    def batch_shape(self, dist: Any) -> tuple[int, ...]:
        """Its batch shape (a plain object's: that of its ``probs``, minus the categories)."""
        if self.law.api.torch:
            return tuple(dist.batch_shape)
        return tuple(dist.probs.shape[:-1])

    def event_shape(self, dist: Any, cfg: dict) -> tuple[int, ...]:
        return tuple(dist.event_shape) if self.law.api.torch else self.law.shape(cfg).event_shape

    def has_rsample(self, dist: Any) -> bool:
        if self.law.api.torch:
            return bool(getattr(dist, "has_rsample", False))
        return self.law.api.rsample

    def samples(self, dist: Any, n: int) -> torch.Tensor:
        """``n`` samples ``[n, *batch, *event]`` (the family's suffix removed)."""
        return _strip(dist.sample((n,)), self.law.api.sample_suffix, "sample()")

    def rsamples(self, dist: Any, n: int) -> torch.Tensor:
        """``n`` reparameterised samples ``[n, *batch, *event]``."""
        if self.law.api.torch:
            return dist.rsample((n,))
        return torch.stack([dist.rsample() for _ in range(n)])

    def log_prob(self, dist: Any, values: torch.Tensor) -> torch.Tensor:
        """``log_prob`` of values ``[P, *batch, *event]``: ``[P, *batch]``."""
        return _strip(dist.log_prob(values), self.law.api.log_prob_suffix, "log_prob")

    def probs(self, dist: Any) -> torch.Tensor | None:
        """Category probabilities ``[*batch, *elements, K]`` (categorical laws), else None."""
        if not self.law.api.torch:
            return dist.probs
        return category_probs(dist)

    def center(self, dist: Any) -> torch.Tensor | None:
        """Where a real support's log_prob is probed: the mode, else the mean, else None."""
        if not self.law.api.torch:
            return None
        value = defined(lambda: dist.mode)
        return value if value is not None else defined(lambda: dist.mean)

    def probes(self, dist: Any, cfg: dict) -> torch.Tensor:
        """Probe points ``[P, *batch, *event]`` inside the support of ``dist``."""
        support = self.law.support(cfg)
        shape = (*self.batch_shape(dist), *self.event_shape(dist, cfg))
        center = self.center(dist) if isinstance(support, Real) else None
        dtype, device = float_dtype(dist)
        if not self.law.api.torch:
            dtype, device = dist.probs.dtype, dist.probs.device
        return probe_points(support, shape, dtype, device, center)

    def bad_values(self, dist: Any, cfg: dict) -> list[tuple[str, torch.Tensor, bool]]:
        """Values ``log_prob`` must not score as if they were fine (contract items 6 and 7),
        each with whether it is merely *outside the support* (``ValueError`` while torch's
        validation switch is on, ``-inf`` when off) rather than wrongly shaped
        (``ValueError`` always): the trailing dim one too long, values beyond each bound of an
        interval, an index past the last category or between two, a vector that is not
        one-hot."""
        support = self.law.support(cfg)
        probes = self.probes(dist, cfg)[:1]
        out: list[tuple[str, torch.Tensor, bool]] = []
        if probes.dim() > 1 and (self.event_shape(dist, cfg) or probes.shape[-1] > 1):
            out.append(
                ("value with its last dim +1", torch.cat([probes, probes[..., :1]], -1), False)
            )
        if isinstance(support, Interval):
            lo, hi = support.low.to(probes), support.high.to(probes)
            width = hi - lo
            out.append(("value below the low bound", (lo - width - 1).expand_as(probes), True))
            out.append(("value above the high bound", (hi + width + 1).expand_as(probes), True))
        elif isinstance(support, Categories) and support.onehot:
            out.append(("value not one-hot", probes * 0.5, True))
        elif isinstance(support, Categories):
            out.append(("index past the last category", torch.full_like(probes, support.k), True))
            if not support.float_values:
                out.append(("index between two categories", probes.double() + 0.5, True))
            else:
                out.append(("value between 0 and 1", probes * 0 + 0.5, True))
        return out

    # -- what comparisons look at ----------------------------------------------------------
    def summarize(self, net: Any, outputs: Any, cfg: dict) -> Nest:
        """``mode`` (``mode_of``: a transformed distribution's may be its base mode's image)
        / ``mean`` (where the API has them and they are defined), ``entropy``
        (where defined), ``log_prob`` at the probe points ``[*batch, P]`` and, for
        categorical laws, ``probs``."""
        dist = outputs
        out: dict[str, torch.Tensor] = {}
        getters: list[tuple[str, Callable[[], torch.Tensor]]] = [("entropy", dist.entropy)]
        if self.law.api.torch:
            getters += [("mode", lambda: mode_of(dist)), ("mean", lambda: dist.mean)]
        for key, get in getters:
            value = defined(get)
            if value is not None:
                out[key] = value
        out["log_prob"] = self.log_prob(dist, self.probes(dist, cfg)).movedim(0, -1)
        probs = self.probs(dist)
        if probs is not None:
            out["probs"] = probs
        return out

    def timed(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        """A benchmark step: the distribution, a reparameterised sample where it has one
        (else a sample), and the log-density of that very tensor (the path a training step
        takes, where a distribution may reuse a fresh sample's pre-image)."""
        dist = self.distribution(net, inputs, cfg)
        if self.has_rsample(dist):
            y = dist.rsample()
        else:
            y = _strip(dist.sample(), self.law.api.sample_suffix, "sample()")
        return y, self.log_prob(dist, y)

    # -- randomness -------------------------------------------------------------------------
    def stochastic(self, cfg: dict, batch: int) -> bool:
        return True

    def draw(self, net: Any, inputs: Nest, cfg: dict, seed: int) -> Nest:
        """``DRAWS`` samples (and reparameterised samples where the distribution has them)."""
        with seeded(seed, device_of(inputs)):
            dist = self.distribution(net, inputs, cfg)
            out = {"sample": self.samples(dist, DRAWS)}
            if self.has_rsample(dist):
                out["rsample"] = self.rsamples(dist, DRAWS)
        return out

    def distinct(self, net: Any, inputs: Nest, cfg: dict) -> bool:
        """False when two seeds' draws of a categorical law may coincide with probability
        above ``COINCIDENCE`` (almost every element almost certain of its value); relaxed
        (soft) reparameterised samples of a categorical law are continuous: distinct."""
        if not isinstance(self.law.support(cfg), Categories):
            return True
        with seeded(0, device_of(inputs)):
            dist = self.distribution(net, inputs, cfg)
            if self.has_rsample(dist):
                r = self.rsamples(dist, 1)
                if not torch.equal(r, r.round()):
                    return True
        probs = self.probs(dist)
        if probs is None:
            return True
        repeat = (probs.double() ** 2).sum(-1)
        return bool(DRAWS * repeat.log().sum() < math.log(COINCIDENCE))

    # -- shapes -----------------------------------------------------------------------------
    def check_distribution_shape(self, dist: Any, cfg: dict, outer: tuple[int, ...]) -> None:
        """batch_shape ``[*outer, *inner]`` and event_shape (torch API), samples shaped and
        typed ``[*batch, *event]`` (plus the family's suffix) / the declared dtype,
        reparameterised samples shaped alike, ``log_prob`` ``[S, *batch]`` (plus suffix)."""
        spec = self.law.shape(cfg)
        api = self.law.api
        batch = (*outer, *spec.batch_shape)
        event = tuple(spec.event_shape)
        if api.torch:
            assert tuple(dist.batch_shape) == batch, (
                f"batch_shape {list(dist.batch_shape)}, expected {list(batch)}"
            )
            assert tuple(dist.event_shape) == event, (
                f"event_shape {list(dist.event_shape)}, expected {list(event)}"
            )
        y = dist.sample((2,))
        want = (2, *batch, *event, *api.sample_suffix)
        assert tuple(y.shape) == want, f"sample((2,)) shape {list(y.shape)}, expected {list(want)}"
        assert y.dtype == spec.dtype, f"sample dtype {y.dtype}, expected {spec.dtype}"
        if self.has_rsample(dist):
            r = self.rsamples(dist, 2)
            assert tuple(r.shape) == (2, *batch, *event), (
                f"rsample shape {list(r.shape[1:])}, expected {[*batch, *event]}"
            )
        lp = dist.log_prob(_strip(y, api.sample_suffix, "sample()"))
        want = (2, *batch, *api.log_prob_suffix)
        assert tuple(lp.shape) == want, f"log_prob shape {list(lp.shape)}, expected {list(want)}"
