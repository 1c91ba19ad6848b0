"""The ``twinnet`` commands: what each subcommand does once its arguments are parsed.

Kept apart from :mod:`twinnet.cli` so that ``twinnet --help`` and argument errors answer
without importing torch and the catalog (they load only when a command runs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from hypothesis import settings
from hypothesis.errors import InvalidArgument
from rich.console import Console

from benchmarks import suite
from benchmarks.selection import Selection, match_entries, parse_impls
from benchmarks.timing import Budget
from properties.candidate import CandidateImportError, Impl, importable
from properties.catalog import catalog, parse_modules
from properties.entry import Entry
from properties.selection import CellSelection
from twinnet import tables
from twinnet.bench_tables import bench_view, compare_view
from twinnet.cli import DEFAULT_IMPLS
from twinnet.compare import CompareError, compare, parse_percent
from twinnet.explain import print_explanations
from twinnet.listing import catalog_rows
from twinnet.matrix import FAIL, Collector, level_line
from twinnet.matrix_files import write_json, write_junit
from twinnet.processes import BenchJob, run_processes
from twinnet.recommend import recommend, recommend_table
from twinnet.report import ReportOptions, build_report
from twinnet.repro import Reproduce
from twinnet.results import RunError, load_run, parse_run, rows
from twinnet.runner import BROKEN_RUN, VerifyOptions, run_verify
from twinnet.selfcheck import SelfcheckOptions, run_selfcheck
from twinnet.ui import progress_bar
from twinnet.xfails import Xfails, XfailsError, load_xfails

SAVE_DIR = Path(".benchmarks")

#: Entries shown in full by ``twinnet list`` without ``-v``.
DETAILED_UP_TO = 3


class UsageError(Exception):
    """A bad argument, unknown entry or missing file: one line on stderr, exit 2."""


def catalog_or_fail(extra: str) -> dict[str, Entry]:
    try:
        return catalog(parse_modules(extra))
    except ImportError as error:
        raise UsageError(f"--catalog-extra: cannot import {extra!r}: {error}") from error


def entries_or_fail(pattern: str, cat: Mapping[str, Entry]) -> list[str]:
    names = match_entries(pattern, cat)
    if not names:
        raise UsageError(f"no catalog entry matches {pattern!r} (see `twinnet list`)")
    return names


def properties_or_fail(pattern: str, known: Sequence[str]) -> None:
    for glob in (g.strip() for g in pattern.split(",") if g.strip()):
        if not match_entries(glob, known):
            raise UsageError(f"no property id matches {glob!r}; known ids: {', '.join(known)}")


def importable_or_fail(module: str) -> None:
    error = importable(module)
    if error is None:
        return
    hint = ""
    if error.startswith("ModuleNotFoundError") and module.split(".")[0] in error:
        hint = " (put its folder on PYTHONPATH, e.g. PYTHONPATH=., or install it)"
    raise UsageError(f"cannot import the candidate module {module!r}: {error}{hint}")


def provides_some_or_fail(impl: Impl, names: Sequence[str]) -> None:
    """A candidate must provide at least one selected name (else nothing is verified).
    Every selected name is looked up, so that a submodule raising while importing is
    reported here, in one line (:class:`CandidateImportError`), before any run."""
    module = impl.name
    if not [name for name in names if impl.provides(name)]:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        raise UsageError(
            f"{module} provides none of the selected entries ({shown}); a candidate exposes "
            f"them by their inventory names, e.g. {module}.{names[0]} (see README, "
            "'Writing a candidate')"
        )


def profile_or_fail(name: str) -> bool:
    """Whether hypothesis profile ``name`` is derandomized (fixed examples without a seed)."""
    import properties.conftest  # noqa: F401  (registers the profiles)

    try:
        return bool(settings.get_profile(name).derandomize)
    except InvalidArgument as error:
        known = "quick, ci, dev or thorough"
        raise UsageError(f"unknown hypothesis profile {name!r} ({known})") from error


def saved_run_path(name: str) -> Path:
    """A JSON path as given, or a name saved by ``twinnet bench --save``."""
    path = Path(name)
    if path.is_file():
        return path
    saved = SAVE_DIR / f"{name}.json"
    if saved.is_file():
        return saved
    raise UsageError(f"no benchmark run {name!r} (neither a file nor {saved})")


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    cat = catalog_or_fail(args.catalog_extra)
    names = entries_or_fail(args.entries, cat)
    if args.impl:
        importable_or_fail(args.impl)
    impls = list(dict.fromkeys(["reference", "optimized", *([args.impl] if args.impl else [])]))
    listing = catalog_rows({n: cat[n] for n in names}, impls, with_files=args.verbose)
    if args.json:
        console.file.write(json.dumps(listing, indent=2) + "\n")
        return 0
    console.print(tables.listing_table(listing))
    if args.verbose or len(listing) <= DETAILED_UP_TO:
        for row in listing:
            console.print(tables.entry_details(row))
        console.print(tables.kind_reasons(listing))
    else:
        console.print("properties per entry and why the others do not apply: -v", style="dim")
    return 0


def selection_or_fail(
    impl: str,
    entries: str,
    properties: str = "*",
    device: str | None = None,
    extra: str = "",
    level: str | None = None,
) -> CellSelection:
    """The run's selection, its catalog built here once (the property suite gets it as a
    plugin object, ``twinnet.runner``)."""
    try:
        return CellSelection.build(impl, entries, properties, device, extra, level)
    except ImportError as error:
        raise UsageError(f"--catalog-extra: cannot import {extra!r}: {error}") from error


@dataclass(frozen=True)
class VerifySetup:
    opts: VerifyOptions
    selection: CellSelection
    xfails: Xfails
    names: list[str]


def verify_setup(args: argparse.Namespace) -> VerifySetup:
    """Check every argument before the run (module doc), build the selection once and
    draw the seed."""
    chosen = selection_or_fail(
        args.impl, args.entries, args.properties, args.device, args.catalog_extra, args.level
    )
    cat = chosen.catalog
    names = entries_or_fail(args.entries, cat)
    properties_or_fail(args.properties, chosen.ids)
    importable_or_fail(args.impl)
    provides_some_or_fail(chosen.candidate, names)
    xfails = Xfails()
    if args.xfails:
        try:
            xfails = load_xfails(args.xfails, cat, chosen.ids)
        except XfailsError as error:
            raise UsageError(str(error)) from error
    seed = args.seed
    if seed is None and not profile_or_fail(args.profile):
        seed = random.SystemRandom().randrange(2**32)
    opts = VerifyOptions(
        impl=args.impl,
        profile=args.profile,
        entries=args.entries,
        properties=args.properties,
        device=args.device,
        seed=seed,
        catalog_extra=args.catalog_extra,
        workers=args.workers,
        level=args.level,
    )
    return VerifySetup(opts, chosen, xfails, names)


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    setup = verify_setup(args)
    opts = setup.opts
    collector = Collector(setup.xfails, order=setup.names)
    with progress_bar(console, f"verify {opts.impl} (profile {opts.profile})") as callback:
        outcome = run_verify(opts, collector, callback, setup.selection)
    matrix = collector.matrix
    repro = Reproduce(opts.impl, opts.profile, opts.seed, opts.catalog_extra)
    if outcome.exit_code in BROKEN_RUN:
        console.print(outcome.output[-3000:], markup=False, highlight=False)
        raise UsageError(f"the property suite did not run (pytest exit code {outcome.exit_code})")
    if not matrix.cells and not matrix.errors:
        raise UsageError("no property test applies to the selected entries and properties")
    if args.json:
        write_json(matrix, repro, args.json)
    if args.junit:
        write_junit(matrix, repro, args.junit)
    console.print(tables.matrix_view(matrix, f"conformance of {opts.impl}", console))
    print_explanations(console, matrix, repro, args.verbose)
    for level, counts in matrix.levels().items():
        failed = bool(counts.get(FAIL))
        console.print(level_line(level, counts), style="bold red" if failed else "bold green")
    if opts.seed is not None:
        console.print(f"hypothesis seed {opts.seed} (profile {opts.profile})", style="dim")
    for path, what in ((args.json, "JSON"), (args.junit, "JUnit XML")):
        if path:
            console.print(f"conformance matrix written to {path} ({what})", style="dim")
    return 1 if matrix.failed else 0


def device_or_fail(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: CUDA is not available on this machine")
    return torch.device(name)


def set_threads(threads: int | None) -> None:
    if threads is None:
        return
    if threads < 1:
        raise UsageError(f"--threads: expected a positive number, got {threads}")
    torch.set_num_threads(threads)


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    cat = catalog_or_fail(args.catalog_extra)
    entries_or_fail(args.entries, cat)
    named = args.impls is not None
    try:
        impls = parse_impls(args.impls if named else DEFAULT_IMPLS, cat)
    except ValueError as error:
        raise UsageError(str(error)) from error
    if args.impl:
        importable_or_fail(args.impl)
        for name in match_entries(args.entries, cat):
            Impl(args.impl).provides(name)  # a broken submodule: one line, exit 2
    device = device_or_fail(args.device)
    set_threads(args.threads)
    selection = Selection(
        entries=args.entries,
        impls=impls,
        candidate=args.impl,
        quick=args.quick,
        # compile is timed in a quick run when asked for: --compile, or named in --impls
        compile=args.compile or (named and "compile" in impls),
    )
    if args.clock == "cpu" and device.type != "cpu":
        raise UsageError("--clock cpu: the CPU clock times --device cpu runs only")
    processes = args.processes if args.processes is not None else (3 if args.save else 1)
    if processes < 1:
        raise UsageError(f"--processes: expected a positive number, got {processes}")
    budget = Budget.for_run(args.quick, args.clock, args.allocator)
    label = f"bench (cases, {processes} processes)" if processes > 1 else "bench (cases)"
    with progress_bar(console, label) as callback:
        if processes == 1:
            data = suite.run(selection, device, callback, budget, catalog=cat)
        else:
            job = BenchJob(selection, str(device), budget, args.catalog_extra, args.threads)
            data = run_processes(job, processes, callback)
    run = parse_run(data)
    recommendations = recommend(run) if args.recommend else []
    if recommendations:
        data["recommendations"] = [r.as_json() for r in recommendations]
    text = json.dumps(data, indent=1) + "\n"
    if args.json:
        args.json.write_text(text)
        console.print(f"run written to {args.json}", style="dim")
    if args.save:
        SAVE_DIR.mkdir(exist_ok=True)
        target = SAVE_DIR / f"{args.save}.json"
        target.write_text(text)
        console.print(f"saved as {args.save!r}: {target}")
    console.print(bench_view(run, rows(run), console, args.verbose))
    if recommendations:
        console.print(recommend_table(recommendations))
    return 0


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    try:
        fail_above = parse_percent(args.fail_above)
    except ValueError as error:
        raise UsageError(f"--fail-above: {error}") from error
    base, new = load_run(saved_run_path(args.base)), load_run(saved_run_path(args.new))
    try:
        comparison = compare(base, new, fail_above, absolute=args.absolute)
    except CompareError as error:
        raise UsageError(str(error)) from error
    console.print(compare_view(comparison, console))
    if comparison.processes == 1:
        console.print(
            "single-process runs: the spread between processes is not tested, and a process "
            "that happened to run fast or slow can be flagged (save runs with --save, which "
            "times them in 3 processes, or --processes K)",
            style="yellow",
        )
    slower = comparison.slower
    if slower:
        console.print(
            f"[bold red]{len(slower)} significant slowdown(s) above {args.fail_above}:[/bold red]"
        )
        for d in slower:
            console.print(f"  {' '.join(d.key)}  x{d.ratio:.3f}", soft_wrap=True)
        return 1
    counts = {s: sum(d.status == s for d in comparison.deltas) for s in ("same", "faster")}
    console.print(
        f"[green]no significant slowdown above {args.fail_above}[/green] "
        f"({counts['same']} same, {counts['faster']} faster)"
    )
    return 0


def cmd_selfcheck(args: argparse.Namespace, console: Console) -> int:
    try:
        slowdown = parse_percent(args.slowdown)
        fail_above = parse_percent(args.fail_above)
    except ValueError as error:
        raise UsageError(str(error)) from error
    if args.pairs < 1:
        raise UsageError(f"--pairs: expected a positive number, got {args.pairs}")
    if not 0 < slowdown <= 1:
        raise UsageError(f"--slowdown: expected a percentage in (0, 100], got {args.slowdown}")
    device = device_or_fail(args.device)
    if args.clock == "cpu" and device.type != "cpu":
        raise UsageError("--clock cpu: the CPU clock times --device cpu runs only")
    set_threads(args.threads)
    if args.processes < 1:
        raise UsageError(f"--processes: expected a positive number, got {args.processes}")
    opts = SelfcheckOptions(
        args.pairs, slowdown, fail_above, str(device), args.clock, args.processes
    )
    return run_selfcheck(opts, console, args.verbose)


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    chosen = selection_or_fail(
        args.impl, args.entries, device=args.device, extra=args.catalog_extra
    )
    names = entries_or_fail(args.entries, chosen.catalog)
    importable_or_fail(args.impl)
    provides_some_or_fail(chosen.candidate, names)
    if args.clock == "cpu" and device_or_fail(args.device).type != "cpu":
        raise UsageError("--clock cpu: the CPU clock times --device cpu runs only")
    if args.threads is not None and args.threads < 1:
        raise UsageError(f"--threads: expected a positive number, got {args.threads}")
    workers = args.workers
    if workers is None:  # verify spreads over the cores unless told otherwise
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        workers = str(cores) if cores > 1 else None
    return build_report(
        ReportOptions(
            out=args.out,
            impl=args.impl,
            device=args.device,
            workers=workers,
            entries=args.entries,
            clock=args.clock,
            catalog_extra=args.catalog_extra,
            threads=args.threads,
        ),
        console,
        args.verbose,
        chosen,
    )


#: The errors a command reports in one line (exit 2).
ERRORS = (UsageError, RunError, CandidateImportError)
