"""The conformance matrix: entry x property -> pass / FAIL / skip / n/p.

:class:`Collector` is a pytest plugin object that reads the cell tags of
:mod:`properties.verify_tags` from every test report. A cell is FAIL when any of its
tests (any dtype, any device) failed, else pass when one passed, else n/p when a skip
said the candidate does "not provide" the name, else skip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from properties.entry import PROPERTY_IDS
from properties.verify_tags import ENTRY_KEY, PROPERTY_KEY

PASS, FAIL, SKIP, NOT_PROVIDED = "pass", "FAIL", "skip", "n/p"


@dataclass
class Cell:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    not_provided: int = 0
    reasons: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.failed:
            return FAIL
        if self.passed:
            return PASS
        if self.not_provided:
            return NOT_PROVIDED
        return SKIP


@dataclass
class Matrix:
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # failures outside any cell

    def cell(self, entry: str, prop: str) -> Cell:
        return self.cells.setdefault((entry, prop), Cell())

    @property
    def entries(self) -> list[str]:
        return list(dict.fromkeys(e for e, _ in self.cells))

    @property
    def properties(self) -> list[str]:
        seen = {p for _, p in self.cells}
        return [p for p in PROPERTY_IDS if p in seen] + sorted(seen - set(PROPERTY_IDS))

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(c.failed for c in self.cells.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "entries": {
                e: {p: self.cells[e, p].outcome for p in self.properties if (e, p) in self.cells}
                for e in self.entries
            },
            "counts": {f"{e}|{p}": vars(c) for (e, p), c in self.cells.items()},
            "errors": self.errors,
            "failed": self.failed,
        }


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return str(text).removeprefix("Skipped: ")


def record(matrix: Matrix, report: pytest.TestReport) -> None:
    """Add one test report (setup, call or teardown) to ``matrix``."""
    tags = dict(report.user_properties)
    if ENTRY_KEY not in tags:
        if report.failed:
            matrix.errors.append(report.nodeid)
        return
    cell = matrix.cell(str(tags[ENTRY_KEY]), str(tags[PROPERTY_KEY]))
    if report.failed:
        cell.failed += 1
    elif report.skipped:
        reason = skip_reason(report)
        if reason.startswith("not provided"):
            cell.not_provided += 1
        else:
            cell.skipped += 1
            cell.reasons.append(reason)
    elif report.when == "call":
        cell.passed += 1


class Collector:
    """pytest plugin object filling a :class:`Matrix` from the reports."""

    def __init__(self) -> None:
        self.matrix = Matrix()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.matrix.errors.append(f"collection error: {report.nodeid}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record(self.matrix, report)
