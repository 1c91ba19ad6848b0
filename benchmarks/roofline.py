"""The machine's practical roofs, measured in the same run as the cases.

* FLOP/s: a dense float32 GEMM (``1024^3`` on the CPU: tens of milliseconds on a few
  cores; ``4096^3`` on a GPU);
* bytes/s: a large float32 copy (``dst.copy_(src)``, 64 MiB on the CPU, far beyond the
  last-level cache; 1 GiB on a GPU), counted as one read plus one write.

Both are timed interleaved with each other, a few rounds before the first case, one round
after every few cases and a few rounds after the last, and the roof is the *best* round:
a loaded moment makes a round slower, never faster, so the best round is the one closest
to the machine's capability. A roof whose median round is much slower than its best is
*unstable* (the machine was loaded while it was measured); tables then say so beside any
fraction of it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from benchmarks.timing import Budget, Step, calibrate, sample

#: A roof whose median round is this much slower than its best round is unstable.
UNSTABLE_SPREAD = 0.25


@dataclass
class Roof:
    """One roof: the work one call does (FLOPs or bytes) and its rounds (seconds/call)."""

    name: str
    unit: str  # "FLOP" or "B"
    work: int
    label: str
    step: Step | None = None
    number: int = 1
    samples: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.samples)

    @property
    def rate(self) -> float:
        """Work per second of the best round."""
        return self.work / self.best

    @property
    def spread(self) -> float:
        """(median - best) / best of the rounds."""
        return statistics.median(self.samples) / self.best - 1.0

    @property
    def unstable(self) -> bool:
        return len(self.samples) < 2 or self.spread > UNSTABLE_SPREAD

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "work": self.work,
            "label": self.label,
            "number": self.number,
            "samples": list(self.samples),
            "best": self.best,
            "rate": self.rate,
            "spread": self.spread,
            "unstable": self.unstable,
        }


def gemm_roof(device: torch.device) -> Roof:
    size = 4096 if device.type == "cuda" else 1024
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(device)
    b = torch.randn(size, size, generator=generator).to(device)
    out = torch.empty(size, size, device=device)
    return Roof("gemm", "FLOP", 2 * size**3, f"{size}^3 float32", lambda: torch.mm(a, b, out=out))


def copy_roof(device: torch.device) -> Roof:
    numel = 2**28 if device.type == "cuda" else 2**24  # 1 GiB / 64 MiB of float32
    src = torch.ones(numel, device=device)
    dst = torch.empty_like(src)
    return Roof(
        "copy", "B", 2 * src.nbytes, f"{src.nbytes // 2**20} MiB float32", lambda: dst.copy_(src)
    )


class Roofs:
    """The GEMM and copy roofs of a run; :meth:`round` times one more interleaved round."""

    def __init__(self, device: torch.device, budget: Budget) -> None:
        self.roofs = [gemm_roof(device), copy_roof(device)]
        self.clock = budget.timer
        one_call = replace(budget, rounds=1, sample_time=0.0, case_time=None)
        for roof in self.roofs:
            assert roof.step is not None
            roof.number, _ = calibrate(roof.step, one_call)

    def round(self, count: int = 1) -> None:
        for _ in range(count):
            for roof in self.roofs:
                assert roof.step is not None
                roof.samples.append(sample(roof.step, roof.number, self.clock))

    def as_dict(self) -> dict[str, Any]:
        return {roof.name: roof.as_dict() for roof in self.roofs}
