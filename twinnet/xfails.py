"""Known differences as data: the xfails file of ``twinnet verify --xfails FILE``.

One cell per line, its reason after ``#``::

    # mylib keeps the running statistics in float32
    alf.EncodingNetwork::parity          # batch norm statistics drift in float32
    alf.*ProjectionNetwork::init          # orthogonal init, upstream uses variance scaling

The entry may be a glob (``fnmatch``); the property is an id. Blank lines and lines that
start with ``#`` are ignored. A line without a reason, with an unknown property or with an
entry pattern that matches no catalog entry is an error that names the line.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LINE = re.compile(r"^(?P<entry>[^\s:#]+)::(?P<prop>[^\s:#]+)\s*#\s*(?P<reason>\S.*)$")


class XfailsError(ValueError):
    """A malformed xfails file; the message names the file and the line."""


@dataclass(frozen=True)
class Xfail:
    """One line: the cells (entry glob, property) it lists and why they are expected to fail."""

    entry: str
    prop: str
    reason: str
    line: int

    def matches(self, entry: str, prop: str) -> bool:
        return prop == self.prop and fnmatch.fnmatchcase(entry, self.entry)


@dataclass(frozen=True)
class Xfails:
    """The lines of an xfails file (none: every cell is expected to pass)."""

    rules: tuple[Xfail, ...] = ()
    source: str = ""

    def reason(self, entry: str, prop: str) -> str | None:
        """Why ``(entry, prop)`` is expected to fail, or None when it is not listed."""
        return next((r.reason for r in self.rules if r.matches(entry, prop)), None)


def parse_xfails(
    text: str, entries: Iterable[str], properties: Iterable[str], source: str = "xfails"
) -> Xfails:
    """The xfails of ``text``, checked against the catalog's ``entries`` and ``properties``."""
    names, ids = list(entries), set(properties)
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source}:{number}"
        match = LINE.match(line)
        if match is None:
            raise XfailsError(f"{where}: expected 'entry::property  # reason', got {line!r}")
        entry, prop = match["entry"], match["prop"]
        if prop not in ids:
            raise XfailsError(f"{where}: unknown property {prop!r} (see `twinnet list -v`)")
        if not any(fnmatch.fnmatchcase(name, entry) for name in names):
            raise XfailsError(f"{where}: {entry!r} matches no catalog entry (see `twinnet list`)")
        rules.append(Xfail(entry, prop, match["reason"].strip(), number))
    return Xfails(tuple(rules), source)


def load_xfails(path: Path, entries: Iterable[str], properties: Iterable[str]) -> Xfails:
    try:
        text = path.read_text()
    except OSError as error:
        raise XfailsError(f"cannot read the xfails file {path}: {error.strerror}") from error
    return parse_xfails(text, entries, properties, str(path))
