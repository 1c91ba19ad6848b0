"""A candidate whose submodule raises while importing: one line (module, exception, where)
and exit 2 from every command, never a traceback (README, 'Writing a candidate')."""

from __future__ import annotations

from pathlib import Path

import pytest

from properties.candidate import CandidateImportError, Impl, importable
from twinnet.cli import main

RAISING = "tests.candidates.raising"


def test_a_raising_submodule_is_a_candidate_error_not_a_missing_name() -> None:
    impl = Impl(RAISING)
    with pytest.raises(CandidateImportError) as caught:
        impl.find("alf.EncodingNetwork")
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert f"'{RAISING}.alf'" in message
    assert "RuntimeError: the alf adapters are broken" in message
    assert "tests/candidates/raising/alf.py:3" in message
    # a submodule that does not exist, or a name a module lacks, is simply not provided
    assert impl.find("pyrado.ADNPolicy") is None
    assert impl.find("amago.TanhGaussian") is None


def test_a_module_that_raises_names_where(tmp_path: Path) -> None:
    assert importable(f"{RAISING}.alf") is not None
    error = importable(f"{RAISING}.alf") or ""
    assert error.startswith("RuntimeError: the alf adapters are broken (at ")
    assert error.endswith("raising/alf.py:3)")
    assert importable("no_such_candidate_module") == (
        "ModuleNotFoundError: No module named 'no_such_candidate_module'"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--impl", RAISING],
        ["verify", "--impl", RAISING, "--entries", "alf.EncodingNetwork"],
        ["bench", "--impl", RAISING, "--entries", "alf.EncodingNetwork", "--quick"],
        ["report", "--impl", RAISING, "--entries", "alf.EncodingNetwork"],
    ],
    ids=["list", "verify", "bench", "report"],
)
def test_every_command_reports_it_in_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if argv[0] == "report":
        argv = [*argv, "--out", str(tmp_path / "report")]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("twinnet: error: ")
    assert f"'{RAISING}.alf'" in lines[0]
    assert "RuntimeError: the alf adapters are broken" in lines[0]
    assert "alf.py:3" in lines[0]
