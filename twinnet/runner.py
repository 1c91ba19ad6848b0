"""In-process pytest runs for ``twinnet verify`` and ``twinnet bench``.

pytest's own terminal output is captured (and returned) so that rich progress and
tables own the screen; environment variables are set for the run and restored after.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.progress import ProgressCallback, TestCounter
from benchmarks.selection import Selection
from properties.conformance import Collector, Matrix

ROOT = Path(__file__).resolve().parent.parent
NO_TESTS = int(pytest.ExitCode.NO_TESTS_COLLECTED)


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    output: str


# Set by pytest-xdist in its workers; an inner session that inherits them believes it is a
# worker too (pytest-benchmark then disables itself), so they are cleared for the run.
XDIST_VARIABLES = ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID")


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in (*values, *XDIST_VARIABLES)}
    for key in XDIST_VARIABLES:
        os.environ.pop(key, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _base_args() -> list[str]:
    args = ["--rootdir", str(ROOT), "-q", "--no-header", "--color=no", "-rfE"]
    config = ROOT / "pyproject.toml"
    return [*args, "-c", str(config)] if config.is_file() else args


def run_pytest(
    args: Sequence[str], plugins: Sequence[object], env: Mapping[str, str] | None = None
) -> Outcome:
    buffer = io.StringIO()
    with environment(env or {}), contextlib.redirect_stdout(buffer):
        code = pytest.main([*_base_args(), *args], plugins=list(plugins))
    return Outcome(int(code), buffer.getvalue())


@dataclass(frozen=True)
class VerifyOptions:
    impl: str
    entries: str = "*"
    device: str | None = None
    profile: str | None = None
    junit: Path | None = None
    workers: str | None = None


def verify_args(opts: VerifyOptions) -> list[str]:
    args = [str(ROOT / "properties"), "-p", "properties.verify_tags"]
    if opts.device:
        args += ["--device", opts.device]
    if opts.profile:
        args += ["--hypothesis-profile", opts.profile]
    if opts.junit:
        args += ["--junitxml", str(opts.junit)]
    if opts.workers:
        args += ["-n", opts.workers]
    return args


def run_verify(opts: VerifyOptions, on_progress: ProgressCallback) -> tuple[Outcome, Matrix]:
    """Run the property suite against ``opts.impl``; the outcome and the matrix."""
    collector = Collector()
    env = {"TWINNET_IMPL": opts.impl, "TWINNET_ENTRIES": opts.entries}
    if opts.profile:
        env["TWINNET_HYPOTHESIS_PROFILE"] = opts.profile
    outcome = run_pytest(verify_args(opts), [collector, TestCounter(on_progress)], env)
    return outcome, collector.matrix


def bench_args(selection: Selection, device: str, json_path: Path) -> list[str]:
    args = [
        str(ROOT / "benchmarks"),
        "--benchmark-enable",
        "--benchmark-quiet",
        "--benchmark-json",
        str(json_path),
        "--bench-device",
        device,
        "--bench-entries",
        selection.entries,
        "--bench-impls",
        ",".join(selection.impls),
    ]
    if selection.quick:
        args.append("--bench-quick")
    if selection.compile:
        args.append("--bench-compile")
    return args


def run_bench(
    selection: Selection, device: str, json_path: Path, on_progress: ProgressCallback
) -> Outcome:
    """Run the benchmark suites; pytest-benchmark writes its JSON to ``json_path``."""
    return run_pytest(bench_args(selection, device, json_path), [TestCounter(on_progress)])
