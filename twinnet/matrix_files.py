"""The conformance matrix as files: JSON (``--json``, ``results.json``) and JUnit XML
(``--junit``), one test case per cell.

Every failing cell carries its reason (the first line of the error), the example it
failed on (drawn config, batch, seed) and the commands that reproduce it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from properties.ids import level_of
from twinnet.matrix import (
    BLOCKED_CELL,
    FAIL,
    NOT_PROVIDED_CELL,
    PASS,
    SAME,
    SKIP,
    UNSUPPORTED,
    XFAIL,
    XPASS,
    Cell,
    Failure,
    Matrix,
    cells_in_order,
    level_lines,
)
from twinnet.repro import Reproduce


def failure_json(entry: str, prop: str, failure: Failure, repro: Reproduce) -> dict[str, Any]:
    return {
        "test": failure.nodeid,
        "reason": failure.reason,
        "example": failure.case,
        "deviation": failure.deviation,
        "reproduce": repro.lines(entry, prop, failure.nodeid),
    }


def cell_json(entry: str, prop: str, cell: Cell, repro: Reproduce) -> dict[str, Any]:
    out: dict[str, Any] = {
        "entry": entry,
        "property": prop,
        "level": level_of(prop),
        "outcome": cell.outcome,
        "label": cell.label,
        "examples": cell.examples,
        "unsupported": cell.unsupported,
        "tests": len(cell.items),
    }
    if cell.extra:
        out["extra"] = cell.extra
    if cell.xfail is not None:
        out["xfail_reason"] = cell.xfail
    if cell.why_unsupported:
        out["unsupported_why"] = cell.why_unsupported
    if cell.notes:
        out["notes"] = cell.notes
    if cell.skip_reasons:
        out["skip_reasons"] = cell.skip_reasons
    if cell.failures:
        out["failures"] = [failure_json(entry, prop, f, repro) for f in cell.failures]
    return out


def matrix_json(matrix: Matrix, repro: Reproduce) -> dict[str, Any]:
    """The matrix as plain data: ``entries`` (entry -> property -> outcome) for a quick
    look, ``cells`` with the counts, reasons and failures of each."""
    return {
        "impl": repro.impl,
        "profile": repro.profile,
        "seed": repro.seed,
        "xfails": matrix.xfails.source or None,
        "summary": matrix.summary(),
        "levels": matrix.levels(),
        "verdict": level_lines(matrix),
        "failed": matrix.failed,
        "entries": {
            e: {p: matrix.cells[e, p].outcome for p in matrix.properties if (e, p) in matrix.cells}
            for e in matrix.entries
        },
        "cells": [cell_json(e, p, c, repro) for e, p, c in cells_in_order(matrix)],
        "errors": matrix.errors,
    }


def write_json(matrix: Matrix, repro: Reproduce, path: Path) -> None:
    path.write_text(json.dumps(matrix_json(matrix, repro), indent=2) + "\n")


def _failure_text(entry: str, prop: str, failure: Failure, repro: Reproduce) -> str:
    lines = [failure.reason, f"test: {failure.nodeid}"]
    if failure.case:
        lines.append(f"example: {failure.case}")
    lines += ["reproduce:", *(f"  {line}" for line in repro.lines(entry, prop, failure.nodeid))]
    return "\n".join([*lines, "", failure.details])


SKIPPED = {
    NOT_PROVIDED_CELL: "not provided",
    SAME: "same as reference",
    BLOCKED_CELL: "blocked",
    UNSUPPORTED: "unsupported",
    SKIP: "skipped",
}


def _skip_message(cell: Cell) -> str:
    if cell.outcome == UNSUPPORTED:
        why = "; ".join(cell.why_unsupported)
        return f"unsupported: the candidate declined all {cell.unsupported} examples ({why})"
    return "; ".join(cell.skip_reasons) or SKIPPED[cell.outcome]


def junit_tree(matrix: Matrix, repro: Reproduce) -> ET.ElementTree:
    """One ``testcase`` per cell (classname: the entry, name: the property): FAIL is a
    ``failure`` with reason, example, reproduction and pytest's text; XFAIL and the cells
    that did not run are ``skipped`` with their reason; XPASS passes with a property."""
    suite = ET.Element("testsuite", name=f"twinnet verify {repro.impl}")
    verdict = ET.SubElement(suite, "properties")
    ET.SubElement(verdict, "property", name="verdict", value=level_lines(matrix))
    counts = {"tests": 0, "failures": 0, "skipped": 0, "errors": len(matrix.errors)}
    for entry, prop, cell in cells_in_order(matrix):
        counts["tests"] += 1
        case = ET.SubElement(suite, "testcase", classname=entry, name=prop)
        props = ET.SubElement(case, "properties")
        ET.SubElement(props, "property", name="level", value=level_of(prop))
        outcome = cell.outcome
        if outcome == FAIL:
            counts["failures"] += 1
            failures = cell.failures
            first = failures[0] if failures else Failure("", "failed", None, "")
            node = ET.SubElement(case, "failure", message=first.reason)
            node.text = "\n\n".join(_failure_text(entry, prop, f, repro) for f in failures)
        elif outcome == XFAIL:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", type="xfail", message=f"expected failure: {cell.xfail}")
        elif outcome == XPASS:
            ET.SubElement(props, "property", name="xpass", value=str(cell.xfail))
        elif outcome != PASS:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=_skip_message(cell))
    for error in matrix.errors:
        case = ET.SubElement(suite, "testcase", classname="twinnet", name="run")
        ET.SubElement(case, "error", message=error)
    suite.attrib.update({k: str(v) for k, v in counts.items()})
    return ET.ElementTree(suite)


def write_junit(matrix: Matrix, repro: Reproduce, path: Path) -> None:
    tree = junit_tree(matrix, repro)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
