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


#: A candidate's code that fails in a nested function, the raise itself in the standard
#: library (``json``): the line to name is the candidate's own call, marked ``HERE``.
NESTED = '''"""A candidate module whose body fails two calls deep."""
import json


def adapters():
    def parse():
        return json.loads("{")  # HERE
    return parse()


ADAPTERS = adapters()
'''
NESTED_LINE = next(n for n, line in enumerate(NESTED.splitlines(), 1) if "# HERE" in line)


def nested_candidate(root: Path, name: str, raising: str) -> None:
    """Package ``name`` under ``root`` whose module ``raising`` (``__init__`` or ``alf``)
    has the nested failure."""
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text('"""A candidate."""\n')
    (package / f"{raising}.py").write_text(NESTED)


def test_the_line_named_is_the_candidates_own_innermost_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nested_candidate(tmp_path, "nested_top_cand", "__init__")
    monkeypatch.syspath_prepend(str(tmp_path))
    error = importable("nested_top_cand") or ""
    assert error.startswith("JSONDecodeError: Expecting property name"), error
    assert error.endswith(f"nested_top_cand/__init__.py:{NESTED_LINE})"), error


@pytest.mark.parametrize(
    ("raising", "argv", "module", "file"),
    [
        ("alf", ["bench", "--entries", "alf.EncodingNetwork", "--quick"], ".alf", "alf.py"),
        ("alf", ["verify", "--entries", "alf.EncodingNetwork"], ".alf", "alf.py"),
        ("__init__", ["list"], "", "__init__.py"),
    ],
    ids=["bench-submodule", "verify-submodule", "list-package"],
)
def test_a_candidate_from_any_folder_names_module_exception_and_its_line(
    raising: str,
    argv: list[str],
    module: str,
    file: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = f"nested_{raising.strip('_')}_{argv[0]}_cand"
    nested_candidate(tmp_path, name, raising)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--impl", name]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"'{name}{module}'" in lines[0]
    assert "JSONDecodeError: Expecting property name" in lines[0]
    assert lines[0].endswith(f"{tmp_path.name}/{name}/{file}:{NESTED_LINE})"), lines[0]
