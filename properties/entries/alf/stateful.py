"""Catalog entries of ALF's stateful layers: Delay, TemporalPool, NoisyFC
(``alf.networks.networks``) and OUProcess (``alf.networks.ou_process``)."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import stateful as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork
from properties.models.alf import stateful as models
from properties.specs import alf_specs
from reference.specs import TensorSpec

_NO_PARALLEL = "the spec gives {} no make_parallel of its own"


@st.composite
def nested_vector_specs(draw: Any) -> Any:
    """A vector spec, or a pair / dict of them (small sizes)."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))
    specs = [TensorSpec((d,)) for d in sizes]
    form = draw(S.variants("form", ["single", "tuple", "dict"]))
    if form == "single":
        return specs[0]
    if form == "tuple":
        return tuple(specs)
    return {f"x{i}": s for i, s in enumerate(specs)}


# -- Delay ---------------------------------------------------------------------------------
@st.composite
def delay_configs(draw: Any) -> dict:
    return {"input_tensor_spec": draw(nested_vector_specs()), "delay": draw(st.integers(0, 3))}


def build_delay(impl: Impl, cfg: dict) -> Any:
    return impl.alf.Delay(alf_specs(impl, cfg["input_tensor_spec"]), cfg["delay"])


# -- TemporalPool --------------------------------------------------------------------------
@st.composite
def pool_configs(draw: Any) -> dict:
    size = draw(st.one_of(st.integers(1, 3), st.just((2, 2))))
    return {
        "input_size": size,
        "stack_size": draw(st.integers(1, 3)),
        "pooling_size": draw(st.integers(1, 3)),
        "mode": draw(S.variants("mode", ["skip", "avg", "max"])),
    }


def pool_spec(cfg: dict) -> TensorSpec:
    size = cfg["input_size"]
    return TensorSpec(tuple(size) if isinstance(size, tuple) else (size,))


def build_pool(impl: Impl, cfg: dict) -> Any:
    return impl.alf.TemporalPool(
        cfg["input_size"], cfg["stack_size"], cfg["pooling_size"], mode=cfg["mode"]
    )


def pool_sequence(cfg: dict) -> tuple[int, float] | None:
    """A benchmark case times ``unroll`` over ``steps`` steps with episode starts at
    ``reset_rate`` (keys only benchmark configs carry)."""
    return (cfg["steps"], cfg["reset_rate"]) if "steps" in cfg else None


# -- NoisyFC -------------------------------------------------------------------------------
@st.composite
def noisy_configs(draw: Any) -> dict:
    use_ln = draw(st.booleans())
    # LayerNorm over 2 features maps every row to +-1 up to its eps: the gradient is an
    # eps-sized remainder of a cancellation inside the norm's backward, which float32 resolves
    # to ~1e-2 relative in any implementation (input perturbations, which the comparisons'
    # conditioning estimate uses, do not see rounding inside the backward)
    sizes = st.sampled_from([1, 3, 4, 5]) if use_ln else st.integers(1, 5)
    return {
        "input_size": draw(st.integers(1, 5)),
        "output_size": draw(sizes),
        "std_init": draw(st.sampled_from([0.1, 0.5, 1.0])),
        "new_noise_prob": draw(st.sampled_from([0.0, 0.05, 0.3, 0.7, 1.0])),
        "activation": draw(st.sampled_from(["identity", "tanh", "relu"])),
        "use_bn": draw(st.booleans()),
        "use_ln": use_ln,
        "kernel_initializer": draw(S.initializers()),
        "bias_init_value": draw(st.sampled_from([0.0, 0.1])),
    }


def build_noisy(impl: Impl, cfg: dict) -> Any:
    kw = dict(cfg)
    kw["activation"] = S.resolve_activation(kw["activation"])
    kw["kernel_initializer"] = S.resolve_initializer(kw["kernel_initializer"])
    return impl.alf.NoisyFC(**kw)


def noisy_spec(cfg: dict) -> TensorSpec:
    return TensorSpec((cfg["input_size"],))


# -- OUProcess -----------------------------------------------------------------------------
@st.composite
def ou_configs(draw: Any) -> dict:
    return {
        "state_spec": draw(nested_vector_specs()),
        "damping": draw(st.sampled_from([0.0, 0.15, 0.5, 1.0])),
        "stddev": draw(st.sampled_from([0.0, 0.2, 1.0])),
    }


def build_ou(impl: Impl, cfg: dict) -> Any:
    return impl.alf.OUProcess(alf_specs(impl, cfg["state_spec"]), cfg["damping"], cfg["stddev"])


def _spec(impl: Impl, size: int) -> Any:
    return alf_specs(impl, TensorSpec((size,)))


_BAD = (
    BadConfig(
        "negative delay",
        lambda impl: impl.alf.Delay(_spec(impl, 2), -1),
        ValueError,
        "delay",
    ),
    BadConfig(
        "unknown pooling mode",
        lambda impl: impl.alf.TemporalPool(2, 2, 2, mode="mean"),
        ValueError,
        "mode",
    ),
    BadConfig(
        "zero stack size",
        lambda impl: impl.alf.TemporalPool(2, 0),
        ValueError,
        "stack_size",
    ),
    BadConfig(
        "TemporalPool state whose step counter is outside [0, pooling_size)",
        lambda impl: impl.alf.TemporalPool(2, 2, 3, mode="avg")(
            torch.ones(1, 2), (torch.zeros(1, 2, 2), torch.zeros(1, 2), torch.tensor([3]))
        ),
        ValueError,
        "step counter",
    ),
    BadConfig(
        "resampling probability above 1",
        lambda impl: impl.alf.NoisyFC(2, 2, new_noise_prob=1.5),
        ValueError,
        "new_noise_prob",
    ),
    BadConfig(
        "damping above 1",
        lambda impl: impl.alf.OUProcess(_spec(impl, 2), damping=1.5),
        ValueError,
        "damping",
    ),
)

_BATCHED_NOISE = (
    "its noise is one draw for the whole batch from one generator: a part of the batch draws "
    "other numbers, so no row-wise statement holds for a noisy step"
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.Delay",
            AlfNetwork(stateful=True),
            delay_configs,
            build_delay,
            left_out={"parallel": _NO_PARALLEL.format("Delay")},
            bad_configs=_BAD,
            config_ranges={"delay": "nonnegative"},
        ),
        Entry(
            "alf.TemporalPool",
            AlfNetwork(spec=pool_spec, stateful=True, sequence=pool_sequence),
            pool_configs,
            build_pool,
            left_out={"parallel": _NO_PARALLEL.format("TemporalPool")},
            bad_configs=_BAD,
            config_ranges={"stack_size": "positive", "pooling_size": "positive"},
            bench=cases.pool_bench(),
        ),
        Entry(
            "alf.NoisyFC",
            AlfNetwork(
                spec=noisy_spec,
                stateful=True,
                random=lambda cfg, batch: batch > 1 or not cfg["use_bn"],
                noisy=True,
                noise_free=lambda cfg: {**cfg, "new_noise_prob": 0.0},
            ),
            noisy_configs,
            build_noisy,
            left_out={"parallel": _NO_PARALLEL.format("NoisyFC")},
            bad_configs=_BAD,
            config_ranges={
                "input_size": "positive",
                "output_size": "positive",
                "std_init": "finite",
                "new_noise_prob": "unit",
                "use_bn": "flag",
                "use_ln": "flag",
            },
            bench=cases.noisy_bench(),
            laws={
                "noise_resampling": models.noise_resampling(
                    lambda cfg: cfg["new_noise_prob"], models.factorised_noise_cdf
                ),
                "reset_redraw": models.RESET_REDRAW,
                "eval_noiseless": models.EVAL_NOISELESS,
            },
        ),
        Entry(
            "alf.OUProcess",
            AlfNetwork(
                spec=lambda cfg: cfg["state_spec"],
                stateful=True,
                state_only=True,
                random=lambda cfg, batch: cfg["stddev"] > 0,
                noise_free=lambda cfg: {**cfg, "stddev": 0.0},
            ),
            ou_configs,
            build_ou,
            left_out={
                "parallel": _NO_PARALLEL.format("OUProcess"),
                "batch_invariance": _BATCHED_NOISE,
            },
            bad_configs=_BAD,
            config_ranges={"damping": "unit", "stddev": "nonnegative"},
            laws={
                "process_noise": models.process_noise(
                    lambda cfg: 1.0 - cfg["damping"], lambda cfg: cfg["stddev"]
                ),
            },
        ),
    ]
