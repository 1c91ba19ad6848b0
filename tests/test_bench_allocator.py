"""The C allocator's policy while timing (:mod:`benchmarks.allocator`): held, a call that
frees and reallocates a large block reuses its pages (but for a call now and then while the
heap's layout settles); under glibc's defaults it faults them in afresh every call. Each
case runs in a fresh interpreter, since the policy is process-wide and cannot be undone."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

import pytest

from benchmarks import allocator
from benchmarks.timing import Budget, calibrate

PROBE = """
import json, resource, torch
from benchmarks.timing import Budget, interleave

def step():  # 64 MB: above glibc's largest mmap threshold, so mmap'd by default
    torch.ones(2**24).sum()

budget = Budget(rounds=2, sample_time=0.0, warmup=2, allocator={policy!r})
interleave({{"step": step}}, budget)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
from benchmarks import allocator
print(json.dumps({{"state": allocator.state(), "faults": faults}}))
"""

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")


def probe(policy: str) -> dict[str, float | str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(policy=policy)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@glibc
def test_a_held_allocator_reuses_the_pages_of_a_large_block() -> None:
    held, default = probe(allocator.HELD), probe(allocator.DEFAULT)
    assert held["state"] == "held" and default["state"] == "default"
    pages = 2**26 // 4096
    assert float(default["faults"]) > pages / 2, default  # every call maps it afresh
    # held, the block's pages are reused; while the heap's layout settles one call in a
    # few may still take the block from fresh pages (seen in 1-2 of the first 8 calls)
    assert float(held["faults"]) < pages / 4, held


def test_an_unknown_policy_is_refused_before_any_call() -> None:
    calls = []
    with pytest.raises(ValueError, match=r"allocator policy in \('held', 'default'\).*'arena'"):
        calibrate(lambda: calls.append(1), Budget(rounds=1, sample_time=0.0, allocator="arena"))
    assert calls == []
