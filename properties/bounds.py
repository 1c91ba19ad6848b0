"""What ``dist_bounds`` and ``extreme_inputs`` check of one distribution: the values it
gives (samples, reparameterised samples, modes, means), that they lie in the support, and
the law's declared parameter limits."""

from __future__ import annotations

import functools

import torch

from properties.distributions import Categories, Interval, Support, defined
from properties.harness import Subject
from properties.kinds.distribution import distributional

SAMPLES = 16


def values_of(kind, dist) -> dict[str, torch.Tensor]:
    out = {"sample": kind.samples(dist, SAMPLES)}
    if kind.has_rsample(dist):
        out["rsample"] = kind.rsamples(dist, SAMPLES)
    if kind.law.api.torch:
        for key in ("mode", "mean"):
            value = defined(functools.partial(getattr, dist, key))
            if value is not None:
                out[key] = value
    return out


def assert_in_support(values: dict[str, torch.Tensor], support: Support, what: str) -> None:
    for key, v in values.items():
        v = v.detach()
        if isinstance(support, Interval):
            lo, hi = support.low.to(v), support.high.to(v)
            ok = (v >= lo) & (v <= hi)
            assert bool(ok.all()), (
                f"{what} {key}: values outside [{lo.tolist()}, {hi.tolist()}]: "
                f"{v[~ok][:5].tolist()}"
            )
        elif isinstance(support, Categories):
            if support.onehot:
                assert bool(((v >= 0) & (v <= 1)).all()), (
                    f"{what} {key}: one-hot values outside [0, 1]"
                )
                if key in ("sample", "mode"):
                    torch.testing.assert_close(v.sum(-1), torch.ones_like(v.sum(-1)))
            elif key != "mean":
                assert bool(((v >= 0) & (v <= support.k - 1)).all()), (
                    f"{what} {key}: categories outside 0..{support.k - 1}"
                )
        else:
            assert not bool(torch.isnan(v).any()), f"{what} {key}: NaN values"


def check_limits(subject: Subject, dist, cfg: dict, what: str) -> None:
    for limit in distributional(subject.kind).law.limits(dist, cfg):
        v = limit.value
        if v is None:
            subject.tally.note(
                f"the distribution does not expose {limit.name}: its limit is unchecked"
            )
            continue
        assert not bool(torch.isnan(v).any()), f"{what}: {limit.name} is NaN"
        if limit.low is not None:
            assert bool((v >= limit.low).all()), (
                f"{what}: {limit.name} {v.min().item()} < {limit.low}"
            )
        if limit.high is not None:
            assert bool((v <= limit.high).all()), (
                f"{what}: {limit.name} {v.max().item()} > {limit.high}"
            )
