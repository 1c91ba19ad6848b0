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
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import NoReturn

from rich.console import Console

from benchmarks.allocator import HELD, POLICIES
from properties.candidate import DEFAULT_CANDIDATE

DEFAULT_IMPLS = "reference,optimized,vmap,compile,peers"

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


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


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
    p.set_defaults(run="list")

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
    p.set_defaults(run="verify")

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
        help="comma-separated: reference, optimized, vmap, compile, peers (or a peer name); "
        f"default {DEFAULT_IMPLS} (compile only in full runs, unless named here or --compile)",
    )
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--quick", action="store_true", help="few rounds, largest cases dropped")
    p.add_argument("--compile", action="store_true", help="time torch.compile in quick runs")
    p.add_argument("--save", metavar="NAME", help="store the run as .benchmarks/NAME.json")
    p.add_argument(
        "--processes",
        type=int,
        help="time every case in this many fresh processes, the rounds split between them, "
        "so compare can test changes against the spread between processes (default 3 with "
        "--save, else 1)",
    )
    p.add_argument("--json", type=Path, help="write the run (pytest-benchmark JSON) to this file")
    p.add_argument("--threads", type=int, help="torch threads for the run (default: torch's)")
    p.add_argument(
        "--clock",
        default="wall",
        choices=("wall", "cpu"),
        help="wall time (default), or the process's CPU time: on a shared machine, time spent "
        "descheduled does not count (CPU runs)",
    )
    p.add_argument(
        "--allocator",
        default=HELD,
        choices=POLICIES,
        help="held (default): no mmap and no heap trim in the C allocator, so a call reuses "
        "its pages instead of faulting fresh ones in at the heap's whim; default: glibc's "
        "own policy, page faults of large allocations included",
    )
    p.add_argument(
        "--recommend",
        action="store_true",
        help="say which implementation to choose per entry, regime and mode (also in the JSON)",
    )
    p.add_argument("-v", dest="verbose", action="store_true", help="why rows are unstable")
    p.set_defaults(run="bench")

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
    p.set_defaults(run="compare")

    p = _command(
        sub,
        "selfcheck",
        "prove the regression check: unchanged runs flag nothing, a planted slowdown is flagged",
        "Runs pairs of quick benchmark runs of unchanged code back to back, and after each a\n"
        "run whose optimized EncodingNetwork runs its last layer twice; exit 1 on any false\n"
        "alarm or a missed slowdown.",
    )
    p.add_argument("--pairs", type=int, default=3, help="back-to-back pairs of runs (default 3)")
    p.add_argument(
        "--processes",
        type=int,
        default=3,
        help="fresh processes each run is timed in (default 3, as a saved run)",
    )
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
    p.set_defaults(run="selfcheck")

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
    p.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        help="as for bench (default wall; cpu, with one thread, on a busy machine)",
    )
    p.add_argument(
        "--threads",
        type=int,
        help="torch threads for the bench (default torch's; one on a busy machine)",
    )
    p.add_argument("-n", dest="workers", help="pytest-xdist workers for verify (default: cores)")
    p.add_argument("-v", dest="verbose", action="store_true", help="full failure detail")
    p.set_defaults(run="report")
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
    from twinnet import commands  # torch and the catalog load only to run a command

    try:
        return int(getattr(commands, f"cmd_{args.run}")(args, console))
    except commands.ERRORS as error:
        sys.stderr.write(f"twinnet: error: {error}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
