"""The matrix products and convolutions one call issues, replayed alone: the floor of an
implementation's own GEMM plan.

The run's GEMM roof (:mod:`benchmarks.roofline`) is one large square product. The products
a network issues are smaller or thinner and run well below it on a CPU (ten 256^3 products
in one ``bmm``: ~150-210 GFLOP/s on the 2-core VM whose roof is ~330). Replaying the call's
own products, with the same sizes, strides and scalars, random inputs and preallocated
outputs, times what its GEMMs cost at their shapes. The call cannot beat that time without
a different plan. The rest of its time is everything else: elementwise passes, copies,
allocation and dispatch.

The BLAS products the dispatcher shows (``mm``, ``addmm``, ``bmm``, ``baddbmm``, replayed
into preallocated outputs) and the convolutions with their backward (``convolution``,
``convolution_backward``, which allocate their results as in the call) are recorded. The
GEMMs inside fused kernels (the LSTM and GRU cells) are not, so for such calls the plan
covers a small share of the call and its ceiling says little.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from benchmarks.timing import count_flops
from benchmarks.workload import Workload

#: the matrix products recorded (aten overload packets by name), replayed with ``out=``
PRODUCTS = ("mm", "addmm", "bmm", "baddbmm")
#: the convolutions recorded, replayed as called
CONVOLUTIONS = ("convolution", "convolution_backward")


@dataclass(frozen=True)
class GemmPlan:
    """``step`` replays the ``count`` recorded calls once each (``flops``: as
    ``FlopCounterMode`` counts the replay, which counts a grouped convolution's weight
    gradient once per group too many: a plan's GFLOP/s is then overstated)."""

    step: Callable[[], object]
    count: int
    flops: int


class Recorder(TorchDispatchMode):
    """Counts every aten operator call (``ops``: each a kernel launch on a GPU, a dispatch on
    the CPU) and records each product's and convolution's operator, its arguments' layout,
    and (for a product) its result's shape."""

    def __init__(self) -> None:
        super().__init__()
        self.ops = 0
        self.calls: list[tuple[Any, list[Any], dict[str, Any], torch.Size | None]] = []

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        self.ops += 1
        name = func.overloadpacket.__name__
        if (name in PRODUCTS and "out" not in kwargs) or name in CONVOLUTIONS:
            layout = [_layout(a) for a in args]
            shape = result.shape if name in PRODUCTS else None
            self.calls.append((func.overloadpacket, layout, dict(kwargs), shape))
        return result


def record(work: Workload) -> Recorder | None:
    """One ``work.step()`` under a :class:`Recorder`; None where a functorch transform
    refuses the recording mode."""
    recorder = Recorder()
    try:
        with recorder:
            work.step()
    except RuntimeError:
        return None
    return recorder


@dataclass(frozen=True)
class Layout:
    """A tensor argument's size, stride, dtype and device."""

    shape: tuple[int, ...]
    stride: tuple[int, ...]
    dtype: torch.dtype
    device: torch.device

    def tensor(self) -> torch.Tensor:
        """A random tensor of this layout (an expanded stride-0 operand stays one)."""
        if 0 in self.shape:
            return torch.empty_strided(
                self.shape, self.stride, dtype=self.dtype, device=self.device
            )
        extent = 1 + sum((n - 1) * s for n, s in zip(self.shape, self.stride))
        base = torch.randn(extent, dtype=self.dtype, device=self.device)
        return base.as_strided(self.shape, self.stride)


def _layout(arg: Any) -> Any:
    if isinstance(arg, torch.Tensor):
        return Layout(tuple(arg.shape), arg.stride(), arg.dtype, arg.device)
    return arg


def gemm_plan(recorder: Recorder | None) -> GemmPlan | None:
    """The recorded products and convolutions, ready to replay; None where none were seen
    (or nothing was recorded)."""
    if recorder is None or not recorder.calls:
        return None
    replays = []
    for packet, layout, kwargs, shape in recorder.calls:
        args = [a.tensor() if isinstance(a, Layout) else a for a in layout]
        if shape is not None:  # a product: into a preallocated output
            like = next(a for a in args if isinstance(a, torch.Tensor))
            kwargs = {**kwargs, "out": torch.empty(shape, dtype=like.dtype, device=like.device)}
        replays.append((packet, args, kwargs))

    def step() -> None:
        for packet, args, kwargs in replays:
            packet(*args, **kwargs)

    return GemmPlan(step, len(replays), count_flops(step))
