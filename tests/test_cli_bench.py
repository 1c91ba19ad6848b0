"""Benchmark selection, workloads (the kind's timed step, a candidate module), and a small
end-to-end ``twinnet bench`` run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from benchmarks.selection import QUICK_MAX_ROWS, Selection, peer_names, rows
from benchmarks.timing import count_flops
from benchmarks.workload import NotApplicable, timed_in_parallel, workload
from properties.catalog import CATALOG
from twinnet.cli import main

CPU = torch.device("cpu")
CANDIDATE = "tests.partial_candidate"


def test_quick_selection_drops_the_largest_cases_and_compile() -> None:
    full = list(Selection().cases())
    quick = list(Selection(quick=True).cases())
    assert any(rows(case) > QUICK_MAX_ROWS for _, case, _, _ in full)
    assert all(rows(case) <= QUICK_MAX_ROWS for _, case, _, _ in quick)
    left_out = {(e.name, c.label) for e, c, _, _ in full if not c.quick}
    assert left_out and not left_out & {(e.name, c.label) for e, c, _, _ in quick}
    assert {impl for *_, impl in quick} == {"reference", "optimized", "vmap", *peer_names()}
    assert "compile" in {impl for *_, impl in Selection(quick=True, compile=True).cases()}


def test_a_candidate_module_is_timed_beside_the_others() -> None:
    selection = Selection(entries="alf.EncodingNetwork", candidate=CANDIDATE, quick=True)
    impls = [impl for *_, impl in selection.cases()]
    assert set(impls) == {"reference", "optimized", CANDIDATE}
    entry = CATALOG["alf.EncodingNetwork"]
    assert selection.implementations(entry)[:3] == ["reference", "optimized", CANDIDATE]


def test_vmap_only_for_parallel_cases() -> None:
    for entry, case, _, impl in Selection(impls=("vmap",)).cases():
        assert impl == "vmap" and timed_in_parallel(entry, case)


@pytest.mark.parametrize("impl", ["reference", "optimized", "vmap"])
def test_workload_runs_and_counts_flops(impl: str) -> None:
    entry = CATALOG["alf.ParallelEncodingNetwork"]
    case = next(c for c in entry.bench.cases if c.label == "B=64,n=4")
    grads = workload(entry, case, impl, "fwd+bwd", CPU).step()
    assert all(torch.isfinite(g).all() for g in grads)  # type: ignore[attr-defined]
    fwd = workload(entry, case, impl, "fwd", CPU).step
    # two layers: 32->256->256, 4 replicas, batch 64, 2 FLOPs per multiply-add
    assert count_flops(fwd) == 2 * 64 * 4 * (32 * 256 + 256 * 256)


def test_names_and_configs_a_candidate_lacks_are_not_applicable() -> None:
    entry = CATALOG["alf.EncodingNetwork"]
    with pytest.raises(NotApplicable, match="not provided"):
        workload(entry, entry.bench.cases[0], "json", "fwd", CPU)
    image = CATALOG["alf.ImageEncodingNetwork"]
    with pytest.raises(NotApplicable, match="declines the config"):
        workload(image, image.bench.cases[0], CANDIDATE, "fwd", CPU)
    out = workload(entry, entry.bench.cases[1], CANDIDATE, "fwd", CPU).step()
    assert isinstance(out, torch.Tensor) and out.shape == (64, 256)


@pytest.mark.slow
def test_bench_smoke(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``twinnet bench`` end to end, in this process, so that it times on the virtual clock
    of ``tests/conftest.py``: the assertions are about the run file and the table, never
    about how fast anything was."""
    out = tmp_path / "run.json"
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)
    threads = torch.get_num_threads()
    try:
        code = main(
            [
                "bench",
                "--entries",
                "alf.EncodingNetwork",
                "--quick",
                "--impls",
                "reference",
                "--impl",
                CANDIDATE,
                "--json",
                str(out),
                "--clock",
                "cpu",
                "--threads",
                "1",
                "--recommend",
            ]
        )
    finally:
        torch.set_num_threads(threads)
    captured = capsys.readouterr()
    done = SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(out.read_text())
    groups = {b["group"] for b in data["benchmarks"]}
    assert {"roofline|gemm", "roofline|copy", "alf.EncodingNetwork|B=64|fwd+bwd"} <= groups
    impls = {b["extra_info"]["impl"] for b in data["benchmarks"]}
    assert impls == {"gemm", "copy", "reference", CANDIDATE}
    assert data["machine_info"]["torch"] == torch.__version__
    assert data["twinnet"]["clock"] == "cpu" and data["twinnet"]["threads"] == 1
    # the memory one call needs, per implementation, in the run and in the recommendation
    assert data["twinnet"]["memory"].startswith("torch.profiler")
    peaks = {
        (b["group"], b["extra_info"]["impl"]): b["extra_info"]["peak_bytes"]
        for b in data["benchmarks"]
        if not b["group"].startswith("roofline|")
    }
    assert all(p > 0 for p in peaks.values()), peaks
    recommended = data["recommendations"]
    assert {r["entry"] for r in recommended} == {"alf.EncodingNetwork"}
    for r in recommended:
        group = f"{r['entry']}|{r['label']}|{r['mode']}"
        assert r["memory_bytes"] == {
            impl: peaks[(group, impl)] for impl in ("reference", CANDIDATE)
        }, r
    assert "which implementation to choose" in done.stdout and "MiB" in done.stdout
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80  # piped: fits, whichever layout fits
    assert "\x1b[" not in done.stdout
    # the largest case is shown, as a grid row or a compact heading (the layout depends on
    # the widths of the cells, e.g. an unstable or above-roof mark)
    assert re.search(r"alf\.EncodingNetwork\s+B=1024\s+fwd\+bwd", done.stdout)
    assert "tests.partial_cand" in done.stdout  # the impl column (cut with an ellipsis)
    assert (
        "interleaved rounds" in done.stdout and "roofs (best of interleaved rounds)" in done.stdout
    )


def test_timed_cases_run_their_operation_and_modes() -> None:
    """The kind's ``timed`` decides what a case times (a flow's inverse, its forward +
    log-det), and ``BenchCase.modes`` which modes run; the optimized flow maps and takes the
    log-det with one pass of its scale networks, the reference with two (counted, not
    timed)."""
    entry = CATALOG["alf.RealNVPNetwork"]
    inverse = next(c for c in entry.bench.cases if c.cfg["op"] == "inverse")
    x = workload(entry, inverse, "optimized", "fwd", CPU).step()
    assert isinstance(x, torch.Tensor) and x.shape == (inverse.batch, 16)
    logdet = next(c for c in entry.bench.cases if c.cfg["op"] == "fwd_logdet")
    flops = {
        impl: count_flops(workload(entry, logdet, impl, "fwd", CPU).step)
        for impl in ("reference", "optimized")
    }
    assert flops["reference"] == 2 * flops["optimized"] > 0
    for e, case, mode, _ in Selection().cases():
        assert mode in case.modes, (e.name, case.label, mode)


def test_declared_flops_are_what_the_optimized_code_counts() -> None:
    """A case's declared FLOPs (the work the math needs, credited to every implementation)
    equal what FlopCounterMode counts for the optimized implementation's forward, or where
    its kernel is invisible to FlopCounterMode (oneDNN's fused LSTM counts 0, so an
    optimized fc + LSTM network counts its fc layers only), for the reference's."""
    declared = [(e, c) for e in CATALOG.values() for c in e.bench.cases if c.flops is not None]
    assert declared
    for entry, case in declared:
        counted = count_flops(workload(entry, case, "optimized", "fwd", CPU).step)
        if counted != case.flops["fwd"]:
            assert counted < case.flops["fwd"], (entry.name, case.label, counted)
            counted = count_flops(workload(entry, case, "reference", "fwd", CPU).step)
        assert counted == case.flops["fwd"], (entry.name, case.label, counted)


@pytest.mark.parametrize(
    ("argv", "timed"),
    [
        ([], False),  # the default list names compile, but a quick run leaves it out
        (["--impls", "reference,compile"], True),  # named: the user asked for it
        (["--compile"], True),
    ],
)
def test_a_quick_run_times_compile_when_asked_for(
    argv: list[str], timed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from twinnet import commands

    seen: list[Selection] = []

    def no_run(selection: Selection, *args: object, **kwargs: object) -> dict:
        seen.append(selection)
        raise SystemExit(0)

    monkeypatch.setattr(commands.suite, "run", no_run)
    with pytest.raises(SystemExit):
        main(["bench", "--quick", "--entries", "alf.EncodingNetwork", *argv])
    (selection,) = seen
    assert ("compile" in {impl for *_, impl in selection.cases()}) is timed
