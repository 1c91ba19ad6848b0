"""output_range: a function with a declared range keeps every output finite and within
``[low, high]`` (``ULPS`` units of roundoff allowed; ``high`` None: unbounded above) for any
input: the kind's inputs, drawn values up to +-1e4, and +-1e4 and 0 themselves, in the
reference and the candidate."""

from __future__ import annotations

import torch
from hypothesis import strategies as st

from properties.harness import Subject, spec_property
from properties.kinds.function import Function

EXTREME = 1e4
ULPS = 8


@spec_property
def test_output_range(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data)
    floats = st.floats(-EXTREME, EXTREME, width=32 if dtype == torch.float32 else 64)
    drawn = data.draw(st.lists(floats, min_size=1, max_size=16), label="x")
    kind = subject.kind
    assert isinstance(kind, Function) and kind.output_range is not None
    low, high = kind.output_range(case.cfg)
    eps = ULPS * torch.finfo(dtype).eps
    extra = torch.tensor([*drawn, EXTREME, -EXTREME, 0.0], dtype=dtype)
    for impl in (subject.reference, subject.candidate):
        fn = subject.build(impl, case.cfg, dtype, seed=case.seed)
        x = subject.inputs(case, dtype)
        with torch.no_grad():
            for inp in (x, extra, x * EXTREME):
                y = fn(inp)
                assert bool(torch.isfinite(y).all()), f"{impl}: non-finite output {y}"
                assert bool((y >= low * (1 - eps)).all()), f"{impl}: {y.min().item()} < low {low}"
                if high is not None:
                    assert bool((y <= high * (1 + eps)).all()), (
                        f"{impl}: {y.max().item()} > high {high}"
                    )
