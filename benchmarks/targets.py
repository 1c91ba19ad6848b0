"""The performance targets declared on the catalog's benchmark cases, measured interleaved,
with their rooflines.

    python -m benchmarks.targets [--clock wall|cpu] [--threads N] [--rounds R] [--only GLOBS]
        [--allocator held|default]

For each target: the speedup of ``optimized`` over its baseline (median of interleaved
rounds, 95% bootstrap interval), and what bounds the optimized call on this machine:
FLOPs and compulsory bytes per call (parameters, inputs, outputs), aten operator calls
per call (each a kernel launch on a GPU, a dispatch on the CPU), the achieved rate against
the same-run roofs (dense GEMM FLOP/s; bytes/s of a large copy, i.e. main memory, and of a
copy of the case's own working-set size, timed in the case's rounds, i.e. from whichever
cache holds it), and, for the distribution head, the time of its unavoidable random-number
draw. The speedup a target asks for is reachable only if ``baseline time / floor``
exceeds it, where the floor is the larger of ``FLOPs / GEMM rate`` and the working-set copy
(and the RNG draw).

The roof's GEMM is one large square product; a network's products are smaller and run
below it. So each call's own GEMMs and convolutions are also replayed alone, at their
shapes, strides and scalars (:mod:`benchmarks.gemm_plan`), interleaved with the rest:
``baseline time / the optimized plan's time`` is the most any implementation issuing those
calls can reach (printed where the plan is at least a quarter of the optimized call), and
the plan's share of the call says how much of it is GEMM or convolution.

Each target is declared on the benchmark case it measures (``BenchCase.targets``, in
``benchmarks/cases/``): the mode, the baseline (the reference, or a peer such as ``vmap``
or a bare ``nn.LSTM``), the speedup asked, and the random draw that bounds the call where
there is one; this module reads them from the catalog, so a new target is one declaration
there (``twinnet list -v`` shows each entry's case module).
"""

from __future__ import annotations

import argparse
import fnmatch
import statistics
from collections.abc import Mapping
from typing import Any

import torch

from benchmarks import allocator
from benchmarks.gemm_plan import Recorder, gemm_plan, record
from benchmarks.roofline import Roofs
from benchmarks.timing import Budget, Step, count_flops, interleave
from benchmarks.workload import Workload, workload
from properties.catalog import CATALOG
from properties.entry import BenchCase, Entry, Target
from twinnet import stats


def declared_targets(
    catalog: Mapping[str, Entry] = CATALOG,
) -> list[tuple[Entry, BenchCase, Target]]:
    """Every target declared on a benchmark case of the catalog (``BenchCase.targets``)."""
    return [
        (entry, case, target)
        for entry in catalog.values()
        for case in entry.bench.cases
        for target in case.targets
    ]


#: ``(entry, case label, mode, baseline, speedup asked)`` of every declared target.
TARGETS = tuple(
    (entry.name, case.label, t.mode, t.baseline, t.speedup) for entry, case, t in declared_targets()
)


def _ops(recorder: Recorder | None) -> int | None:
    return None if recorder is None else recorder.ops


def flops_of(work: Workload) -> int | None:
    try:
        return count_flops(work.step)
    except RuntimeError:  # FlopCounterMode's autograd hooks inside vmap(jacrev)
        return None


def rng_step(shape: tuple[int, ...]) -> Step:
    return lambda: torch.randn(shape)


def working_set_copy(nbytes: int) -> Step:
    """A float32 copy that reads ``nbytes / 2`` and writes ``nbytes / 2``: the bytes roof at
    the case's own working-set size (in cache where the case's bytes are, unlike the
    64 MiB copy of the run's roofs, which measures main memory)."""
    src = torch.ones(max(nbytes // 8, 1))
    dst = torch.empty_like(src)
    return lambda: dst.copy_(src)


def credited_flops(case: BenchCase, mode: str, work: Workload) -> int:
    """The FLOPs the case declares its math needs, where it does (fused RNN kernels are
    invisible to ``FlopCounterMode``), else those counted in the optimized call."""
    if case.flops is not None and mode in case.flops:
        return case.flops[mode]
    return count_flops(work.step)


def measure(
    clock: str, rounds: int, only: str = "*", policy: str = allocator.HELD
) -> list[dict[str, Any]]:
    device = torch.device("cpu")
    budget = Budget(rounds=rounds, sample_time=0.02, clock=clock, allocator=policy)
    roofs = Roofs(device, budget)
    roofs.round(3)
    out = []
    for entry, case, declared in declared_targets():
        entry_name, label = entry.name, case.label
        mode, baseline, target = declared.mode, declared.baseline, declared.speedup
        if not any(fnmatch.fnmatch(entry_name, glob) for glob in only.split(",")):
            continue
        works = {
            impl: workload(entry, case, impl, mode, device) for impl in ("optimized", baseline)
        }
        steps: dict[str, Step] = {impl: w.step for impl, w in works.items()}
        if declared.rng_draw is not None:
            steps["rng floor"] = rng_step(declared.rng_draw)
        steps["bytes floor"] = working_set_copy(works["optimized"].min_bytes)
        records = {impl: record(w) for impl, w in works.items()}
        plans = {impl: gemm_plan(r) for impl, r in records.items()}
        for impl, plan in plans.items():
            if plan is not None:
                steps[f"{impl} GEMMs"] = plan.step
        timings = interleave(steps, budget)
        roofs.round()
        opt, base = timings["optimized"].samples, timings[baseline].samples
        low, high = stats.ratio_interval(base, opt, paired=True)
        flops = credited_flops(case, mode, works["optimized"])
        gemm, copy = roofs.roofs
        bytes_floor = statistics.median(timings["bytes floor"].samples)
        floor = max(flops / gemm.rate, bytes_floor)
        if "rng floor" in timings:
            floor = max(floor, statistics.median(timings["rng floor"].samples))
        out.append(
            {
                "target": f"{entry_name} {label} {mode}: optimized vs {baseline}",
                "asked": target,
                "speedup": statistics.median(base) / statistics.median(opt),
                "interval": (low, high),
                "optimized_s": statistics.median(opt),
                "baseline_s": statistics.median(base),
                "flops": flops,
                "baseline_flops": flops_of(works[baseline]),
                "bytes": works["optimized"].min_bytes,
                "ops": _ops(records["optimized"]),
                "baseline_ops": _ops(records[baseline]),
                "gemm_rate": gemm.rate,
                "copy_rate": copy.rate,
                "working_set_rate": works["optimized"].min_bytes / bytes_floor,
                "floor_s": floor,
                "ceiling": statistics.median(base) / floor,
                "rng_s": statistics.median(timings["rng floor"].samples)
                if "rng floor" in timings
                else None,
                "plans": {
                    impl: (
                        plan.count,
                        plan.flops,
                        statistics.median(timings[f"{impl} GEMMs"].samples),
                    )
                    for impl, plan in plans.items()
                    if plan is not None
                },
            }
        )
    return out


def _m(flops: int | None) -> str:
    return "not countable" if flops is None else f"{flops / 1e6:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clock", default="wall", choices=("wall", "cpu"))
    parser.add_argument("--threads", type=int)
    parser.add_argument("--allocator", default=allocator.HELD, choices=allocator.POLICIES)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--only", default="*", help="glob(s) of the entries whose targets run, comma-separated"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"clock {args.clock}, {torch.get_num_threads()} thread(s), {args.rounds} rounds, "
        f"allocator {allocator.hold_as(args.allocator)}"
    )
    for r in measure(args.clock, args.rounds, args.only, args.allocator):
        low, high = r["interval"]
        print(
            f"{r['target']}\n"
            f"  speedup x{r['speedup']:.2f} [{low:.2f},{high:.2f}] (asked x{r['asked']:g}); "
            f"optimized {r['optimized_s'] * 1e6:.0f} us, baseline {r['baseline_s'] * 1e6:.0f} us\n"
            f"  per call: {r['flops'] / 1e6:.2f} MFLOP (baseline "
            f"{_m(r['baseline_flops'])}),"
            f" {r['bytes'] / 1e6:.2f} MB compulsory, {r['ops']} aten ops "
            f"(baseline {r['baseline_ops']})\n"
            f"  roofs: GEMM {r['gemm_rate'] / 1e9:.1f} GFLOP/s, copy {r['copy_rate'] / 1e9:.1f} "
            f"GB/s (main memory), {r['working_set_rate'] / 1e9:.1f} GB/s (a copy of this "
            f"working set); achieved {r['flops'] / r['optimized_s'] / 1e9:.1f} GFLOP/s, "
            f"{r['bytes'] / r['optimized_s'] / 1e9:.1f} GB/s"
            + (f"; RNG draw alone {r['rng_s'] * 1e6:.0f} us" if r["rng_s"] else "")
            + f"\n  floor {r['floor_s'] * 1e6:.0f} us: ceiling x{r['ceiling']:.2f} of the baseline"
            + _plans_line(r)
        )


#: A plan below this share of the optimized call leaves most of it unexplained (fused
#: kernels whose GEMMs the dispatcher does not show, elementwise work): no ceiling from it.
PLAN_SHARE = 0.25


def _plans_line(r: dict[str, Any]) -> str:
    """The GEMMs and convolutions of each call replayed alone (:mod:`benchmarks.gemm_plan`),
    and the speedup the optimized plan leaves room for, where it is most of the call."""
    plans = r["plans"]
    if not plans:
        return ""
    parts = []
    for impl, (count, flops, seconds) in plans.items():
        call = r["optimized_s"] if impl == "optimized" else r["baseline_s"]
        parts.append(
            f"{impl} {count} calls {seconds * 1e6:.0f} us ({seconds / call:.0%} of its "
            f"call, {flops / seconds / 1e9:.1f} GFLOP/s)"
        )
    line = "\n  GEMMs and convolutions alone, at the call's own shapes: " + "; ".join(parts)
    if "optimized" in plans and plans["optimized"][2] >= PLAN_SHARE * r["optimized_s"]:
        line += f": ceiling x{r['baseline_s'] / plans['optimized'][2]:.2f} with this plan"
    return line


if __name__ == "__main__":
    main()
