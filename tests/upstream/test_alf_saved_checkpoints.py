"""A checkpoint saved by ALF's own ``state_dict`` (ALF's trainer: a tensor reached by
several paths saved once) loads strict into both packages, which then compute upstream's
outputs. Skipped where upstream ALF does not import."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from properties.candidate import Impl
from properties.catalog import catalog
from properties.compare import assert_expected, expect
from properties.harness import Subject
from properties.kinds.base import load_state, state_of

ENTRY = "alf.DisjointPolicyValueNetwork"


def test_an_alf_saved_ppg_checkpoint_loads_strict_and_computes_upstreams_outputs() -> None:
    try:
        from twinnet.upstream.alf import alf_state_dict
    except ImportError as error:
        pytest.skip(f"upstream alf does not import here: {error}")
    upstream = Impl("twinnet.upstream.alf")
    entry = catalog()[ENTRY]
    deduplicated: list[int] = []

    @settings(
        max_examples=4,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        subject = Subject(entry, "state_dict", upstream, Impl("reference"))
        case = subject.draw(data)
        source = subject.build(upstream, case.cfg, seed=case.seed, perturbed=True)
        checkpoint = alf_state_dict(source)
        deduplicated.append(len(state_of(source)) - len(checkpoint))
        x = subject.inputs(case)
        for impl in (Impl("reference"), Impl("optimized")):
            net = subject.build(impl, case.cfg, seed=case.seed + 1)
            load_state(net, checkpoint)  # strict=True

            def observed(module, x):
                with torch.no_grad():
                    return subject.observe(module, x, case)

            assert_expected(
                observed(net, x),
                expect(observed, (source, x), torch.float32),
                f"{impl.name} holding ALF's deduplicated checkpoint",
            )

    check()
    assert max(deduplicated) > 0, "ALF's state_dict saved every path: nothing was tested"
