"""The conformance matrix: entry x property -> one outcome per cell, and why.

A cell gathers the test items of one (entry, property): every dtype and device, and
every test function of the property. :class:`Collector` is a pytest plugin object that
reads them from the reports (also those of pytest-xdist workers): the cell of an item
and its tally of examples travel in ``report.user_properties`` (set by
``properties/conftest.py`` and the ``subject`` fixture of ``properties/harness.py``).

An item comes to one of: pass, FAIL, skip, or a skip for which the harness recorded its
outcome as data (``OUTCOME_KEY`` in ``user_properties``, or the tally's ``outcome``):
*not provided*, *same as reference*, *blocked*, *unsupported* (the candidate declined
every example); or *unsupported* as well when it passed with every example it drew
declined. A cell's outcome is the first of these that one of its items
came to::

    FAIL > pass > unsupported > blocked > same > n/p > skip

A FAIL of a cell listed in the xfails file reads XFAIL, a pass XPASS. Unsupported
examples never turn a cell to FAIL, and never hide a failure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from properties.conftest import ENTRY_KEY, PROPERTY_KEY
from properties.harness import BLOCKED, NOT_PROVIDED, OUTCOME_KEY, SAME_AS_REFERENCE, TALLY_KEY
from properties.harness import UNSUPPORTED as UNSUPPORTED_SKIP
from properties.ids import GLOBAL_IDS, LEVELS, level_of
from twinnet.xfails import Xfails

PASS, FAIL, SKIP = "pass", "FAIL", "skip"
XFAIL, XPASS = "XFAIL", "XPASS"
NOT_PROVIDED_CELL, SAME, BLOCKED_CELL, UNSUPPORTED = "n/p", "same", "blocked", "unsupported"

#: Item outcomes by precedence: a cell takes the first one any of its items came to.
PRECEDENCE = (FAIL, PASS, UNSUPPORTED, BLOCKED_CELL, SAME, NOT_PROVIDED_CELL, SKIP)
#: Every outcome a cell can show, in the order summaries list them.
OUTCOMES = (FAIL, XFAIL, XPASS, PASS, UNSUPPORTED, BLOCKED_CELL, SAME, NOT_PROVIDED_CELL, SKIP)
#: The harness's recorded skip outcomes -> the cells they make.
SKIP_OUTCOMES = {
    NOT_PROVIDED: NOT_PROVIDED_CELL,
    SAME_AS_REFERENCE: SAME,
    BLOCKED: BLOCKED_CELL,
    UNSUPPORTED_SKIP: UNSUPPORTED,
}


@dataclass
class Failure:
    """One failing test item: the first line of its error, the example it failed on (the
    drawn config, batch and seed; None when it failed outside an example), and pytest's
    full failure text."""

    nodeid: str
    reason: str
    case: dict | None
    details: str
    #: where the reference follows upstream's code over the spec's text, as the entry
    #: declares it for this property (None: no declared deviation)
    deviation: str | None = None


@dataclass
class Item:
    """What one test item (one dtype, one device, one test function) came to."""

    outcome: str = SKIP
    skip_reason: str = ""
    examples: int = 0
    unsupported: int = 0
    extra: int = 0
    why_unsupported: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failure: Failure | None = None
    ran: bool = False

    @property
    def result(self) -> str:
        if self.outcome == PASS and self.examples and self.unsupported == self.examples:
            return UNSUPPORTED
        return self.outcome


@dataclass
class Cell:
    """The items of one (entry, property); ``xfail`` is the xfails file's reason for it."""

    items: dict[str, Item] = field(default_factory=dict)
    xfail: str | None = None

    @property
    def base_outcome(self) -> str:
        results = {item.result for item in self.items.values()}
        return next((o for o in PRECEDENCE if o in results), SKIP)

    @property
    def outcome(self) -> str:
        base = self.base_outcome
        if self.xfail is not None and base in (FAIL, PASS):
            return XFAIL if base == FAIL else XPASS
        return base

    @property
    def examples(self) -> int:
        return sum(item.examples for item in self.items.values())

    @property
    def unsupported(self) -> int:
        return sum(item.unsupported for item in self.items.values())

    @property
    def extra(self) -> int:
        """Parameters the spec does not list that the property accepted (``signature``)."""
        return max((item.extra for item in self.items.values()), default=0)

    @property
    def label(self) -> str:
        """The outcome as the tables show it, with the count of unsupported examples or of
        accepted extra parameters."""
        outcome = self.outcome
        if outcome == UNSUPPORTED:
            return f"unsupported ({self.unsupported})"
        if outcome in (PASS, XPASS) and self.unsupported:
            return f"{outcome} ({self.unsupported} unsup.)"
        if outcome in (PASS, XPASS) and self.extra:
            return f"{outcome} ({self.extra} extra)"
        return outcome

    @property
    def failures(self) -> list[Failure]:
        return [i.failure for i in self.items.values() if i.failure is not None]

    def _gather(self, attribute: str) -> list[str]:
        values: dict[str, None] = {}
        for item in self.items.values():
            values.update(dict.fromkeys(getattr(item, attribute)))
        return list(values)

    @property
    def why_unsupported(self) -> list[str]:
        return self._gather("why_unsupported")

    @property
    def notes(self) -> list[str]:
        return self._gather("notes")

    @property
    def skip_reasons(self) -> list[str]:
        return list(dict.fromkeys(i.skip_reason for i in self.items.values() if i.skip_reason))


@dataclass
class Matrix:
    """Every cell of a run, and the failures outside any cell (collection errors, a test
    of the suite without a cell). ``order``: entry names in the order tables list them
    (the catalog's); other entries follow in the order their reports came."""

    xfails: Xfails = field(default_factory=Xfails)
    order: tuple[str, ...] = ()
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def cell(self, entry: str, prop: str) -> Cell:
        key = (entry, prop)
        if key not in self.cells:
            self.cells[key] = Cell(xfail=self.xfails.reason(entry, prop))
        return self.cells[key]

    @property
    def entries(self) -> list[str]:
        seen = dict.fromkeys(e for e, _ in self.cells)
        return [e for e in self.order if e in seen] + [e for e in seen if e not in self.order]

    @property
    def properties(self) -> list[str]:
        """The properties of the run: the global ids in DESIGN's order, then the others."""
        seen = dict.fromkeys(p for _, p in self.cells)
        return [p for p in GLOBAL_IDS if p in seen] + [p for p in seen if p not in GLOBAL_IDS]

    def with_outcome(self, *outcomes: str) -> list[tuple[tuple[str, str], Cell]]:
        return [(key, c) for key, c in self.cells.items() if c.outcome in outcomes]

    @property
    def failed(self) -> bool:
        """Whether the run failed: an unexpected FAIL, or an error outside the cells."""
        return bool(self.errors) or bool(self.with_outcome(FAIL))

    def summary(self, level: str | None = None) -> dict[str, int]:
        """How many cells came to each outcome (of ``level``'s ids only, if given)."""
        counts = Counter(
            c.outcome for (_, p), c in self.cells.items() if level in (None, level_of(p))
        )
        return {o: counts[o] for o in OUTCOMES if counts[o]}

    def levels(self) -> dict[str, dict[str, int]]:
        """The summary of each level that has cells in this run (``properties.ids``)."""
        found = {level: self.summary(level) for level in LEVELS}
        return {level: counts for level, counts in found.items() if counts}

    def record(self, report: pytest.TestReport) -> None:
        """Add one test report (setup, call or teardown)."""
        tags = dict(report.user_properties)
        if ENTRY_KEY not in tags:
            if report.failed:
                self.errors.append(f"{report.nodeid} ({report.when}): {crash_line(report)}")
            return
        cell = self.cell(str(tags[ENTRY_KEY]), str(tags[PROPERTY_KEY]))
        item = cell.items.setdefault(report.nodeid, Item())
        tally = tags.get(TALLY_KEY)
        if isinstance(tally, dict):
            _count(item, tally)
        if report.failed:
            item.outcome = FAIL
            if item.failure is None:
                item.failure = _failure(report, tally if isinstance(tally, dict) else {})
        elif report.skipped and item.outcome != FAIL:
            item.skip_reason = skip_reason(report)
            recorded = tags.get(OUTCOME_KEY)
            if recorded is None and isinstance(tally, dict):
                recorded = tally.get("outcome")
            item.outcome = SKIP_OUTCOMES.get(str(recorded), SKIP)
        elif report.when == "call" and item.outcome != FAIL:
            item.outcome = PASS


def _count(item: Item, tally: dict[str, Any]) -> None:
    item.examples = int(tally.get("examples", 0))
    item.unsupported = int(tally.get("unsupported", 0))
    item.extra = int(tally.get("extra", 0))
    item.why_unsupported = list(tally.get("why", []))
    item.notes = list(tally.get("notes", []))


def _failure(report: pytest.TestReport, tally: dict[str, Any]) -> Failure:
    error = tally.get("error")
    reason = str(error) if error else crash_line(report)
    case = tally.get("case") if error else None
    return Failure(
        report.nodeid,
        reason,
        dict(case) if case else None,
        report.longreprtext,
        tally.get("deviation"),
    )


def crash_line(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The first line of the error a failing report carries."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or report.longreprtext.strip()
    lines = [line for line in str(message).splitlines() if line.strip()]
    return lines[0].strip() if lines else "failed"


#: Outcomes of a cell that judged the candidate (the rest: not provided, skipped...).
JUDGED = (PASS, FAIL, XFAIL, XPASS, UNSUPPORTED)


def level_line(level: str, counts: dict[str, int]) -> str:
    """One level's verdict: ``conformance: 412/412 cells pass`` or ``hardening: 61 FAIL
    (60/121 cells pass)``; expected failures, unsupported and unjudged cells follow in
    brackets."""
    judged = sum(counts.get(o, 0) for o in JUDGED)
    passed = counts.get(PASS, 0) + counts.get(XPASS, 0)
    failed = counts.get(FAIL, 0)
    head = f"{passed}/{judged} cells pass"
    text = f"{level}: {failed} FAIL ({head})" if failed else f"{level}: {head}"
    more = [f"{counts[o]} {o}" for o in (XFAIL, XPASS, UNSUPPORTED) if counts.get(o)]
    rest = [f"{counts[o]} {o}" for o in OUTCOMES if o not in JUDGED and counts.get(o)]
    brackets = "; ".join(part for part in (", ".join(more), ", ".join(rest)) if part)
    return text + (f" ({brackets})" if brackets else "")


def level_lines(matrix: Matrix) -> str:
    """Every level's verdict in one line, ``;``-separated (``level_line``)."""
    return "; ".join(level_line(level, counts) for level, counts in matrix.levels().items())


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return str(text).removeprefix("Skipped: ")


class Collector:
    """pytest plugin object filling a :class:`Matrix` from the reports."""

    def __init__(self, xfails: Xfails | None = None, order: Iterable[str] = ()) -> None:
        self.matrix = Matrix(xfails or Xfails(), tuple(order))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.matrix.errors.append(f"collection error in {report.nodeid}: {crash_line(report)}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.matrix.record(report)


def cells_in_order(matrix: Matrix) -> Iterable[tuple[str, str, Cell]]:
    """The cells entry by entry, properties in the matrix's order."""
    props = matrix.properties
    for entry in matrix.entries:
        for prop in props:
            cell = matrix.cells.get((entry, prop))
            if cell is not None:
                yield entry, prop, cell
