"""Benchmark cases of the ALF containers: the single Sequential and its parallel form, and
small calls of the other containers, where their own routing is a visible share of the
time (no parameters worth differentiating: forward only)."""

from __future__ import annotations

from properties.entry import Bench, BenchCase

_MEMBERS = (("fc", 256), ("lstm", 256), ("fc", 64))


def _sequential() -> Bench:
    """The single Sequential (configs without ``n``: the timed network is ``build``'s) at
    B = 1, 64, 1024, and its parallel form with n = 4 replicas."""
    base = {"input_size": 64, "members": _MEMBERS, "named": False}
    single = [BenchCase(f"B={b}", base, b, modes=("fwd",)) for b in (1, 64, 1024)]
    parallel = [BenchCase(f"B={b},n=4", {**base, "n": 4}, b, modes=("fwd",)) for b in (1, 64)]
    return Bench((*single, *parallel))


def _small(cfg: dict) -> Bench:
    """One call of the single network at B=1 and B=64, where the container's own routing
    is a visible share of the time."""
    return Bench(tuple(BenchCase(f"B={b}", cfg, b, modes=("fwd",)) for b in (1, 64)))


_BENCH_CONFIGS = {
    "alf.Branch": {"input_size": 64, "members": _MEMBERS, "form": "positional"},
    "alf.Parallel": {"input_sizes": (64, 64, 64), "members": _MEMBERS, "as_dict": False},
    "alf.Echo": {
        "input_size": 64,
        "echo_size": 64,
        "hidden": 256,
        "output_size": 64,
        "cell": "lstm",
        "form": "tuple",
    },
    "alf.Residue": {"input_size": 64, "inner": ("lstm", 256), "activation": "relu_"},
    "alf.AMPWrapper": {"input_size": 64, "inner": ("lstm", 256), "enabled": False},
}


def bench(name: str) -> Bench:
    """The cases of the container ``name``."""
    return _sequential() if name == "alf.Sequential" else _small(_BENCH_CONFIGS[name])
