"""The matrix products one call issues, replayed alone: the floor of an implementation's own
GEMM plan.

The run's GEMM roof (:mod:`benchmarks.roofline`) is one large square product. The products
a network issues are smaller or thinner and run well below it on a CPU (ten 256^3 products
in one ``bmm``: ~150-210 GFLOP/s on the 2-core VM whose roof is ~330). Replaying the call's
own products, with the same sizes, strides and scalars, random inputs and preallocated
outputs, times what its GEMMs cost at their shapes. The call cannot beat that time without
a different plan. The rest of its time is everything else: elementwise passes, copies,
allocation and dispatch.

Only the BLAS products the dispatcher shows are recorded (``mm``, ``addmm``, ``bmm``,
``baddbmm``). Convolutions and the GEMMs inside fused kernels (the LSTM and GRU cells) are
not, so for such calls the plan's time is a lower bound of their GEMM time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from benchmarks.workload import Workload

#: the matrix products recorded (aten overload packets by name)
PRODUCTS = ("mm", "addmm", "bmm", "baddbmm")


@dataclass(frozen=True)
class GemmPlan:
    """``step`` replays the ``count`` recorded products (``flops`` in all) once each."""

    step: Callable[[], object]
    count: int
    flops: int


class _Recorder(TorchDispatchMode):
    """Records each product's operator, its arguments' layout, and its result's shape."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, list[Any], dict[str, Any], torch.Size]] = []

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if func.overloadpacket.__name__ in PRODUCTS and "out" not in kwargs:
            layout = [_layout(a) for a in args]
            self.calls.append((func.overloadpacket, layout, dict(kwargs), result.shape))
        return result


def _layout(arg: Any) -> Any:
    if isinstance(arg, torch.Tensor):
        return (tuple(arg.shape), arg.stride(), arg.dtype, arg.device)
    return arg


def _tensor(shape: tuple[int, ...], stride: tuple[int, ...], dtype: Any, device: Any) -> Any:
    """A random tensor of this size and stride (an expanded stride-0 operand stays one)."""
    if 0 in shape:
        return torch.empty_strided(shape, stride, dtype=dtype, device=device)
    extent = 1 + sum((n - 1) * s for n, s in zip(shape, stride))
    return torch.randn(extent, dtype=dtype, device=device).as_strided(shape, stride)


def _flops(name: str, layout: list[Any]) -> int:
    """2 m n k per product (times the batch for ``bmm`` / ``baddbmm``)."""
    a, b = layout[-2][0], layout[-1][0]  # the two matrix operands come last
    batch = a[0] if name in ("bmm", "baddbmm") else 1
    return 2 * batch * a[-2] * a[-1] * b[-1]


def gemm_plan(work: Workload) -> GemmPlan | None:
    """The products of one ``work.step()``, ready to replay; None where none are visible
    (or a functorch transform refuses the recording mode)."""
    recorder = _Recorder()
    try:
        with recorder:
            work.step()
    except RuntimeError:
        return None
    if not recorder.calls:
        return None
    replays = []
    flops = 0
    for packet, layout, kwargs, shape in recorder.calls:
        args = [_tensor(*a) if isinstance(a, tuple) and len(a) == 4 else a for a in layout]
        like = next(a for a in args if isinstance(a, torch.Tensor))
        out = torch.empty(shape, dtype=like.dtype, device=like.device)
        replays.append((packet, args, {**kwargs, "out": out}))
        flops += _flops(packet.__name__, layout)

    def step() -> None:
        for packet, args, kwargs in replays:
            packet(*args, **kwargs)

    return GemmPlan(step, len(replays), flops)
