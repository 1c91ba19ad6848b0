"""The suite must be able to fail: ``twinnet verify`` turns every planted defect's cells
to FAIL and exits 1.

Every module of ``tests/broken`` with an ``EXPECTED`` list of (entry, property) cells is
verified on exactly those entries and properties (profile ci); the runs are batched per
xdist worker in one process (``tests/verify_runs.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.verify_runs import Result, broken_candidates, runner

BROKEN = broken_candidates()


@pytest.fixture(scope="session")
def verify_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Result]:
    return runner(tmp_path_factory)


def test_every_broken_candidate_names_its_cells() -> None:
    assert len(BROKEN) >= 10, sorted(BROKEN)
    for module, cells in BROKEN.items():
        assert all(len(cell) == 2 for cell in cells), module


@pytest.mark.parametrize("module", sorted(BROKEN))
def test_broken_candidate_is_reported(module: str, verify_run: Callable[[str], Result]) -> None:
    result = verify_run(f"broken.{module}")
    assert result.matrix, f"verify of tests.broken.{module} wrote no matrix:\n{result.output}"
    for entry, prop in BROKEN[module]:
        outcome = result.outcome(entry, prop)
        assert outcome == "FAIL", (module, entry, prop, result.matrix["entries"])
        for failure in result.cell(entry, prop)["failures"]:
            assert failure["reason"] and failure["reproduce"], failure
    assert result.code == 1, f"verify exit code {result.code} for a broken candidate"
