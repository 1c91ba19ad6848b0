"""``recurrent_steps`` on a stateful network of our own (tests/stateful): the generic
property suite passes the fast candidate (a whole-sequence unroll as one masked matrix
product) and fails the candidate whose unroll ignores episode starts, on that cell and on
``nan_isolation`` (a state it never resets keeps its NaN) only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_suite(candidate: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "properties",
            "--catalog-extra",
            "tests.stateful.entries",
            "--impl",
            f"tests.stateful.{candidate}",
            "--entries",
            "toy.*",
            "--hypothesis-profile",
            "ci",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-rf",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize(("candidate", "code"), [("fast", 0), ("broken_reset", 1)])
def test_recurrent_steps_on_the_toy(candidate: str, code: int) -> None:
    proc = run_suite(candidate)
    assert proc.returncode == code, proc.stdout[-3000:] + proc.stderr[-2000:]
    failed = [line for line in proc.stdout.splitlines() if line.startswith("FAILED")]
    resets = ("test_recurrent_steps", "test_nan_isolation")
    assert all(any(test in line for test in resets) for line in failed), failed
    assert any("test_recurrent_steps" in line for line in failed) == bool(code), failed
