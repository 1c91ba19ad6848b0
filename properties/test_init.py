"""init: freshly built candidates draw every parameter from the reference's distribution
(two-sample Kolmogorov-Smirnov per state_dict key, values pooled over a few builds);
constant initialisations must match exactly. Where the kind has a parallel form, every
replica of the candidate's parallel network is checked against the reference's single
network the same way (a fan-in taken from the wrong axis of an ``[n, out, in]`` weight
fails). ``test_init_examples`` checks the entry's fixed ``examples`` (fan-in-dependent
initializers) in every profile, beside the drawn configs.

False alarms: one catalog-wide ``thorough`` run makes about 10^5 KS tests, so a single test at
``P_MIN`` would fail a correct candidate several times per run. A key whose test falls below
``P_MIN`` is therefore retested on fresh, independent builds of both sides and fails only if
that test falls below ``P_MIN`` too: a correct candidate fails a key with probability
``P_MIN**2``, while a wrong law (a fan-in from the wrong axis) gives p-values many orders of
magnitude below ``P_MIN`` in both draws."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from scipy import stats

from properties.harness import Case, Subject, declined, spec_property
from properties.kinds.base import state_of

BUILDS = 4
P_MIN = 1e-4  # per-key significance; a fan-in error moves p far below this


def _pool(states: list[dict[str, torch.Tensor]]) -> dict[str, np.ndarray]:
    pooled: dict[str, list[np.ndarray]] = {}
    for state in states:
        for k, v in state.items():
            if v.dtype.is_floating_point:
                pooled.setdefault(k, []).append(v.detach().double().cpu().numpy().ravel())
    return {k: np.concatenate(v) for k, v in pooled.items()}


def _suspects(got: dict[str, np.ndarray], want: dict[str, np.ndarray], what: str) -> list[str]:
    """Keys whose candidate values fail the KS test at ``P_MIN`` (constants must match)."""
    assert sorted(got) == sorted(want), f"{what}: keys {sorted(got)}, expected {sorted(want)}"
    out = []
    for key, r in want.items():
        c = got[key]
        if np.all(r == r[0]):
            assert np.all(c == r[0]), f"{what} {key}: the reference initialises to {r[0]}"
        elif stats.ks_2samp(r, c).pvalue <= P_MIN:
            out.append(key)
    return out


def _assert_same_law(draw: Callable[[int], tuple[dict, dict]], what: str) -> None:
    """``draw(offset)`` pools (candidate, reference) values from builds seeded with
    ``offset``; suspects of the first draw are retested on a second, independent one."""
    got, want = draw(0)
    suspects = _suspects(got, want, what)
    if not suspects:
        return
    got, want = draw(10_000)
    for key in suspects:
        r, c = want[key], got[key]
        p = stats.ks_2samp(r, c).pvalue
        assert p > P_MIN, (
            f"{what} {key}: initial values differ from the reference's law (KS p={p:.2e} on "
            f"a second, independent draw too; std {c.std():.4g} vs {r.std():.4g})"
        )


def _check(subject: Subject, case: Case) -> None:
    builds = range(BUILDS)

    def draw(offset: int) -> tuple[dict, dict]:
        seed = case.seed + offset
        want = [
            state_of(subject.build(subject.reference, case.cfg, torch.float64, seed=seed + b))
            for b in builds
        ]
        got = [
            state_of(subject.build(subject.candidate, case.cfg, torch.float64, seed=seed + 100 + b))
            for b in builds
        ]
        return _pool(got), _pool(want)

    _assert_same_law(draw, f"{subject.name}")
    form = getattr(subject.kind, "parallel", None)
    if form is None:
        return
    n = form.n(case.cfg)
    single = state_of(
        subject.build(subject.reference, case.cfg, torch.float64, builder=form.replica)
    )

    def replica_draw(i: int) -> Callable[[int], tuple[dict, dict]]:
        def draw(offset: int) -> tuple[dict, dict]:
            seed = case.seed + offset
            singles = [
                state_of(
                    subject.build(
                        subject.reference,
                        case.cfg,
                        torch.float64,
                        seed=seed + b,
                        builder=form.replica,
                    )
                )
                for b in builds
            ]
            parallels = [
                state_of(
                    subject.build(
                        subject.candidate,
                        case.cfg,
                        torch.float64,
                        seed=seed + 200 + b,
                        builder=form.build,
                    )
                )
                for b in builds
            ]
            return _pool([form.split(p, single, i, n) for p in parallels]), _pool(singles)

        return draw

    for i in range(n):
        _assert_same_law(replica_draw(i), f"{subject.name} parallel replica {i} of {n}")


def test_init_examples(subject: Subject) -> None:
    if not subject.entry.examples:
        pytest.skip(f"{subject.name} declares no fixed example configs")
    for cfg in subject.entry.examples:
        declined(subject, lambda cfg=cfg: _check(subject, subject.case_of(cfg, 1, 0)))


@spec_property
def test_init(subject: Subject, data) -> None:
    _check(subject, subject.draw(data))
