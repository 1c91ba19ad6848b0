"""Holding the C allocator still while timing, so that a call's time is its code's and not
the heap's luck.

torch's CPU tensors come from ``malloc``. glibc's default policy makes that a lottery at
large sizes: a block above the mmap threshold (dynamic, at most 32 MB) gets fresh pages from
the kernel on every call, and the heap top is given back to the kernel once more than the
trim threshold lies free there, so the next call faults its pages in again. On our VMs a
fault costs about 1 us; whether a case meets 40 faults per call or 7000 depends on the heap
state the cases before it left, not on its code (``alf.ImageEncodingNetwork B=1024,n=4``
took 10.3 or 17.9 ms per call from one process to the next, its faults 1037 or 7054).

*Held* (the default of every timing in twinnet): ``mallopt`` turns mmap off for new blocks
and raises the trim threshold to 2 GiB, so freed memory stays in the heap and a call that
runs again reuses its own pages (0 faults per call after warm-up on that case, 10.2-10.9
ms). While the heap's layout settles, a call now and then still takes a large block from
fresh pages (a 64 MB block: in 1-2 of the first 8 calls of some processes, none after).
Both implementations of a case run in the same process under the same policy, so their
ratio stays fair. What it hides: the faults a large allocation costs under glibc's
defaults, which a user's process does pay. ``default`` leaves the allocator alone for a run
that should show them. The state is process-wide and cannot be undone, so a run records the
state it actually timed under (:func:`state`), and ``compare`` refuses to compare runs
timed under different ones.
"""

from __future__ import annotations

import ctypes
import platform

HELD = "held"
DEFAULT = "default"
POLICIES = (HELD, DEFAULT)

# glibc's malloc.h parameter numbers
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_TRIM_THRESHOLD = 2**31 - 1  # the largest int mallopt takes: 2 GiB free at the top

_held = False


def _glibc() -> ctypes.CDLL | None:
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def hold_as(policy: str) -> str:
    """Put this process's allocator under ``policy`` (:data:`POLICIES`); return
    :func:`state`. ``held`` is idempotent; ``default`` changes nothing (a held process
    stays held)."""
    global _held
    if policy not in POLICIES:
        raise ValueError(f"expected an allocator policy in {POLICIES}, got {policy!r}")
    if policy == HELD and not _held:
        libc = _glibc()
        if libc is not None:
            trim = libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
            mmap = libc.mallopt(_M_MMAP_MAX, 0)
            _held = bool(trim and mmap)
    return state()


def state() -> str:
    """The allocator policy this process times under, for the run file: ``held`` where
    glibc took both settings, else ``default`` (other C libraries, or never held)."""
    return HELD if _held else DEFAULT
