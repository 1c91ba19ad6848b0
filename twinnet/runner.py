"""In-process pytest runs for ``twinnet verify`` (benchmarks run without pytest:
``benchmarks.suite``).

The caller checks its arguments and builds the run's
:class:`~properties.selection.CellSelection` once (catalog, candidate, globs, device);
it reaches pytest as a plugin object, and ``properties/conftest.py`` uses it as it is.
Only pytest-xdist workers, separate processes, rebuild it: for them the selection also
goes out as the command-line options of ``properties/conftest.py`` (never through
environment variables). pytest's own terminal output is captured (and returned) so that
rich progress and tables own the screen.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from properties.selection import CellSelection, SelectionPlugin
from twinnet.matrix import Collector
from twinnet.progress import ProgressCallback, TestCounter

ROOT = Path(__file__).resolve().parent.parent
#: pytest exit codes that mean the run itself went wrong (interrupted, internal, usage error).
BROKEN_RUN = (
    int(pytest.ExitCode.INTERRUPTED),
    int(pytest.ExitCode.INTERNAL_ERROR),
    int(pytest.ExitCode.USAGE_ERROR),
)


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    output: str


# Set by pytest-xdist in its workers; an inner session that inherits them believes it is a
# worker too (pytest-benchmark then disables itself), so they are cleared for the run.
XDIST_VARIABLES = ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID")


@contextlib.contextmanager
def outside_xdist() -> Iterator[None]:
    saved = {k: os.environ.pop(k) for k in XDIST_VARIABLES if k in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _base_args() -> list[str]:
    args = ["--rootdir", str(ROOT), "-q", "--no-header", "--color=no", "-rfE"]
    config = ROOT / "pyproject.toml"
    return [*args, "-c", str(config)] if config.is_file() else args


def run_pytest(args: Sequence[str], plugins: Sequence[object]) -> Outcome:
    buffer = io.StringIO()
    with outside_xdist(), contextlib.redirect_stdout(buffer):
        code = pytest.main([*_base_args(), *args], plugins=list(plugins))
    return Outcome(int(code), buffer.getvalue())


@dataclass(frozen=True)
class VerifyOptions:
    """What ``twinnet verify`` runs: the candidate, the cells, and how examples are drawn
    (``seed`` None: the profile's own seeding)."""

    impl: str
    profile: str
    entries: str = "*"
    properties: str = "*"
    device: str | None = None
    seed: int | None = None
    catalog_extra: str = ""
    workers: str | None = None
    level: str = "all"

    def selection(self) -> CellSelection:
        """The selection of these options (the catalog built once, here)."""
        return CellSelection.build(
            self.impl, self.entries, self.properties, self.device, self.catalog_extra, self.level
        )


def verify_args(opts: VerifyOptions) -> list[str]:
    """pytest's arguments: how examples are drawn; the selection itself only for xdist
    workers (module doc)."""
    args = [str(ROOT / "properties"), "--hypothesis-profile", opts.profile]
    # Nothing is left in the user's folder: no pytest cache, no benchmark storage, the
    # hypothesis examples in a temporary folder (a failure reruns from its printed seed).
    args += ["-p", "no:cacheprovider", "-p", "no:benchmark", "--example-db", "temp"]
    if opts.seed is not None:
        args += ["--hypothesis-seed", str(opts.seed)]
    if opts.workers:
        args += ["-n", opts.workers, "--impl", opts.impl]
        args += ["--entries", opts.entries, "--properties", opts.properties]
        if opts.catalog_extra:
            args += ["--catalog-extra", opts.catalog_extra]
        if opts.device:
            args += ["--device", opts.device]
        args += ["--level", opts.level]
    return args


def run_verify(
    opts: VerifyOptions,
    collector: Collector,
    on_progress: ProgressCallback,
    selection: CellSelection | None = None,
) -> Outcome:
    """Run the property suite on ``selection`` (default: built from ``opts``) against
    ``opts.impl``; ``collector`` fills its matrix."""
    chosen = opts.selection() if selection is None else selection
    plugins = [SelectionPlugin(chosen), collector, TestCounter(on_progress)]
    return run_pytest(verify_args(opts), plugins)
