"""What ``twinnet verify`` prints below the matrix: why each cell is not a plain pass.

Lines of text, printed unwrapped (``soft_wrap``) so that a reproduction command stays one
line to copy, in a terminal and in a log:

* every FAIL: the first line of its error, the example it failed on, and the commands
  that reproduce it (``verbose``: pytest's full failure text of every failing test);
* XFAIL and XPASS cells with the xfails file's reason;
* unsupported examples (why the candidate declined them) and blocked cells;
* notes the harness made (weights shared by position because state_dict keys differ);
* ``verbose``: the reasons of the other skips (not provided, same as reference, skip);
* failures outside any cell (a collection error).
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from twinnet.matrix import (
    BLOCKED_CELL,
    FAIL,
    NOT_PROVIDED_CELL,
    SAME,
    SKIP,
    UNSUPPORTED,
    XFAIL,
    XPASS,
    Cell,
    Failure,
    Matrix,
    cells_in_order,
)
from twinnet.repro import Reproduce
from twinnet.tables import OUTCOME_STYLE


def _head(outcome: str, entry: str, prop: str) -> Text:
    text = Text()
    text.append(f"{outcome} ", style=OUTCOME_STYLE[outcome])
    text.append(f"{entry}::{prop}", style="bold")
    return text


def _failure(
    entry: str, prop: str, failure: Failure, repro: Reproduce, verbose: bool
) -> list[Text]:
    lines: list[Text] = [Text(f"  {failure.reason}", style="red")]
    if failure.case:
        example = ", ".join(f"{k}={v}" for k, v in failure.case.items())
        lines.append(Text(f"  example: {example}"))
    if failure.deviation:
        lines.append(Text(f"  note: {failure.deviation}", style="yellow"))
    verify, pytest_line = repro.lines(entry, prop, failure.nodeid)
    lines.append(Text(f"  rerun:   {verify}", style="dim"))
    lines.append(Text(f"           {pytest_line}", style="dim"))
    if verbose and failure.details:
        lines.append(Text(failure.details, style="red"))
    return lines


def _failed(entry: str, prop: str, cell: Cell, repro: Reproduce, verbose: bool) -> list[Text]:
    failures = cell.failures
    head = _head(cell.outcome, entry, prop)
    if cell.outcome == XFAIL:
        head.append(f"  expected: {cell.xfail}", style="magenta")
    out: list[Text] = [head]
    for failure in failures if verbose else failures[:1]:
        out += _failure(entry, prop, failure, repro, verbose)
    if len(failures) > 1 and not verbose:
        out.append(Text(f"  ({len(failures) - 1} more failing test(s) of this cell; -v shows all)"))
    return out


def _one_line(outcome: str, entry: str, prop: str, why: str) -> Text:
    return _head(outcome, entry, prop).append(f"  {why}")


def explanations(matrix: Matrix, repro: Reproduce, verbose: bool = False) -> list[Text]:
    """Everything below the matrix (module doc), in cell order."""
    out: list[Text] = []
    notes: dict[str, list[str]] = {}
    for entry, prop, cell in cells_in_order(matrix):
        outcome = cell.outcome
        if outcome in (FAIL, XFAIL):
            out += _failed(entry, prop, cell, repro, verbose)
        elif outcome == XPASS:
            out.append(
                _one_line(XPASS, entry, prop, f"passed, listed as expected to fail: {cell.xfail}")
            )
        elif outcome == UNSUPPORTED or (cell.unsupported and verbose):
            why = "; ".join(cell.why_unsupported)
            out.append(_one_line(UNSUPPORTED, entry, prop, f"{cell.unsupported} example(s): {why}"))
        elif outcome == BLOCKED_CELL or (verbose and outcome in (NOT_PROVIDED_CELL, SAME, SKIP)):
            out.append(_one_line(outcome, entry, prop, "; ".join(cell.skip_reasons)))
        for note in cell.notes:
            notes.setdefault(note, []).append(f"{entry}::{prop}")
    for note, where in notes.items():
        shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
        out.append(Text(f"note: {note} ({shown})", style="dim"))
    for error in matrix.errors:
        out.append(Text(f"error outside the matrix: {error}", style="bold red"))
    return out


def print_explanations(
    console: Console, matrix: Matrix, repro: Reproduce, verbose: bool = False
) -> None:
    for line in explanations(matrix, repro, verbose):
        console.print(line, soft_wrap=True)
