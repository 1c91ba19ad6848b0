"""``twinnet verify`` builds its selection (catalog with ``--catalog-extra``, candidate,
globs, device) once and hands it to pytest as a plugin object; ``bench`` and ``report``
honour ``--catalog-extra`` as ``verify`` does."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from twinnet.runner import ROOT

EXTRA = "tests.stateful.entries"

#: Runs ``twinnet verify`` in this process, counting catalog builds: every catalog module
#: added (``properties.catalog._add``, with the caches cleared) and every selection built.
COUNTING = """
import json, sys
import properties.catalog as catalog_module
import properties.selection as selection_module
from twinnet.cli import main

catalog_module.catalog.cache_clear()
catalog_module._project.cache_clear()
added, builds = [], []
real_add, real_build = catalog_module._add, selection_module.CellSelection.build.__func__

def counting_add(cat, name):
    added.append(name)
    return real_add(cat, name)

def counting_build(cls, *args, **kwargs):
    builds.append(repr(args))
    return real_build(cls, *args, **kwargs)

catalog_module._add = counting_add
selection_module.CellSelection.build = classmethod(counting_build)
code = main(sys.argv[1:])
print("COUNTS " + json.dumps({"code": code, "added": added, "builds": builds}))
"""


def verify_counting(tmp_path: Path, *extra: str) -> tuple[dict, dict]:
    out = tmp_path / "matrix.json"
    argv = ["verify", "--catalog-extra", EXTRA, "--entries", "toy.Trace,alf.EncodingNetwork"]
    argv += ["--properties", "shape", "--profile", "ci", "--json", str(out), *extra]
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(COUNTING), *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "COLUMNS": "120"},
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("COUNTS ")), None)
    assert line is not None, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(line.removeprefix("COUNTS ")), json.loads(out.read_text())


def check_built_once(counts: dict, matrix: dict) -> None:
    from properties.catalog import _modules

    assert counts["code"] == 0, counts
    assert len(counts["builds"]) == 1, counts["builds"]
    # every catalog module's entries() ran exactly once: one catalog, shared by pytest
    assert sorted(counts["added"]) == sorted([*_modules(), EXTRA])
    assert matrix["entries"]["toy.Trace"] == {"shape": "pass"}
    # the candidate lacks it: not provided, recorded as data by the plugin's selection
    assert matrix["entries"]["alf.EncodingNetwork"] == {"shape": "n/p"}


@pytest.mark.slow
def test_verify_builds_its_catalog_once(tmp_path: Path) -> None:
    check_built_once(*verify_counting(tmp_path, "--impl", "tests.stateful.fast"))


@pytest.mark.slow
def test_verify_builds_its_catalog_once_in_the_controller_under_xdist(tmp_path: Path) -> None:
    """xdist workers are processes of their own and rebuild the selection from the
    options; the controller builds it once, like a run without workers."""
    check_built_once(*verify_counting(tmp_path, "--impl", "tests.stateful.fast", "-n", "2"))


def twinnet(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "twinnet.cli", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "COLUMNS": "160"},
        check=False,
    )


@pytest.mark.slow
def test_bench_honours_catalog_extra(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    argv = ["bench", "--entries", "toy.Trace", "--impls", "reference", "--quick"]
    argv += ["--impl", "tests.stateful.fast", "--threads", "1", "--json", str(out)]
    refused = twinnet(*argv)
    assert refused.returncode == 2 and "no catalog entry matches 'toy.Trace'" in refused.stderr
    done = twinnet(*argv, "--catalog-extra", EXTRA)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    timed = json.loads(out.read_text())["benchmarks"]
    cases = [b for b in timed if b["group"].startswith("toy.Trace|")]
    assert {b["extra_info"]["impl"] for b in cases} == {"reference", "tests.stateful.fast"}


@pytest.mark.slow
def test_report_honours_catalog_extra(tmp_path: Path) -> None:
    out = tmp_path / "report"
    argv = ["report", "--entries", "toy.Trace", "--impl", "tests.stateful.fast"]
    argv += ["--threads", "1", "--out", str(out)]
    refused = twinnet(*argv)
    assert refused.returncode == 2 and "no catalog entry matches 'toy.Trace'" in refused.stderr
    done = twinnet(*argv, "--catalog-extra", EXTRA)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    conformance = results["conformance"]["entries"]
    assert set(conformance) == {"toy.Trace"}
    outcomes = set(conformance["toy.Trace"].values())
    assert "pass" in outcomes and outcomes <= {"pass", "skip"}, conformance
    assert {row["entry"] for row in results["benchmarks"]} == {"toy.Trace"}
