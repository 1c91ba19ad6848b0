"""Catalog entry of ``pyrado.policies.recurrent.neural_fields``: ``NFPolicy`` with mirrored and
plain kernels, every padding mode, even and odd (default) kernel sizes, one or two output
channels and learnable or fixed constants (``kappa_init`` 0 or positive)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from properties.candidate import Impl
from properties.entries.pyrado._build import OBS_SCALES, dims, env_spec, nonlin
from properties.entry import BadConfig, Entry
from properties.kinds.pyrado_policy import PyradoPolicy
from properties.strategies import variants


@st.composite
def nf_configs(draw: Any) -> dict:
    cfg = dims(draw)
    cfg["hidden_size"] = draw(st.integers(2, 6))
    cfg["activation"] = draw(st.sampled_from(["sigmoid", "tanh"]))
    cfg["mirrored"] = draw(st.booleans())
    cfg["channels"] = draw(st.integers(1, 2))
    cfg["kernel"] = draw(st.sampled_from([None, 1, 2, 3]))
    cfg["padding_mode"] = draw(variants("padding_mode", ["circular", "reflect", "zeros"]))
    cfg["kappa_init"] = draw(st.sampled_from([0.0, 0.01]))
    cfg["learnable"] = draw(st.booleans())
    cfg["obs_scale"] = draw(st.sampled_from(OBS_SCALES))
    return cfg


def build_nf(impl: Impl, cfg: dict) -> Any:
    return impl.pyrado.NFPolicy(
        env_spec(impl, cfg),
        cfg["hidden_size"],
        activation_nonlin=nonlin(cfg["activation"]),
        mirrored_conv_weights=cfg["mirrored"],
        conv_out_channels=cfg["channels"],
        conv_kernel_size=cfg["kernel"],
        conv_padding_mode=cfg["padding_mode"],
        tau_learnable=cfg["learnable"],
        kappa_init=cfg["kappa_init"],
        kappa_learnable=cfg["learnable"],
        potential_init_learnable=cfg["learnable"],
    )


_SMALL = {"obs_dim": 2, "act_dim": 1}

_BAD = (
    BadConfig(
        "NFPolicy with hidden_size 1",
        lambda impl: impl.pyrado.NFPolicy(env_spec(impl, _SMALL), 1),
        ValueError,
        "hidden_size",
    ),
    BadConfig(
        "NFPolicy with padding mode 'replicate'",
        lambda impl: impl.pyrado.NFPolicy(env_spec(impl, _SMALL), 3, conv_padding_mode="replicate"),
        ValueError,
        "conv_padding_mode",
    ),
    BadConfig(
        "NFPolicy with a NaN kappa_init",
        lambda impl: impl.pyrado.NFPolicy(env_spec(impl, _SMALL), 3, kappa_init=float("nan")),
        ValueError,
        "kappa_init",
    ),
    BadConfig(
        "NFPolicy with an infinite tau_init",
        lambda impl: impl.pyrado.NFPolicy(env_spec(impl, _SMALL), 3, tau_init=float("inf")),
        ValueError,
        "tau_init",
    ),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "pyrado.NFPolicy",
            PyradoPolicy(),
            nf_configs,
            build_nf,
            bad_configs=_BAD,
            # kappa 0 disables the cubic decay (the spec); a negative one is no decay
            config_ranges={"kappa_init": "nonnegative", "hidden_size": "positive"},
        )
    ]
