"""Catalog entries of ``alf.networks.memory``: ``Memory``, ``FIFOMemory``,
``MemoryWithUsage``.

A memory is stepped by the ALF memory kind (``properties.kinds.alf_memory``): its state is
its slots, carried across steps and emptied at episode starts. ``MemoryWithUsage``'s
drawn configs keep ``snapshot_only`` off: a snapshot memory has no ``states`` to carry
(upstream's ``states`` refuse it), and its law ``snapshot_only`` checks it on its own.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from benchmarks.cases.alf import memory as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entry import BadConfig, Entry
from properties.kinds.alf_memory import AlfMemory
from properties.models.alf import memory as models
from reference.specs import TensorSpec


# -- FIFOMemory ----------------------------------------------------------------------------
@st.composite
def fifo_configs(draw: Any) -> dict:
    size = draw(st.integers(1, 4))
    form = draw(S.variants("write", ["vector", "slots"]))
    return {
        "dim": draw(st.integers(1, 3)),
        "size": size,
        "k": 0 if form == "vector" else draw(st.integers(1, size)),
    }


def fifo_spec(cfg: dict) -> TensorSpec:
    """A write's content: ``[dim]``, or ``[k, dim]`` for ``k`` vectors at once."""
    return TensorSpec((cfg["k"], cfg["dim"]) if cfg["k"] else (cfg["dim"],))


def build_fifo(impl: Impl, cfg: dict) -> Any:
    return impl.alf.FIFOMemory(cfg["dim"], cfg["size"])


def fifo_sequence(cfg: dict) -> tuple[int, float] | None:
    """A benchmark case times ``unroll`` over ``steps`` steps (keys only benchmark configs
    carry)."""
    return (cfg["steps"], cfg["reset_rate"]) if "steps" in cfg else None


# -- MemoryWithUsage -----------------------------------------------------------------------
@st.composite
def usage_configs(draw: Any) -> dict:
    normalize = draw(S.variants("similarity", [True, False]))
    return {
        "dim": draw(st.integers(1, 3)),
        "size": draw(st.integers(1, 4)),
        "normalize": normalize,
        "scale": draw(st.sampled_from([None, 0.5, 3.0])),
        "usage_decay": draw(st.sampled_from([None, 0.0, 0.5, 1.0])),
        "keys": draw(S.variants("keys", [0, 2])),
    }


def usage_spec(cfg: dict) -> tuple[TensorSpec, TensorSpec]:
    """``(content [dim], keys [dim] or [k, dim])``."""
    dim = cfg["dim"]
    return TensorSpec((dim,)), TensorSpec((cfg["keys"], dim) if cfg["keys"] else (dim,))


def build_usage(impl: Impl, cfg: dict, snapshot_only: bool = False) -> Any:
    kw = {k: cfg[k] for k in ("normalize", "scale", "usage_decay")}
    return impl.alf.MemoryWithUsage(cfg["dim"], cfg["size"], snapshot_only=snapshot_only, **kw)


# -- Memory --------------------------------------------------------------------------------
def base_configs() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"dim": st.integers(1, 3), "size": st.integers(1, 4)})


def build_base(impl: Impl, cfg: dict) -> Any:
    """The base is abstract: the entry checks its signature and its law ``memory_base``."""
    return impl.alf.Memory(cfg["dim"], cfg["size"], ())


_BAD = (
    BadConfig("zero slots", lambda impl: impl.alf.FIFOMemory(2, 0), ValueError, "size"),
    BadConfig("zero dim", lambda impl: impl.alf.MemoryWithUsage(0, 3), ValueError, "dim"),
    BadConfig(
        "usage_decay above 1",
        lambda impl: impl.alf.MemoryWithUsage(2, 3, usage_decay=1.5),
        ValueError,
        "usage_decay",
    ),
    BadConfig(
        "memory() before build",
        lambda impl: impl.alf.FIFOMemory(2, 3).memory(),
        ValueError,
        "build",
    ),
    BadConfig(
        "usage before build",
        lambda impl: impl.alf.MemoryWithUsage(2, 3).usage,
        ValueError,
        "build",
    ),
    BadConfig(
        "states of a snapshot memory",
        lambda impl: impl.alf.MemoryWithUsage(2, 3, snapshot_only=True).states,
        ValueError,
        "snapshot_only",
    ),
)

_DECAY = (
    "twinnet follows upstream ALF's code, not its docstring: usage_decay decays the content "
    "of the slots not written to, where the docstring says the usage decays "
    "(reference/alf/memory.py, MemoryWithUsage)"
)
_ABSTRACT = "the base is abstract (read and write are its subclasses'): nothing to {}"


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.Memory",
            AlfMemory(),
            base_configs,
            build_base,
            left_out={
                p: _ABSTRACT.format(verb)
                for p, verb in (
                    ("shape", "call"),
                    ("empty_batch", "call"),
                    ("parity", "compare"),
                    ("grad_parity", "compare"),
                    ("batch_invariance", "call"),
                    ("device", "call"),
                    ("recurrent_steps", "step"),
                    ("nan_isolation", "step"),
                    ("bad_input", "call"),
                    ("deepcopy", "call"),
                )
            },
            laws={"memory_base": models.MEMORY_BASE},
        ),
        Entry(
            "alf.FIFOMemory",
            AlfMemory(spec=fifo_spec, sequence=fifo_sequence),
            fifo_configs,
            build_fifo,
            bad_configs=_BAD,
            config_ranges={"dim": "positive", "size": "positive"},
            bench=cases.fifo_bench(),
            laws={"fifo_order": models.FIFO_ORDER},
        ),
        Entry(
            "alf.MemoryWithUsage",
            AlfMemory(spec=usage_spec, reads=True),
            usage_configs,
            build_usage,
            bad_configs=_BAD,
            config_ranges={
                "dim": "positive",
                "size": "positive",
                "normalize": "flag",
                "scale": "finite",
                "usage_decay": "unit",
            },
            bench=cases.usage_bench(),
            deviations=dict.fromkeys(("parity", "recurrent_steps", "least_used"), _DECAY),
            laws={
                "least_used": models.LEAST_USED,
                "read_weights": models.READ_WEIGHTS,
                "keyed_read": models.KEYED_READ,
                "snapshot_only": models.snapshot_only(build_usage),
            },
        ),
    ]
