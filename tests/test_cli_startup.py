"""``twinnet --help`` and argument errors answer without loading torch or the catalog.

Starting a command used to take over 3 s because the CLI module imported torch, the
catalog and the benchmark suite before parsing. The parser now imports only light
modules; :mod:`twinnet.commands` loads when a command runs. Pinned by what is imported,
not by a clock.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from twinnet.cli import main
try:
    main({argv!r})
except SystemExit as stop:
    code = stop.code
heavy = sorted(m for m in ("torch", "hypothesis", "numpy", "properties.catalog",
                           "twinnet.commands") if m in sys.modules)
print("HEAVY:" + ",".join(heavy))
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["verify", "--help"], ["verify", "--bogus"], ["bench", "--device", "tpu"]],
)
def test_help_and_argument_errors_import_nothing_heavy(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True
    )
    last = done.stdout.strip().splitlines()[-1]
    assert last == "HEAVY:", f"{argv} imported {last.removeprefix('HEAVY:')}"
