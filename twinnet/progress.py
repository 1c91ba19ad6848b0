"""A pytest plugin object that reports (done, total) tests as a run goes, for rich progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

ProgressCallback = Callable[[int, "int | None"], None]


class TestCounter:
    """Calls ``on_progress(done, total)`` after collection and after every test."""

    __test__ = False  # not a test class, whatever pytest's name patterns say

    def __init__(self, on_progress: ProgressCallback):
        self.total: int | None = None
        self.done = 0
        self._on_progress = on_progress

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        self._on_progress(self.done, self.total)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.total = len(ids)
        self._on_progress(self.done, self.total)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.done += 1
            self._on_progress(self.done, self.total)
