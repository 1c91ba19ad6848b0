"""Real ``twinnet verify`` runs for the tooling tests, batched to keep them cheap.

A verify run in a fresh process pays ~5 s of start-up (torch, hypothesis, the catalog)
before it checks anything, and a run inside the test process would leave hypothesis's
global settings (profile, seed) changed for the tests that follow. So every run the tests
need is a :class:`Job`, and the jobs are split into one shard per pytest-xdist worker: the
first test that needs a job of a shard runs a subprocess (``python -m tests.verify_runs
DIR JOB...``) that verifies each job of the shard in turn, in-process, and writes
``DIR/<job>.json`` (the matrix) and ``DIR/<job>.result.json`` (exit code and output). A
file lock per shard makes the other workers wait for, then read, what that subprocess
wrote, so each job runs once per test session (also when several test modules ask).
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "broken"


@dataclass(frozen=True)
class Job:
    """One ``twinnet verify`` run: its arguments (``--json`` is added) and, if given, the
    text of an xfails file passed as ``--xfails``."""

    name: str
    argv: tuple[str, ...]
    xfails: str | None = None


@dataclass(frozen=True)
class Result:
    code: int
    output: str
    matrix: dict[str, Any] = field(default_factory=dict)

    def outcome(self, entry: str, prop: str) -> str | None:
        return self.matrix.get("entries", {}).get(entry, {}).get(prop)

    def cell(self, entry: str, prop: str) -> dict[str, Any]:
        cells = self.matrix.get("cells", [])
        found = [c for c in cells if (c["entry"], c["property"]) == (entry, prop)]
        assert found, f"no cell {entry}::{prop} in {sorted(self.matrix.get('entries', {}))}"
        return found[0]


def expected_cells(path: Path) -> list[tuple[str, str]] | None:
    """The ``EXPECTED`` list of a broken candidate module, read without importing it."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "EXPECTED" for t in targets):
                return [tuple(cell) for cell in ast.literal_eval(node.value)]
    return None


def broken_candidates() -> dict[str, list[tuple[str, str]]]:
    """Every module of ``tests/broken`` with an ``EXPECTED`` list -> its cells."""
    found = {}
    for path in sorted(BROKEN.glob("*.py")):
        cells = expected_cells(path) if not path.name.startswith("_") else None
        if cells:
            found[path.stem] = cells
    return found


def broken_job(module: str, cells: list[tuple[str, str]]) -> Job:
    """Verify ``tests.broken.<module>`` on exactly the entries and properties it names."""
    entries = ",".join(sorted({e for e, _ in cells}))
    props = ",".join(sorted({p for _, p in cells}))
    argv = ("--impl", f"tests.broken.{module}", "--entries", entries, "--properties", props)
    return Job(f"broken.{module}", (*argv, "--profile", "ci"))


PARTIAL_ENTRIES = (
    "alf.SimpleActionEncoder",
    "alf.EncodingNetwork",
    "alf.ParallelEncodingNetwork",
    "alf.ImageEncodingNetwork",
)
#: A candidate with some names, some configs and one reference object; a defect listed
#: in an xfails file beside a cell that passes.
CLI_JOBS = (
    Job(
        "partial",
        (
            "--impl",
            "tests.partial_candidate",
            "--entries",
            ",".join(PARTIAL_ENTRIES),
            "--properties",
            "shape,parity",
            "--profile",
            "ci",
        ),
    ),
    Job(
        "xfails",
        (
            "--impl",
            "tests.broken.relative_error",
            "--entries",
            "alf.EncodingNetwork",
            "--properties",
            "parity,shape",
            "--profile",
            "ci",
        ),
        xfails="# relative_error scales outputs by (1 + 1e-3)\n"
        "alf.Encoding*::parity  # outputs off by a relative 1e-3\n"
        "alf.EncodingNetwork::shape  # listed, but shapes are right\n",
    ),
    # extra keyword options with defaults pass signature; --level drops hardening ids
    Job(
        "extra_option",
        (
            "--impl",
            "tests.candidates.extra_option",
            "--entries",
            "alf.NormalProjectionNetwork",
            "--properties",
            "signature,bad_input",
            "--level",
            "conformance",
            "--profile",
            "ci",
        ),
    ),
    # noise drawn from another stream (order, dtype) than the reference's: compared by law
    Job(
        "other_stream",
        ("--impl", "tests.candidates.other_stream", "--entries", "alf.NoisyFC", "--profile", "ci"),
    ),
    # a client without state_spec: one api cell says so, the other cells run
    Job(
        "no_state_spec",
        (
            "--impl",
            "tests.candidates.no_state_spec",
            "--entries",
            "alf.EncodingNetwork",
            "--profile",
            "ci",
        ),
    ),
    # a bad config raising the wrong error: the failure says what was expected
    Job(
        "unclear_config_error",
        (
            "--impl",
            "tests.candidates.unclear_config_error",
            "--entries",
            "alf.LSTMCell",
            "--properties",
            "bad_input",
            "--profile",
            "ci",
        ),
    ),
)


def jobs() -> dict[str, Job]:
    found = [broken_job(m, cells) for m, cells in broken_candidates().items()]
    return {job.name: job for job in [*found, *CLI_JOBS]}


# -- the driver (runs in the subprocess) ------------------------------------------------
def run_job(job: Job, out: Path) -> None:
    """Run one job in this process; write its matrix and its result."""
    from twinnet.cli import main

    argv = ["verify", *job.argv, "--json", str(out / f"{job.name}.json")]
    if job.xfails is not None:
        xfails = out / f"{job.name}.xfails"
        xfails.write_text(job.xfails)
        argv += ["--xfails", str(xfails)]
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            code = main(argv)
        except BaseException as error:  # a crash is a result the test reports
            code, buffer = -1, io.StringIO(f"{buffer.getvalue()}\n{type(error).__name__}: {error}")
    result = {"code": code, "output": buffer.getvalue()}
    (out / f"{job.name}.result.json").write_text(json.dumps(result))


def load_result(out: Path, name: str) -> Result:
    result_file = out / f"{name}.result.json"
    assert result_file.is_file(), f"the driver wrote no result for {name} in {out}"
    result = json.loads(result_file.read_text())
    matrix_file = out / f"{name}.json"
    matrix = json.loads(matrix_file.read_text()) if matrix_file.is_file() else {}
    return Result(result["code"], result["output"], matrix)


# -- the fixture (runs in the test processes) ----------------------------------------------
@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shards(names: list[str], count: int) -> list[list[str]]:
    ordered = sorted(names)
    return [ordered[i::count] for i in range(count)]


def runner(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Result]:
    """``run(job name)``: the job's :class:`Result` (module doc); for a session fixture."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    base = tmp_path_factory.getbasetemp()
    out = base.parent / f"verify-runs-{run_id}" if run_id else base / "verify-runs"
    out.mkdir(exist_ok=True)
    all_jobs = jobs()
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    groups = shards(list(all_jobs), count)
    path = os.environ.get("PYTHONPATH", "")

    def result(name: str) -> Result:
        index = next(i for i, group in enumerate(groups) if name in group)
        with locked(out / f"shard{index}.lock"):
            if not (out / f"shard{index}.done").exists():
                subprocess.run(
                    [sys.executable, "-m", "tests.verify_runs", str(out), *groups[index]],
                    cwd=ROOT,
                    env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), path])},
                    timeout=1800,
                    check=False,
                )
                (out / f"shard{index}.done").touch()
        return load_result(out, name)

    return result


if __name__ == "__main__":
    target, names = Path(sys.argv[1]), sys.argv[2:]
    known = jobs()
    for job_name in names:
        run_job(known[job_name], target)
