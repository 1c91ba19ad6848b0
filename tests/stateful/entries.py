"""The toy's catalog entry (``--catalog-extra tests.stateful.entries``)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from properties.candidate import Impl
from properties.entry import Bench, BenchCase, Entry
from properties.kinds.alf_network import AlfNetwork
from reference.specs import TensorSpec


@st.composite
def trace_configs(draw: Any) -> dict:
    return {
        "input_size": draw(st.integers(1, 4)),
        "hidden_size": draw(st.integers(1, 5)),
        "decay": draw(st.sampled_from([0.0, 0.3, 0.9])),
    }


def build_trace(impl: Impl, cfg: dict) -> Any:
    return impl.toy.Trace(cfg["input_size"], cfg["hidden_size"], cfg["decay"])


def entries() -> list[Entry]:
    return [
        Entry(
            "toy.Trace",
            AlfNetwork(spec=lambda cfg: TensorSpec((cfg["input_size"],)), stateful=True),
            trace_configs,
            build_trace,
            left_out={
                "parallel": "the toy has no parallel form",
                "signature": "the toy is not in the spec documents",
            },
            examples=({"input_size": 3, "hidden_size": 4, "decay": 0.5},),
            bench=Bench((BenchCase("B=4", {"input_size": 3, "hidden_size": 4, "decay": 0.5}, 4),)),
            reference="tests.stateful.reference",
        )
    ]
