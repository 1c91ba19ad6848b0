"""``twinnet``: list the catalog, verify a candidate, benchmark, compare runs, report.

Bad arguments, unknown entries, a candidate that cannot be imported (or one of whose
submodules raises while importing) or provides none of the selected names, and missing
files print one line on stderr and exit 2; ``verify``
exits 1 on an unexpected failure (a FAIL not listed in ``--xfails``), ``compare`` on a
flagged slowdown, ``report`` when a cell failed or a run broke, ``selfcheck`` when the
regression check raised a false alarm or missed the planted slowdown.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import NoReturn

import torch
from hypothesis import settings
from hypothesis.errors import InvalidArgument
from rich.console import Console

from benchmarks import suite
from benchmarks.selection import Selection, match_entries, parse_impls
from benchmarks.timing import Budget
from properties.candidate import DEFAULT_CANDIDATE, CandidateImportError, Impl, importable
from properties.catalog import catalog, parse_modules
from properties.entry import Entry
from properties.selection import CellSelection
from twinnet import tables
from twinnet.bench_tables import bench_view, compare_view
from twinnet.compare import CompareError, compare, parse_percent
from twinnet.explain import print_explanations
from twinnet.listing import catalog_rows
from twinnet.matrix import FAIL, Collector, level_line
from twinnet.matrix_files import write_json, write_junit
from twinnet.report import ReportOptions, build_report
from twinnet.repro import Reproduce
from twinnet.results import RunError, load_run, parse_run, rows
from twinnet.runner import BROKEN_RUN, VerifyOptions, run_verify
from twinnet.selfcheck import SelfcheckOptions, run_selfcheck
from twinnet.ui import progress_bar
from twinnet.xfails import Xfails, XfailsError, load_xfails

DESCRIPTION = """\
Verify implementations of RL library networks against twinnet's reference (a conformance
matrix of property tests), time them, track regressions, and write a report.

  twinnet list                         the catalog: entries and the properties that apply
  twinnet verify --impl mylib.adapters your module against the reference
  twinnet bench --quick --save base    time reference, optimized and peers
  twinnet compare base new             flag statistically significant slowdowns
  twinnet report --impl mylib.adapters verify + bench -> twinnet-report/index.html
  twinnet selfcheck                    prove the regression check on this machine

A candidate module must be importable: install it, or run with PYTHONPATH=. from the
folder that holds it. `twinnet COMMAND --help` describes each command."""
SAVE_DIR = Path(".benchmarks")


class Joined(argparse.Action):
    """A repeatable comma-separated option: ``--entries a --entries b`` means ``a,b``
    (a repeated option silently keeping only its last value hid most of a selection)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        given = f"_{self.dest}_given"
        current = getattr(namespace, self.dest)
        joined = f"{current},{values}" if getattr(namespace, given, False) else str(values)
        setattr(namespace, self.dest, joined)
        setattr(namespace, given, True)


#: Entries shown in full by ``twinnet list`` without ``-v``.
DETAILED_UP_TO = 3


class UsageError(Exception):
    """A bad argument, unknown entry or missing file: one line on stderr, exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


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
        raise UsageError(f"unknown hypothesis profile {name!r} (ci, dev or thorough)") from error


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
    try:
        impls = parse_impls(args.impls, cat)
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
        compile=args.compile,
    )
    if args.clock == "cpu" and device.type != "cpu":
        raise UsageError("--clock cpu: the CPU clock times --device cpu runs only")
    with progress_bar(console, "bench (cases)") as callback:
        budget = Budget.for_run(args.quick, args.clock)
        data = suite.run(selection, device, callback, budget, catalog=cat)
    text = json.dumps(data, indent=1) + "\n"
    if args.json:
        args.json.write_text(text)
        console.print(f"run written to {args.json}", style="dim")
    if args.save:
        SAVE_DIR.mkdir(exist_ok=True)
        target = SAVE_DIR / f"{args.save}.json"
        target.write_text(text)
        console.print(f"saved as {args.save!r}: {target}")
    run = parse_run(data)
    console.print(bench_view(run, rows(run), console, args.verbose))
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
    opts = SelfcheckOptions(args.pairs, slowdown, fail_above, str(device), args.clock)
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
    set_threads(args.threads)
    return build_report(
        ReportOptions(
            out=args.out,
            impl=args.impl,
            device=args.device,
            workers=args.workers,
            entries=args.entries,
            clock=args.clock,
            catalog_extra=args.catalog_extra,
        ),
        console,
        args.verbose,
        chosen,
    )


def _add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--entries", default="*", action=Joined, help="glob(s) of entries, comma-separated"
    )
    p.add_argument(
        "--catalog-extra", default="", metavar="MODULES", help="modules with more entries"
    )


def _command(sub: argparse._SubParsersAction, name: str, summary: str, more: str = "") -> Parser:
    """A subcommand whose --help opens with its one-line summary (and ``more``)."""
    return sub.add_parser(
        name,
        help=summary,
        description=summary + (f"\n\n{more}" if more else ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def parser() -> Parser:
    top = Parser(
        prog="twinnet",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"twinnet {version()}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    p = _command(sub, "list", "the catalog: entries, implementations, properties")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--impl", help="also show whether this candidate module provides each")
    _add_selection(p)
    p.add_argument("-v", dest="verbose", action="store_true", help="every entry in full")
    p.set_defaults(run=cmd_list)

    p = _command(
        sub,
        "verify",
        "run the property suite, print a conformance matrix",
        "Exit 1 on an unexpected failure; every failure is printed with its reason, example\n"
        "and the command that reruns it.",
    )
    p.add_argument("--impl", default=DEFAULT_CANDIDATE, help="candidate module (default optimized)")
    _add_selection(p)
    p.add_argument(
        "--properties", default="*", action=Joined, help="property id(s) or globs, comma-separated"
    )
    p.add_argument("--device", choices=("cpu", "cuda", "all"))
    p.add_argument(
        "--level",
        default="all",
        choices=("conformance", "hardening", "all"),
        help="property ids of this level only: conformance (the spec's function), hardening "
        "(what twinnet adds: empty batches, extreme inputs, clear errors), all (default)",
    )
    p.add_argument(
        "--profile", default="dev", help="hypothesis profile: ci, dev (default), thorough"
    )
    p.add_argument("--seed", type=int, help="hypothesis seed (drawn when the profile is random)")
    p.add_argument("--xfails", type=Path, help="file of expected failures: entry::property  # why")
    p.add_argument("--json", type=Path, help="write the matrix as JSON to this file")
    p.add_argument("--junit", type=Path, help="write the matrix as JUnit XML to this file")
    p.add_argument("-n", dest="workers", help="pytest-xdist workers (a number or auto)")
    p.add_argument("-v", dest="verbose", action="store_true", help="full pytest failure text")
    p.set_defaults(run=cmd_verify)

    p = _command(
        sub,
        "bench",
        "time the implementations of each case interleaved: median, speedup, roof",
        "Implementations of one case are timed in round-robin rounds, so machine drift hits\n"
        "all alike; speedups come with 95% bootstrap intervals, unstable rows are marked.",
    )
    _add_selection(p)
    p.add_argument("--impl", help="a candidate module, timed beside the others")
    p.add_argument(
        "--impls",
        default="reference,optimized,vmap,compile,peers",
        help="comma-separated: reference, optimized, vmap, compile, peers (or a peer name)",
    )
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--quick", action="store_true", help="few rounds, largest cases dropped")
    p.add_argument("--compile", action="store_true", help="time torch.compile in quick runs")
    p.add_argument("--save", metavar="NAME", help="store the run as .benchmarks/NAME.json")
    p.add_argument("--json", type=Path, help="write the run (pytest-benchmark JSON) to this file")
    p.add_argument("--threads", type=int, help="torch threads for the run (default: torch's)")
    p.add_argument(
        "--clock",
        default="wall",
        choices=("wall", "cpu"),
        help="wall time (default), or the process's CPU time: on a shared machine, time spent "
        "descheduled does not count (CPU runs)",
    )
    p.add_argument("-v", dest="verbose", action="store_true", help="why rows are unstable")
    p.set_defaults(run=cmd_bench)

    p = _command(
        sub,
        "compare",
        "flag significant slowdowns between two saved runs",
        "A case is flagged when new/base exceeds 1 + the threshold, its 95% bootstrap\n"
        "interval lies above 1, and a one-sided Mann-Whitney U test gives p < 0.01, both for\n"
        "its raw times and for its times relative to the reference of the same round (raw\n"
        "times only with --absolute). Exit 1 on a flagged slowdown.",
    )
    p.add_argument("base", help="saved run name or pytest-benchmark JSON path")
    p.add_argument("new", help="saved run name or pytest-benchmark JSON path")
    p.add_argument(
        "--fail-above",
        default="10%",
        metavar="PCT",
        help="flag significant slowdowns above this percentage (default 10%%)",
    )
    p.add_argument(
        "--absolute",
        action="store_true",
        help="test raw times only (the reference's too), not also relative to the reference "
        "of the same round",
    )
    p.set_defaults(run=cmd_compare)

    p = _command(
        sub,
        "selfcheck",
        "prove the regression check: unchanged runs flag nothing, a planted slowdown is flagged",
        "Runs pairs of quick benchmark runs of unchanged code back to back, and after each a\n"
        "run whose optimized EncodingNetwork runs its last layer twice; exit 1 on any false\n"
        "alarm or a missed slowdown.",
    )
    p.add_argument("--pairs", type=int, default=5, help="back-to-back pairs of runs (default 5)")
    p.add_argument("--slowdown", default="25%", help="the planted slowdown (default 25%%)")
    p.add_argument("--fail-above", default="10%", metavar="PCT", help="threshold (default 10%%)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument(
        "--clock",
        default="cpu",
        choices=("wall", "cpu"),
        help="cpu (default: other processes' load does not count) or wall (CUDA needs wall)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: the check is of the statistics, and one thread cannot "
        "stall on a shared machine)",
    )
    p.add_argument("-v", dest="verbose", action="store_true", help="every comparison in full")
    p.set_defaults(run=cmd_selfcheck)

    p = _command(
        sub,
        "report",
        "quick verify + quick bench -> DIR/index.html, opening with the verdict",
        "Exit 1 only when a cell failed or a run did not complete.",
    )
    p.add_argument("--out", type=Path, default=Path("twinnet-report"))
    p.add_argument("--impl", default=DEFAULT_CANDIDATE, help="candidate module (default optimized)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    _add_selection(p)
    p.add_argument("--clock", default="wall", choices=("wall", "cpu"), help="as for bench")
    p.add_argument("--threads", type=int, help="torch threads for the bench (default: torch's)")
    p.add_argument("-n", dest="workers", help="pytest-xdist workers for verify")
    p.add_argument("-v", dest="verbose", action="store_true", help="full failure detail")
    p.set_defaults(run=cmd_report)
    return top


def version() -> str:
    try:
        return metadata.version("twinnet")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    top = parser()
    args = top.parse_args(argv)
    console = Console(file=sys.stdout)
    if args.command is None:
        top.print_help(sys.stdout)
        return 0
    try:
        return int(args.run(args, console))
    except (UsageError, RunError, CandidateImportError) as error:
        sys.stderr.write(f"twinnet: error: {error}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
