"""init: freshly built candidates draw every parameter from the reference's distribution
(two-sample Kolmogorov-Smirnov per state_dict key, values pooled over a few builds and over
replicas); constant initialisations must match exactly."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from properties.entry import state_of
from properties.harness import build, draw_case, entry_under_test
from properties.impl import REFERENCE

BUILDS = 4
P_MIN = 1e-4  # per-key significance; a fan-in error moves p far below this


def _pooled(entry, impl, cfg, seed: int) -> dict[str, np.ndarray]:
    pooled: dict[str, list[np.ndarray]] = {}
    for b in range(BUILDS):
        for k, v in state_of(build(entry, impl, cfg, torch.float64, seed=seed + b)).items():
            if v.dtype.is_floating_point:
                pooled.setdefault(k, []).append(v.numpy().ravel())
    return {k: np.concatenate(v) for k, v in pooled.items()}


@given(data=st.data())
def test_init(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    ref = _pooled(e, REFERENCE, case.cfg, case.seed)
    got = _pooled(e, cand, case.cfg, case.seed + 1000)
    assert sorted(got) == sorted(ref)
    for key, r in ref.items():
        c = got[key]
        if np.all(r == r[0]):
            assert np.all(c == r[0]), f"{key}: reference initialises to {r[0]}, candidate not"
        else:
            p = stats.ks_2samp(r, c).pvalue
            assert p > P_MIN, (
                f"{key}: candidate init differs from reference (KS p={p:.2e}, "
                f"std {c.std():.4g} vs {r.std():.4g})"
            )
