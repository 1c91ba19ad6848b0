"""``twinnet``: list the catalog, verify a candidate, benchmark, compare runs, report.

Bad arguments, unknown entries, a candidate that cannot be imported or provides none of
the selected names, and missing files print one line on stderr and exit 2; ``verify``
exits 1 on an unexpected failure (a FAIL not listed in ``--xfails``), ``compare`` on a
flagged slowdown.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from hypothesis import settings
from hypothesis.errors import InvalidArgument
from rich.console import Console

from benchmarks.selection import Selection, match_entries, parse_impls
from properties.candidate import DEFAULT_CANDIDATE, Impl, importable
from properties.catalog import catalog, known_ids, parse_modules
from properties.entry import Entry
from twinnet import tables
from twinnet.compare import compare, parse_percent
from twinnet.explain import print_explanations
from twinnet.listing import catalog_rows
from twinnet.matrix import Collector
from twinnet.matrix_files import write_json, write_junit
from twinnet.report import ReportOptions, build_report
from twinnet.repro import Reproduce
from twinnet.results import RunError, load_run, rows
from twinnet.runner import BROKEN_RUN, VerifyOptions, run_bench, run_verify
from twinnet.ui import progress_bar
from twinnet.xfails import Xfails, XfailsError, load_xfails

SAVE_DIR = Path(".benchmarks")
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


def provides_some_or_fail(module: str, names: Sequence[str]) -> None:
    """A candidate must provide at least one selected name (else nothing is verified)."""
    impl = Impl(module)
    if not any(impl.provides(name) for name in names):
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
    listing = catalog_rows({n: cat[n] for n in names}, impls)
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


def verify_setup(args: argparse.Namespace) -> tuple[VerifyOptions, Xfails, list[str]]:
    """Check every argument before the run (module doc) and draw the seed."""
    cat = catalog_or_fail(args.catalog_extra)
    names = entries_or_fail(args.entries, cat)
    ids = known_ids(cat.values())
    properties_or_fail(args.properties, ids)
    importable_or_fail(args.impl)
    provides_some_or_fail(args.impl, names)
    xfails = Xfails()
    if args.xfails:
        try:
            xfails = load_xfails(args.xfails, cat, ids)
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
    )
    return opts, xfails, names


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    opts, xfails, names = verify_setup(args)
    collector = Collector(xfails, order=names)
    with progress_bar(console, f"verify {opts.impl} (profile {opts.profile})") as callback:
        outcome = run_verify(opts, collector, callback)
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
    if opts.seed is not None:
        console.print(f"hypothesis seed {opts.seed} (profile {opts.profile})", style="dim")
    for path, what in ((args.json, "JSON"), (args.junit, "JUnit XML")):
        if path:
            console.print(f"conformance matrix written to {path} ({what})", style="dim")
    return 1 if matrix.failed else 0


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    entries_or_fail(args.entries, catalog())
    try:
        impls = parse_impls(args.impls)
    except ValueError as error:
        raise UsageError(str(error)) from error
    if args.impl:
        importable_or_fail(args.impl)
    selection = Selection(
        entries=args.entries,
        impls=impls,
        candidate=args.impl,
        quick=args.quick,
        compile=args.compile,
    )
    with tempfile.TemporaryDirectory() as tmp:
        json_path = args.json or Path(tmp) / "bench.json"
        with progress_bar(console, "bench") as callback:
            outcome = run_bench(selection, args.device, json_path, callback)
        if outcome.exit_code != 0 or not json_path.is_file():
            console.print(outcome.output[-4000:], markup=False, highlight=False)
            return 1
        run = load_run(json_path)
        console.print(tables.bench_table(run, rows(run)))
        if args.save:
            SAVE_DIR.mkdir(exist_ok=True)
            target = SAVE_DIR / f"{args.save}.json"
            shutil.copyfile(json_path, target)
            console.print(f"saved as {args.save!r}: {target}")
    return 0


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    try:
        fail_above = parse_percent(args.fail_above)
    except ValueError as error:
        raise UsageError(f"--fail-above: {error}") from error
    base, new = load_run(saved_run_path(args.base)), load_run(saved_run_path(args.new))
    deltas = compare(base, new, fail_above)
    console.print(tables.compare_table(deltas, fail_above))
    slower = [d for d in deltas if d.status == "slower"]
    if slower:
        console.print(
            f"[bold red]{len(slower)} slowdown(s) above {args.fail_above} "
            "and outside noise[/bold red]"
        )
        return 1
    console.print("[green]no slowdown outside noise[/green]")
    return 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    importable_or_fail(args.impl)
    provides_some_or_fail(args.impl, list(catalog()))
    return build_report(
        ReportOptions(out=args.out, impl=args.impl, device=args.device, workers=args.workers),
        console,
    )


def _add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--entries", default="*", help="glob(s) of entries, comma-separated")
    p.add_argument(
        "--catalog-extra", default="", metavar="MODULES", help="modules with more entries"
    )


def parser() -> Parser:
    top = Parser(prog="twinnet", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("list", help="the catalog: entries, implementations, properties")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--impl", help="also show whether this candidate module provides each")
    _add_selection(p)
    p.add_argument("-v", dest="verbose", action="store_true", help="every entry in full")
    p.set_defaults(run=cmd_list)

    p = sub.add_parser("verify", help="run the property suite, print a conformance matrix")
    p.add_argument("--impl", default=DEFAULT_CANDIDATE, help="candidate module (default optimized)")
    _add_selection(p)
    p.add_argument("--properties", default="*", help="property id(s) or globs, comma-separated")
    p.add_argument("--device", choices=("cpu", "cuda", "all"))
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

    p = sub.add_parser("bench", help="run the benchmarks, print median/speedup/%%peak")
    p.add_argument("--entries", default="*", help="glob(s) of entries, comma-separated")
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
    p.add_argument("--json", type=Path, help="write pytest-benchmark JSON to this file")
    p.set_defaults(run=cmd_bench)

    p = sub.add_parser("compare", help="regression table between two runs")
    p.add_argument("base", help="saved run name or pytest-benchmark JSON path")
    p.add_argument("new", help="saved run name or pytest-benchmark JSON path")
    p.add_argument(
        "--fail-above",
        default="10%",
        metavar="PCT",
        help="flag slowdowns above this percentage (default 10%%)",
    )
    p.set_defaults(run=cmd_compare)

    p = sub.add_parser("report", help="quick verify + quick bench -> HTML report")
    p.add_argument("--out", type=Path, default=Path("twinnet-report"))
    p.add_argument("--impl", default=DEFAULT_CANDIDATE, help="candidate module (default optimized)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("-n", dest="workers", help="pytest-xdist workers for verify")
    p.set_defaults(run=cmd_report)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console(file=sys.stdout)
    try:
        return int(args.run(args, console))
    except (UsageError, RunError) as error:
        sys.stderr.write(f"twinnet: error: {error}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
