"""The conformance matrix: every cell outcome from synthetic reports, its renderings and
files, and the Collector on a real pytest run (also under xdist)."""

from __future__ import annotations

import io
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from properties.conftest import ENTRY_KEY, PROPERTY_KEY
from properties.harness import (
    BLOCKED,
    NOT_PROVIDED,
    OUTCOME_KEY,
    SAME_AS_REFERENCE,
    TALLY_KEY,
    UNSUPPORTED,
)
from twinnet.explain import explanations
from twinnet.html import page
from twinnet.matrix import Collector, Matrix
from twinnet.matrix_files import junit_tree, matrix_json
from twinnet.repro import Reproduce
from twinnet.tables import matrix_view
from twinnet.verdict import verdict
from twinnet.xfails import Xfail, Xfails

REPRO = Reproduce("mylib", "dev", seed=1234)
CASE = {"config": "{'fc_layer_params': (3,)}", "batch": 4, "seed": 99}


def tally(examples: int = 6, unsupported: int = 0, **more: Any) -> dict[str, Any]:
    why = ["mylib declines the config: no conv"] if unsupported else []
    return {"examples": examples, "unsupported": unsupported, "why": why, "notes": [], **more}


def report(
    entry: str,
    prop: str,
    outcome: str,
    when: str = "call",
    reason: str = "",
    data: dict[str, Any] | None = None,
    test: str = "float32",
    recorded: str | None = None,
) -> pytest.TestReport:
    """A report as the suite makes it; ``recorded``: the skip outcome the harness records
    as data (the skip message alone decides nothing)."""
    longrepr: Any = None
    if outcome == "skipped":
        longrepr = ("f.py", 1, f"Skipped: {reason}")
    elif outcome == "failed":
        longrepr = f"E   {reason}\nfull pytest text"
    tags = [(ENTRY_KEY, entry), (PROPERTY_KEY, prop)]
    if data is not None:
        tags.append((TALLY_KEY, data))
    if recorded is not None:
        tags.append((OUTCOME_KEY, recorded))
    return pytest.TestReport(
        f"properties/test_{prop}.py::test_{prop}[{entry}-{test}]",
        ("f.py", 1, ""),
        {},
        outcome,
        longrepr,
        when,
        user_properties=tags,
    )


FAILED = tally(case=CASE, error="AssertionError: parity off by 1e-3")
REPORTS = [
    report("alf.A", "shape", "passed", data=tally()),
    report("alf.A", "shape", "passed", data=tally(), test="float64"),
    report("alf.A", "parity", "passed", data=tally()),
    report("alf.A", "parity", "failed", reason="AssertionError: off", data=FAILED, test="f64"),
    report("alf.A", "grad_parity", "failed", reason="AssertionError: grads", data=FAILED),
    report("alf.A", "batch_invariance", "passed", data=tally()),
    report("alf.A", "device", "skipped", "setup", "CUDA is not available"),
    report("alf.A", "state_dict", "skipped", "call", "blocked: layouts differ", recorded=BLOCKED),
    report("alf.A", "init", "passed", data=tally(6, 2)),
    report("alf.A", "init", "passed", "teardown", data=tally(6, 2)),
    report("alf.A", "bad_input", "passed", data=tally(6, 6)),
    report(
        "alf.A",
        "parallel",
        "skipped",
        "call",
        "unsupported: declined all",
        tally(40, 40, outcome=UNSUPPORTED),
    ),
    report(
        "alf.A",
        "signature",
        "failed",
        reason="AssertionError: x",
        data=tally(6, 3, case=CASE, error="AssertionError: x"),
    ),
    report(
        "alf.B",
        "parity",
        "skipped",
        "setup",
        "same as reference: mylib's alf.B is it",
        recorded=SAME_AS_REFERENCE,
    ),
    report(
        "alf.B",
        "shape",
        "skipped",
        "setup",
        "not provided: mylib has no alf.B",
        recorded=NOT_PROVIDED,
    ),
]
XFAILS = Xfails(
    (
        Xfail("alf.A", "grad_parity", "known: float32 accumulation order", 1),
        Xfail("alf.*", "batch_invariance", "listed, but passes", 2),
    ),
    "xfails.txt",
)


def test_outcomes_are_data_not_skip_message_prefixes() -> None:
    matrix = Matrix()
    matrix.record(report("alf.B", "init", "skipped", "setup", "not provided: nothing recorded"))
    matrix.record(report("alf.B", "shape", "skipped", "setup", "CUDA", recorded=NOT_PROVIDED))
    matrix.record(report("alf.B", "parity", "skipped", "call", "x", tally(outcome=BLOCKED)))
    assert {p: c.outcome for (_, p), c in matrix.cells.items()} == {
        "init": "skip",
        "shape": "n/p",
        "parity": "blocked",
    }


def synthetic() -> Matrix:
    matrix = Matrix(XFAILS)
    for r in REPORTS:
        matrix.record(r)
    return matrix


def test_every_outcome() -> None:
    matrix = synthetic()
    labels = {f"{e}::{p}": cell.label for (e, p), cell in matrix.cells.items()}
    assert labels == {
        "alf.A::shape": "pass",
        "alf.A::parity": "FAIL",
        "alf.A::grad_parity": "XFAIL",
        "alf.A::batch_invariance": "XPASS",
        "alf.A::device": "skip",
        "alf.A::state_dict": "blocked",
        "alf.A::init": "pass (2 unsup.)",
        "alf.A::bad_input": "unsupported (6)",
        "alf.A::parallel": "unsupported (40)",
        "alf.A::signature": "FAIL",  # unsupported examples never hide a failure
        "alf.B::parity": "same",
        "alf.B::shape": "n/p",
    }
    assert matrix.failed
    assert matrix.summary() == {
        "FAIL": 2,
        "XFAIL": 1,
        "XPASS": 1,
        "pass": 2,
        "unsupported": 2,
        "blocked": 1,
        "same": 1,
        "n/p": 1,
        "skip": 1,
    }
    assert matrix.properties[:3] == ["shape", "signature", "parity"]


def test_expected_failures_alone_do_not_fail_the_run() -> None:
    matrix = Matrix(Xfails((Xfail("alf.A", "parity", "known", 1),)))
    matrix.record(report("alf.A", "parity", "failed", reason="AssertionError: off", data=FAILED))
    matrix.record(report("alf.A", "shape", "passed", data=tally()))
    assert not matrix.failed


def test_untagged_failure_fails_the_run() -> None:
    matrix = Matrix()
    matrix.record(
        pytest.TestReport("t.py::test_other", ("t.py", 1, ""), {}, "failed", "E boom", "call")
    )
    assert matrix.failed and not matrix.cells
    assert "t.py::test_other" in matrix.errors[0]


def test_failure_rows_carry_reason_example_and_reproduction() -> None:
    data = matrix_json(synthetic(), REPRO)
    parity = next(c for c in data["cells"] if (c["entry"], c["property"]) == ("alf.A", "parity"))
    (failure,) = parity["failures"]
    assert failure["reason"] == "AssertionError: parity off by 1e-3"
    assert failure["example"] == CASE
    verify, pytest_line = failure["reproduce"]
    assert verify == (
        "twinnet verify --impl mylib --entries alf.A --properties parity --profile dev --seed 1234"
    )
    assert pytest_line.startswith("pytest '/")  # absolute: it runs from any folder
    assert "/properties/test_parity.py::test_parity[alf.A-f64]' " in pytest_line
    assert "--impl mylib --hypothesis-profile dev --hypothesis-seed 1234" in pytest_line
    grad = next(c for c in data["cells"] if c["property"] == "grad_parity")
    assert grad["xfail_reason"] == "known: float32 accumulation order"
    assert data["entries"]["alf.B"] == {"shape": "n/p", "parity": "same"}
    assert data["failed"] is True


def test_junit_has_one_case_per_cell_and_the_reasons() -> None:
    suite = junit_tree(synthetic(), REPRO).getroot()
    assert suite.get("tests") == "12" and suite.get("failures") == "2"
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    failure = cases["alf.A", "parity"].find("failure")
    assert failure is not None and failure.get("message") == "AssertionError: parity off by 1e-3"
    assert "example: " in (failure.text or "") and "twinnet verify" in (failure.text or "")
    xfail = cases["alf.A", "grad_parity"].find("skipped")
    assert xfail is not None and "float32 accumulation" in (xfail.get("message") or "")
    unsupported = cases["alf.A", "bad_input"].find("skipped")
    assert unsupported is not None and "declined all 6" in (unsupported.get("message") or "")
    ET.tostring(suite)  # serializable


def rendered(width: int, terminal: bool) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=terminal, color_system=None)
    console.print(matrix_view(synthetic(), "conformance of mylib", console))
    for line in explanations(synthetic(), REPRO):
        console.print(line, soft_wrap=True)
    return buffer.getvalue()


@pytest.mark.parametrize(("width", "terminal"), [(80, True), (80, False), (200, False)])
def test_terminal_output(width: int, terminal: bool) -> None:
    text = rendered(width, terminal)
    for word in ("alf.A", "alf.B", "FAIL", "XFAIL", "XPASS", "unsupported", "same", "n/p"):
        assert word in text
    assert "AssertionError: parity off by 1e-3" in text
    assert "twinnet verify --impl mylib --entries alf.A --properties parity" in text
    assert "example: config={'fc_layer_params': (3,)}, batch=4, seed=99" in text
    lines = text.splitlines()
    table = lines[: next(i for i, line in enumerate(lines) if line.startswith("FAIL "))]
    assert max(len(line) for line in table) <= width
    grid = any("batch_invariance" in line and "state_dict" in line for line in table)
    assert grid == (width >= 200)


# -- the Collector on a real run ---------------------------------------------------------
CONFTEST = f"""
import pytest

def pytest_itemcollected(item):
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "entry" in callspec.params:
        prop = item.originalname.removeprefix("test_")
        entry = callspec.params["entry"]
        item.user_properties += [({ENTRY_KEY!r}, entry), ({PROPERTY_KEY!r}, prop)]

@pytest.fixture
def tally(request):
    data = {{"examples": 0, "unsupported": 0, "why": [], "notes": []}}
    request.node.user_properties.append(({TALLY_KEY!r}, data))
    return data
"""

SUITE = """
import pytest

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("entry", ["alf.A", "alf.B"])
def test_parity(entry, dtype, tally):
    if entry == "alf.B":
        tally["outcome"] = "not provided"
        pytest.skip("not provided: mylib has no alf.B")
    tally["examples"] += 3
    if dtype == "float64":
        tally["case"] = {"config": "{}", "batch": 3, "seed": 7}
        tally["error"] = "AssertionError: off by one"
        assert False, "off by one"

@pytest.mark.parametrize("entry", ["alf.A"])
def test_shape(entry, tally):
    tally["examples"] += 4
    tally["unsupported"] += 4
    tally["why"].append("mylib declines the config")

@pytest.mark.parametrize("entry", ["alf.A"])
def test_init(entry, tally):
    tally["examples"] += 4
    tally["unsupported"] += 1

def test_helper_without_entry():
    pass
"""


def run_suite(tmp_path: Path, *extra: str) -> Matrix:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (tmp_path / "test_suite.py").write_text(textwrap.dedent(SUITE))
    collector = Collector()
    args = [str(tmp_path), "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), *extra]
    pytest.main(args, plugins=[collector])
    return collector.matrix


def check_real_run(matrix: Matrix) -> None:
    labels = {f"{e}::{p}": cell.label for (e, p), cell in matrix.cells.items()}
    assert labels == {
        "alf.A::parity": "FAIL",
        "alf.B::parity": "n/p",
        "alf.A::shape": "unsupported (4)",
        "alf.A::init": "pass (1 unsup.)",
    }
    (failure,) = matrix.cells["alf.A", "parity"].failures
    assert failure.reason == "AssertionError: off by one"
    assert failure.case == {"config": "{}", "batch": 3, "seed": 7}
    assert "off by one" in failure.details
    assert matrix.cells["alf.A", "parity"].examples == 6
    assert not matrix.errors


def test_collector_on_a_real_run(tmp_path: Path) -> None:
    check_real_run(run_suite(tmp_path))


@pytest.mark.slow
def test_collector_under_xdist(tmp_path: Path) -> None:
    check_real_run(run_suite(tmp_path, "-n", "2", "-p", "no:benchmark"))


def test_entries_in_catalog_order() -> None:
    matrix = Matrix(order=("alf.B", "alf.A"))
    for r in REPORTS:
        matrix.record(r)
    matrix.record(report("alf.C", "shape", "passed", data=tally()))
    assert matrix.entries == ["alf.B", "alf.A", "alf.C"]


def test_report_page_shows_outcomes_and_failure_reasons() -> None:
    matrix = synthetic()
    html = page(verdict(matrix, [], None, "mylib"), matrix, REPRO, None, [], {})
    for css in ('class="FAIL"', 'class="XFAIL"', 'class="XPASS"', 'class="np"', 'class="same"'):
        assert css in html
    assert "unsupported (6)" in html and "pass (2 unsup.)" in html
    assert "AssertionError: parity off by 1e-3" in html
    assert "twinnet verify --impl mylib --entries alf.A --properties parity" in html


def test_each_level_gets_its_verdict_line_and_the_failed_level_is_named() -> None:
    """Cells of conformance ids and of hardening ids (``properties.ids``) are summed per
    level; a FAIL in a hardening cell fails only the hardening line, and the verdict's
    headline names that level; JSON and JUnit carry each cell's level."""
    from twinnet.matrix import level_line, level_lines
    from twinnet.verdict import headline

    collector = Collector(Xfails((Xfail("alf.B", "parity", "known", 1),)))
    for r in (
        report("alf.A", "parity", "passed", data=tally()),
        report("alf.A", "signature", "passed", data=tally(extra=2)),
        report("alf.B", "parity", "failed", reason="AssertionError: off", data=FAILED),
        report("alf.A", "empty_batch", "passed", data=tally()),
        report("alf.B", "empty_batch", "failed", reason="RuntimeError: B = 0", data=FAILED),
        report("alf.C", "bad_input", "skipped", "setup", "n/p", recorded=NOT_PROVIDED),
    ):
        collector.pytest_runtest_logreport(r)
    matrix = collector.matrix
    assert matrix.levels() == {
        "conformance": {"XFAIL": 1, "pass": 2},
        "hardening": {"FAIL": 1, "pass": 1, "n/p": 1},
    }
    assert level_line("conformance", matrix.levels()["conformance"]) == (
        "conformance: 2/3 cells pass (1 XFAIL)"
    )
    assert level_lines(matrix) == (
        "conformance: 2/3 cells pass (1 XFAIL); hardening: 1 FAIL (1/2 cells pass) (1 n/p)"
    )
    assert matrix.cells["alf.A", "signature"].label == "pass (2 extra)"
    v = verdict(matrix, [], None, "mylib")
    assert v.failed_levels == ["hardening"]
    assert [c.level for c in v.failed] == ["hardening"]
    assert headline(v).startswith("FAIL: mylib: hardening failed: 1 of 6 cells")
    data = matrix_json(matrix, REPRO)
    assert data["verdict"] == level_lines(matrix)
    levels = {(c["entry"], c["property"]): c["level"] for c in data["cells"]}
    assert levels["alf.A", "signature"] == "conformance"
    assert levels["alf.B", "empty_batch"] == "hardening"
    assert [c["extra"] for c in data["cells"] if "extra" in c] == [2]
    cases = junit_tree(matrix, REPRO).getroot().iter("testcase")
    level_of_case = {
        (c.get("classname"), c.get("name")): c.find("properties/property[@name='level']")
        for c in cases
    }
    assert level_of_case["alf.B", "empty_batch"].get("value") == "hardening"  # type: ignore[union-attr]


def test_a_failure_shows_the_deviation_its_entry_declares() -> None:
    """A cell of an entry whose reference follows upstream's code over the spec's text
    (``Entry.deviations``) shows that note with its failure: terminal, JSON and HTML."""
    note = "follows upstream's code, not the text: a fresh sample is scored unclipped"
    data = tally(case=CASE, error="AssertionError: log-densities off", deviation=note)
    matrix = Matrix()
    matrix.record(
        report("amago.T", "dist_logprob", "failed", reason="AssertionError: x", data=data)
    )
    (failure,) = matrix.cells["amago.T", "dist_logprob"].failures
    assert failure.deviation == note
    text = "\n".join(line.plain for line in explanations(matrix, REPRO))
    assert f"note: {note}" in text
    assert matrix_json(matrix, REPRO)["cells"][0]["failures"][0]["deviation"] == note
    assert "note: follows upstream" in page(
        verdict(matrix, [], None, "mylib"), matrix, REPRO, None, [], {}
    )
