"""The machine's practical peak: a dense float32 GEMM timed in the same run.

%peak of a case = its achieved FLOP/s / this GEMM's FLOP/s. 1024^3 reaches the practical
peak of a few CPU cores in tens of milliseconds; a GPU needs a larger problem.
"""

from __future__ import annotations

from typing import Any

import torch

from benchmarks.timing import Budget, time_it

GROUP = "gemm|peak"


def gemm_size(device: torch.device) -> int:
    return 4096 if device.type == "cuda" else 1024


def test_gemm_peak(benchmark: Any, bench_device: torch.device, budget: Budget) -> None:
    size = gemm_size(bench_device)
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(bench_device)
    b = torch.randn(size, size, generator=generator).to(bench_device)
    out = torch.empty(size, size, device=bench_device)
    benchmark.group = GROUP
    benchmark.extra_info.update(
        entry="gemm",
        label=f"{size}^3",
        mode="fwd",
        impl="gemm",
        batch=size,
        n=None,
        flops=2 * size**3,
    )
    time_it(
        benchmark,
        lambda: torch.mm(a, b, out=out),
        bench_device,
        Budget(
            max(budget.min_rounds, 5), budget.max_rounds, budget.max_time, budget.warmup_rounds + 1
        ),
    )
