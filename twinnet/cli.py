"""``twinnet``: list the catalog, verify a candidate, benchmark, compare runs, report.

Bad arguments, unknown entries and missing files print one line on stderr and exit 2;
``verify`` and ``compare`` exit 1 on a failure or a flagged slowdown.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rich.console import Console

from benchmarks import tables
from benchmarks.compare import compare, parse_percent
from benchmarks.listing import catalog_rows
from benchmarks.report import ReportOptions, build_report
from benchmarks.results import RunError, load_run, rows
from benchmarks.runner import NO_TESTS, VerifyOptions, run_bench, run_verify
from benchmarks.selection import Selection, match_entries, parse_impls
from benchmarks.ui import progress_bar

SAVE_DIR = Path(".benchmarks")


class UsageError(Exception):
    """A bad argument, unknown entry or missing file: one line on stderr, exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def entries_or_fail(pattern: str) -> list[str]:
    names = match_entries(pattern)
    if not names:
        raise UsageError(f"no catalog entry matches {pattern!r} (see `twinnet list`)")
    return names


def importable_or_fail(module: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError as error:
        raise UsageError(f"cannot import implementation module {module!r}: {error}") from error


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
    impls = ["reference", "optimized", *([args.impl] if args.impl else [])]
    listing = catalog_rows(entries_or_fail(args.entries), impls)
    if args.json:
        console.file.write(json.dumps(listing, indent=2) + "\n")
    else:
        console.print(tables.listing_table(listing))
    return 0


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    entries_or_fail(args.entries)
    importable_or_fail(args.impl)
    opts = VerifyOptions(
        impl=args.impl,
        entries=args.entries,
        device=args.device,
        profile=args.profile,
        junit=args.junit,
        workers=args.workers,
    )
    with progress_bar(console, f"verify {args.impl}") as callback:
        outcome, matrix = run_verify(opts, callback)
    if args.json:
        args.json.write_text(json.dumps(matrix.to_json(), indent=2))
        console.print(f"conformance matrix written to {args.json}")
    if not matrix.cells:
        console.print("[yellow]no property tests were collected[/yellow]")
    else:
        console.print(tables.matrix_table(matrix, f"conformance of {args.impl}"))
    if matrix.failed or outcome.exit_code not in (0, NO_TESTS):
        tail = "\n".join(outcome.output.splitlines()[-30:])
        console.print(tail, markup=False, highlight=False)
        return 2 if outcome.exit_code == 4 else 1
    return 0


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    entries_or_fail(args.entries)
    try:
        impls = parse_impls(args.impls)
    except ValueError as error:
        raise UsageError(str(error)) from error
    selection = Selection(entries=args.entries, impls=impls, quick=args.quick, compile=args.compile)
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
    return build_report(
        ReportOptions(out=args.out, impl=args.impl, device=args.device, workers=args.workers),
        console,
    )


def parser() -> Parser:
    top = Parser(prog="twinnet", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("list", help="the catalog: entries, implementations, properties")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--impl", help="also show whether this candidate module provides each")
    p.add_argument("--entries", default="*", help="glob(s) of entries, comma-separated")
    p.set_defaults(run=cmd_list)

    p = sub.add_parser("verify", help="run the property suite, print a conformance matrix")
    p.add_argument("--impl", default="optimized", help="candidate module (default optimized)")
    p.add_argument("--entries", default="*", help="glob(s) of entries, comma-separated")
    p.add_argument("--device", choices=("cpu", "cuda", "all"))
    p.add_argument("--profile", help="hypothesis profile: ci, dev or thorough")
    p.add_argument("--json", type=Path, help="write the matrix as JSON to this file")
    p.add_argument("--junit", type=Path, help="write JUnit XML to this file")
    p.add_argument("-n", dest="workers", help="pytest-xdist workers (a number or auto)")
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser("bench", help="run the benchmarks, print median/speedup/%%peak")
    p.add_argument("--entries", default="*", help="glob(s) of entries, comma-separated")
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
    p.add_argument("--impl", default="optimized", help="candidate module (default optimized)")
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
