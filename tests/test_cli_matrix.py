"""The conformance matrix: cell outcomes from synthetic reports and from a real pytest run."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks.tables import matrix_table
from properties.conformance import FAIL, NOT_PROVIDED, PASS, SKIP, Collector, Matrix, record
from properties.verify_tags import ENTRY_KEY, PROPERTY_KEY


def report(
    entry: str, prop: str, outcome: str, when: str = "call", reason: str = ""
) -> pytest.TestReport:
    longrepr = ("f.py", 1, f"Skipped: {reason}") if outcome == "skipped" else None
    return pytest.TestReport(
        f"properties/test_x.py::test_{prop}[{entry}]",
        ("f.py", 1, ""),
        {},
        outcome,
        longrepr,
        when,
        user_properties=[(ENTRY_KEY, entry), (PROPERTY_KEY, prop)],
    )


def synthetic() -> Matrix:
    matrix = Matrix()
    for r in (
        report("alf.A", "parity", "passed"),
        report("alf.A", "parity", "failed"),  # float64 fails, float32 passed
        report("alf.A", "shape", "passed"),
        report("alf.A", "device", "skipped", "setup", "CUDA not available"),
        report("alf.B", "parity", "skipped", "setup", "not provided by mylib"),
        report("alf.B", "shape", "skipped", "call", "not provided by mylib"),
    ):
        record(matrix, r)
    return matrix


def test_cell_outcomes() -> None:
    matrix = synthetic()
    outcomes = {key: cell.outcome for key, cell in matrix.cells.items()}
    assert outcomes == {
        ("alf.A", "parity"): FAIL,
        ("alf.A", "shape"): PASS,
        ("alf.A", "device"): SKIP,
        ("alf.B", "parity"): NOT_PROVIDED,
        ("alf.B", "shape"): NOT_PROVIDED,
    }
    assert matrix.failed
    assert matrix.properties == ["shape", "parity", "device"]
    assert matrix.to_json()["entries"]["alf.B"] == {"shape": NOT_PROVIDED, "parity": NOT_PROVIDED}


def test_untagged_failure_fails_the_run() -> None:
    matrix = Matrix()
    record(
        matrix, pytest.TestReport("t.py::test_other", ("t.py", 1, ""), {}, "failed", None, "call")
    )
    assert matrix.failed and not matrix.cells


def test_matrix_rendering() -> None:
    console = Console(width=120, record=True)
    console.print(matrix_table(synthetic(), "conformance of mylib"))
    text = console.export_text()
    for word in ("alf.A", "alf.B", "FAIL", "pass", "skip", "n/p", "parity"):
        assert word in text


SUITE = """
import pytest

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("entry", ["alf.A", "alf.B"])
def test_parity(entry, dtype):
    if entry == "alf.B":
        pytest.skip("not provided by mylib")
    assert dtype == "float32"

@pytest.mark.parametrize("entry", ["alf.A"])
def test_shape(entry):
    pass

def test_helper_without_entry():
    pass
"""


def run_suite(tmp_path: Path, *extra: str) -> Matrix:
    (tmp_path / "test_suite.py").write_text(textwrap.dedent(SUITE))
    collector = Collector()
    pytest.main(
        [
            str(tmp_path),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "properties.verify_tags",
            "--rootdir",
            str(tmp_path),
            *extra,
        ],
        plugins=[collector],
    )
    return collector.matrix


def test_verify_plugin_on_a_real_run(tmp_path: Path) -> None:
    matrix = run_suite(tmp_path)
    assert matrix.cells["alf.A", "parity"].outcome == FAIL
    assert matrix.cells["alf.A", "parity"].passed == 1
    assert matrix.cells["alf.B", "parity"].outcome == NOT_PROVIDED
    assert matrix.cells["alf.A", "shape"].outcome == PASS
    assert not matrix.errors


@pytest.mark.slow
def test_verify_plugin_under_xdist(tmp_path: Path) -> None:
    matrix = run_suite(tmp_path, "-n", "2", "-p", "no:benchmark")
    assert matrix.cells["alf.A", "parity"].outcome == FAIL
    assert matrix.cells["alf.B", "parity"].outcome == NOT_PROVIDED
