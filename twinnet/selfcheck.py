"""``twinnet selfcheck``: prove, on this machine, that the regression check of ``twinnet
compare`` raises no false alarm and catches a real slowdown.

For each of ``pairs`` rounds, three quick runs back to back of the same cases (reference
and optimized), each timed in ``processes`` fresh processes (``twinnet.processes``) as a
saved run is:

1. *base* and 2. *again*: unchanged code. ``compare(base, again)`` must flag nothing.
3. *planted*: the label ``optimized`` times :mod:`twinnet.planted` instead, whose
   ``alf.EncodingNetwork`` runs its last layer twice. On the self-check's encoder (``L =
   round(1 / slowdown)`` equal 256-wide layers on a 256-wide input) that is a
   ``slowdown`` (default 25%) more work. ``compare(base, planted)`` must flag that entry's
   optimized rows, at least one of them, and nothing else.

The cases: the planted encoder at B=64 and B=256, and one case of each of a sample of the
catalog (controls that must stay unflagged: parallel, distribution, AMAGO, critic ensemble,
noisy, recurrent and Jacobian entries, among them the cases a whole-catalog compare of
unchanged code used to flag), forward and forward+backward.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from rich.console import Console
from rich.text import Text

from benchmarks import suite
from benchmarks.selection import Selection
from benchmarks.timing import Budget
from properties.catalog import CATALOG
from properties.entry import Bench, BenchCase, Entry
from reference.specs import TensorSpec
from twinnet.bench_tables import compare_view
from twinnet.compare import Comparison, compare
from twinnet.processes import BenchJob, run_processes
from twinnet.results import Run, parse_run

PLANTED_ENTRY = "alf.EncodingNetwork"
PLANTED_MODULE = "twinnet.planted"
WIDTH = 256
#: Control entries and the one case of each the self-check times.
CONTROLS = {
    "alf.ParallelEncodingNetwork": "B=64,n=4",
    "alf.NormalProjectionNetwork": "B=64",
    "amago.FFTstepEncoder": "B*L=256(B=32,L=8)",
    "alf.CriticNetwork": "B=1,n=2",
    "alf.NoisyFC": "64->64,B=64",
    "alf.GRUCell": "T=100,B=1",
    # the cases a whole-catalog compare used to flag between unchanged runs
    "alf.LSTMEncodingNetwork": "T=100,B=32,resets=10%",
    "alf.ReluMLP": "jac_diag 64-64-64-64 B=256",
}


@dataclass(frozen=True)
class SelfcheckOptions:
    pairs: int = 5
    slowdown: float = 0.25
    fail_above: float = 0.10
    device: str = "cpu"
    clock: str = "cpu"
    processes: int = 3


def layers_for(slowdown: float) -> int:
    """Equal layers such that one more is ``slowdown`` more work (1 to 20)."""
    return max(1, min(20, round(1 / slowdown))) if slowdown > 0 else 20


def selfcheck_catalog(slowdown: float) -> dict[str, Entry]:
    """The planted encoder with its two cases, and the control entries with one case each."""
    layers = layers_for(slowdown)
    cfg = {
        "input_tensor_spec": TensorSpec((WIDTH,)),
        "fc_layer_params": (WIDTH,) * layers,
        "activation": "relu_",
    }
    cases = tuple(BenchCase(f"B={b},L={layers}", cfg, b) for b in (64, 256))
    encoder = dataclasses.replace(CATALOG[PLANTED_ENTRY], bench=Bench(cases))
    out = {PLANTED_ENTRY: encoder}
    for name, label in CONTROLS.items():
        entry = CATALOG.get(name)
        cases = tuple(c for c in entry.bench.cases if c.label == label) if entry else ()
        if entry is not None and cases:
            out[name] = dataclasses.replace(entry, bench=Bench(cases))
    return out


@dataclass(frozen=True)
class PairResult:
    false_alarms: list[str]  # rows flagged between unchanged runs, or outside the plant
    caught: list[str]  # planted rows flagged
    planted_rows: int
    rows: int
    unchanged: Comparison
    planted: Comparison

    @property
    def detected(self) -> bool:
        return bool(self.caught)


def _flagged(comparison: Comparison) -> list[str]:
    return [" ".join(d.key) for d in comparison.slower]


def one_pair(opts: SelfcheckOptions, catalog: dict[str, Entry]) -> PairResult:
    selection = Selection(entries=",".join(catalog), impls=("reference", "optimized"), quick=True)
    planted_selection = dataclasses.replace(selection, optimized_module=PLANTED_MODULE)
    # more rounds than a quick run: the check is of the statistics, and needs their power
    budget = Budget(rounds=30, sample_time=0.015, clock=opts.clock)

    def timed(sel: Selection) -> Run:
        if opts.processes == 1:
            device = torch.device(opts.device)
            return parse_run(suite.run(sel, device, budget=budget, catalog=catalog))
        job = BenchJob(
            sel,
            opts.device,
            budget,
            threads=torch.get_num_threads(),
            catalog_function=(__name__, "selfcheck_catalog", (opts.slowdown,)),
        )
        return parse_run(run_processes(job, opts.processes, lambda done, total: None))

    base, again, planted = timed(selection), timed(selection), timed(planted_selection)
    unchanged = compare(base, again, opts.fail_above)
    with_plant = compare(base, planted, opts.fail_above)
    in_plant = [
        " ".join(d.key)
        for d in with_plant.deltas
        if d.key[0] == PLANTED_ENTRY and d.key[3] == "optimized"
    ]
    flagged = _flagged(with_plant)
    return PairResult(
        false_alarms=_flagged(unchanged) + [k for k in flagged if k not in in_plant],
        caught=[k for k in flagged if k in in_plant],
        planted_rows=len(in_plant),
        rows=len(unchanged.deltas),
        unchanged=unchanged,
        planted=with_plant,
    )


def run_selfcheck(opts: SelfcheckOptions, console: Console, verbose: bool = False) -> int:
    """Run the self-check, print each pair and the rates; 0 when every pair passed."""
    catalog = selfcheck_catalog(opts.slowdown)
    layers = layers_for(opts.slowdown)
    console.print(
        f"selfcheck ({opts.clock} clock, {torch.get_num_threads()} thread(s), "
        f"{opts.processes} process(es) per run): {opts.pairs} "
        "back-to-back pairs of quick runs of unchanged code, each "
        f"followed by a run with a {100 / layers:.0f}% slowdown planted in {PLANTED_ENTRY} "
        f"(its last of {layers} equal layers applied twice); threshold "
        f"{100 * opts.fail_above:g}%; entries: {', '.join(catalog)}",
        soft_wrap=True,
    )
    results = []
    for i in range(1, opts.pairs + 1):
        result = one_pair(opts, catalog)
        results.append(result)
        line = Text(f"pair {i}: ")
        style = "red" if result.false_alarms else "green"
        line.append(f"{len(result.false_alarms)} false alarm(s) in {result.rows} rows", style)
        line.append("; planted slowdown ")
        line.append(
            f"caught in {len(result.caught)} of {result.planted_rows} rows"
            if result.detected
            else "MISSED",
            style="green" if result.detected else "red",
        )
        console.print(line)
        for key in result.false_alarms:
            console.print(f"  false alarm: {key}", style="red", soft_wrap=True)
        if verbose:
            console.print(compare_view(result.unchanged, console))
            console.print(compare_view(result.planted, console))
    alarms = sum(bool(r.false_alarms) for r in results)
    caught = sum(r.detected for r in results)
    rows = sum(r.rows for r in results)
    alarm_rows = sum(len(r.false_alarms) for r in results)
    console.print(
        f"false-positive rate: {alarms}/{len(results)} pairs ({alarm_rows}/{rows} rows); "
        f"detection rate: {caught}/{len(results)} planted runs",
        style="bold green" if alarms == 0 and caught == len(results) else "bold red",
    )
    return 0 if alarms == 0 and caught == len(results) else 1
