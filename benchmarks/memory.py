"""The memory one call of a workload needs: the peak of what it holds allocated above what
was allocated when it started, measured once per case and implementation, outside the
timed rounds (the timing never runs under a counter).

* CUDA: the caching allocator's own peak counter (``torch.cuda.reset_peak_memory_stats``,
  then ``max_memory_allocated`` minus ``memory_allocated`` before the call).
* CPU: torch keeps no peak counter. ``torch.profiler`` with ``profile_memory=True`` records
  every allocation and free of torch's CPU allocator as a ``[memory]`` event (its bytes,
  negative for a free, from every thread); the peak of their running sum in time order is
  the call's peak above its start. It counts what the allocator hands out: outputs, the
  temporaries inside a kernel, the activations autograd saves for backward, the gradients.
  A ``TorchDispatchMode`` tracking op outputs would miss the temporaries a kernel
  allocates inside itself, which are no op's output, and needs its own bookkeeping of
  storages; the profiler needs neither. The figure is the raw allocator events of the
  profile (``kineto_results``), not its per-op summary, which nets each op's allocations
  and frees and so hides a peak inside an op. It costs one more call of the step, profiled
  (the profiler's own overhead is small beside the call), plus about a second to start
  the profiler once per process: 5-7% of a quick ``bench`` run.

The call's result is held until the measurement ends, as a caller would hold it. Both
counts are deterministic for a given code path and thread count.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

#: How each device's figure is taken, for the run file.
METHODS = {
    "cuda": "torch.cuda max_memory_allocated of one call above its start",
    "cpu": "torch.profiler [memory] events of one call: peak of their running sum",
}


def peak_bytes(step: Callable[[], object], device: torch.device) -> int | None:
    """Peak bytes allocated by one call of ``step`` above those allocated at its start;
    None on a device neither counter covers."""
    if device.type == "cuda":
        return _cuda_peak(step, device)
    if device.type == "cpu":
        return _cpu_peak(step)
    return None


def _cuda_peak(step: Callable[[], object], device: torch.device) -> int:
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    start = torch.cuda.memory_allocated(device)
    result = step()
    torch.cuda.synchronize(device)
    peak = torch.cuda.max_memory_allocated(device) - start
    del result
    return max(0, peak)


@contextmanager
def _stderr_silenced() -> Iterator[None]:
    """File descriptor 2 on the null device: the profiler's C++ side writes its own lines
    there (its start and stop, a warning for each free of a block allocated before the
    profile began), which say nothing about the call; Python's stderr is flushed first."""
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(null)
        os.close(saved)


def _cpu_peak(step: Callable[[], object]) -> int:
    activities = [torch.profiler.ProfilerActivity.CPU]
    with _stderr_silenced():
        with torch.profiler.profile(activities=activities, profile_memory=True) as prof:
            result = step()
        del result
    events = prof.profiler.kineto_results.events() if prof.profiler else []
    changes = sorted((e.start_ns(), e.nbytes()) for e in events if e.name() == "[memory]")
    held = peak = 0
    for _, nbytes in changes:
        held += nbytes
        peak = max(peak, held)
    return peak
