"""Benchmark cases of ALF's memories: FIFOMemory's ``unroll`` over T=100 steps (the
transformer's memory size and width) against the reference's step loop, and one
MemoryWithUsage step (write, then read) at size 128, dim 64, B=64. A memory has no
parameters: forward only."""

from __future__ import annotations

from properties.entry import Bench, BenchCase, Target


def fifo_bench() -> Bench:
    """T=100 writes of one vector, size 32, dim 64, B=16, with and without resets."""
    base = {"dim": 64, "size": 32, "k": 0, "steps": 100}
    return Bench(
        tuple(
            BenchCase(
                "T=100,size=32,dim=64,B=16" + (",resets=10%" if rate else ""),
                {**base, "reset_rate": rate},
                16,
                modes=("fwd",),
                targets=(Target("fwd", 5.0),),
            )
            for rate in (0.0, 0.1)
        )
    )


def usage_bench() -> Bench:
    """One write and one single-key read, size 128, dim 64, B=64 (cosine similarity)."""
    cfg = {"dim": 64, "size": 128, "normalize": True, "scale": None, "usage_decay": None}
    return Bench(
        (
            BenchCase(
                "write+read,size=128,dim=64,B=64",
                {**cfg, "keys": 0},
                64,
                modes=("fwd",),
                targets=(Target("fwd", 2.0),),
            ),
            BenchCase(
                "write+read 4 keys,size=128,dim=64,B=64", {**cfg, "keys": 4}, 64, modes=("fwd",)
            ),
        )
    )
