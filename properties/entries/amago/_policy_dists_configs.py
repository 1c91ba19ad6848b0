"""Plain-data configs of AMAGO's policy heads and bounded-positive functions (the strategies
their entries in ``policy_dists.py`` draw from)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

STD_ACTIVATIONS = ("tanh_bounded_positive", "softplus_bounded_positive")
#: Outer dims of a head's input besides the batch: none, or a length (AMAGO's [B, L, d]).
INNER_BATCHES = ((), (2,))


def clip_ranges() -> st.SearchStrategy[tuple[float, float]]:
    return st.sampled_from([(-0.99, 0.99), (-0.999, 0.999), (-0.9, 0.95), (-0.999999, 0.999999)])


@st.composite
def tanh_gaussian_configs(draw: Any) -> dict:
    low = draw(st.sampled_from([math.exp(-5.0), 1e-3, 0.05]))
    return {
        "d_action": draw(st.integers(1, 4)),
        "std_low": low,
        "std_high": low * draw(st.sampled_from([10.0, 1000.0, math.exp(7.0)])),
        "std_activation": draw(st.sampled_from(STD_ACTIVATIONS)),
        "clip_actions_on_log_prob": draw(clip_ranges()),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def beta_configs(draw: Any) -> dict:
    def high(low: float) -> float | None:
        return draw(st.sampled_from([None, low + 5.0, low + 50.0]))

    alpha_low = draw(st.sampled_from([1.0001, 1.5, 0.5]))
    beta_low = draw(st.sampled_from([1.0001, 2.0]))
    return {
        "d_action": draw(st.integers(1, 4)),
        "alpha_low": alpha_low,
        "alpha_high": high(alpha_low),
        "beta_low": beta_low,
        "beta_high": high(beta_low),
        "clip_actions_on_log_prob": draw(clip_ranges()),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def gmm_configs(draw: Any) -> dict:
    low = draw(st.sampled_from([1e-4, 0.05]))
    activation = draw(st.sampled_from(STD_ACTIVATIONS))
    high = 3.0 if activation == "tanh_bounded_positive" else draw(st.sampled_from([None, 3.0]))
    return {
        "d_action": draw(st.integers(1, 3)),
        "gmm_modes": draw(st.integers(1, 4)),
        "std_low": low,
        "std_high": high,
        "std_activation": activation,
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def discrete_configs(draw: Any) -> dict:
    return {
        "d_action": draw(st.integers(2, 6)),
        "clip_prob_low": draw(st.sampled_from([0.0, 0.001, 0.05])),
        "clip_prob_high": draw(st.sampled_from([0.99, 0.999, 1.0])),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def discrete_like_continuous_configs(draw: Any) -> dict:
    cfg = draw(discrete_configs())
    cfg["gumbel_softmax_temperature"] = draw(st.sampled_from([0.5, 1.0, 0.1]))
    return cfg


@st.composite
def plain_head_configs(draw: Any) -> dict:
    """Configs of heads with only ``d_action`` (Multibinary, the PolicyOutput base)."""
    return {
        "d_action": draw(st.integers(1, 5)),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def bounded_function_configs(draw: Any, needs_high: bool) -> dict:
    low = draw(st.sampled_from([math.exp(-5.0), 1e-4, 0.5, 1.0001]))
    high = (
        None
        if not needs_high and draw(st.booleans())
        else low * draw(st.sampled_from([2.0, 100.0, math.exp(7.0)]))
    )
    return {"d": draw(st.integers(1, 6)), "low": low, "high": high}
