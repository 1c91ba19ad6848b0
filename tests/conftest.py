"""Fixtures of the tooling tests."""

from __future__ import annotations

import pytest

from benchmarks import timing
from tests.virtual_clock import VirtualClock


@pytest.fixture(autouse=True)
def virtual_clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    """Every timing in a tooling test reads the virtual clock, whichever clock its budget
    names: a test's verdict never depends on the machine's load (the pin is
    ``test_bench_machinery.py::test_tooling_tests_never_read_a_real_clock``)."""
    clock = VirtualClock()
    monkeypatch.setattr(timing, "CLOCKS", dict.fromkeys(timing.CLOCKS, clock))
    return clock
