"""half_precision (hardening): a function with a declared range keeps every output finite
and exactly inside ``[low, high]`` as float16 and bfloat16 hold it (``low`` rounded up,
``high`` rounded down to the dtype), at the kind's inputs, ``+-1e4``, ``+-30`` and 0, in the
reference and the candidate: half precision's rounding of an ``exp`` or a sum must not
leave the range. The spec documents do not ask for this; twinnet adds it."""

from __future__ import annotations

import torch

from properties.harness import Subject, spec_property
from properties.kinds.function import Function

EXTREME = 1e4


def _inside(bound: float, dtype: torch.dtype, up: bool) -> float:
    """The value of ``dtype`` nearest to ``bound`` on the inside of the range (``bound``
    itself where ``dtype`` holds it)."""
    t = torch.tensor(bound, dtype=dtype)
    if (float(t) < bound) if up else (float(t) > bound):
        t = torch.nextafter(t, torch.tensor(torch.inf if up else -torch.inf, dtype=dtype))
    return float(t)


@spec_property
def test_half_precision(subject: Subject, data) -> None:
    """Module doc."""
    case = subject.draw(data)
    kind = subject.kind
    assert isinstance(kind, Function) and kind.output_range is not None
    low, high = kind.output_range(case.cfg)
    for dtype in (torch.float16, torch.bfloat16):
        extra = torch.tensor([EXTREME, -EXTREME, 0.0, 30.0, -30.0], dtype=dtype)
        for impl in (subject.reference, subject.candidate):
            fn = subject.build(impl, case.cfg, dtype, seed=case.seed)
            x = subject.inputs(case, dtype)
            with torch.no_grad():
                for inp in (x, extra):
                    y = fn(inp).double()
                    what = f"{impl} in {dtype}"
                    assert bool(torch.isfinite(y).all()), f"{what}: non-finite output {y}"
                    lo = _inside(low, dtype, up=True)
                    assert bool((y >= lo).all()), f"{what}: {y.min().item()} < low {low}"
                    if high is not None:
                        hi = _inside(high, dtype, up=False)
                        assert bool((y <= hi).all()), f"{what}: {y.max().item()} > high {high}"
