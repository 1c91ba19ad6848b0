"""``twinnet list`` output (JSON, 80 columns, piped) and the one-line, exit-2 handling of
bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from properties.catalog import CATALOG
from twinnet.cli import main
from twinnet.runner import ROOT


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json", "--impl", "tests.broken.dropped_bias"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [row["entry"] for row in listing] == list(CATALOG)
    by_name = {row["entry"]: row for row in listing}
    encoding = by_name["alf.EncodingNetwork"]
    assert encoding["implementations"] == {
        "reference": True,
        "optimized": True,
        "tests.broken.dropped_bias": True,
    }
    assert encoding["kind"] == CATALOG["alf.EncodingNetwork"].kind.title
    for row in listing:
        entry = CATALOG[row["entry"]]
        assert set(row["properties"]) == set(entry.properties)
        assert row["not_applicable"] == entry.reasons()
        assert not set(row["properties"]) & set(row["not_applicable"])


def test_a_repeated_entries_option_selects_the_union(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["list", "--json", "--entries", "alf.GRUCell", "--entries", "alf.LSTM*,amago.GMM"]
    assert main(argv) == 0
    listed = [row["entry"] for row in json.loads(capsys.readouterr().out)]
    assert sorted(listed) == ["alf.GRUCell", "alf.LSTMCell", "alf.LSTMEncodingNetwork", "amago.GMM"]


def test_list_of_a_candidate_that_cannot_be_imported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--impl", "no_such_candidate_module"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "cannot import the candidate module 'no_such_candidate_module'" in err


def twinnet_list(*args: str, columns: int = 80) -> str:
    """``twinnet list`` in a subprocess whose stdout is a pipe (not a terminal)."""
    done = subprocess.run(
        [sys.executable, "-m", "twinnet.cli", "list", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": str(columns), "PYTHONPATH": str(ROOT)},
    )
    return done.stdout


@pytest.mark.slow
def test_list_piped_fits_80_columns() -> None:
    out = twinnet_list("--impl", "tests.partial_candidate")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "\x1b[" not in out  # no colour codes in a pipe
    for name in CATALOG:
        assert any(line.strip().startswith(name + " ") for line in lines), name
    assert "cand. = tests.partial_candidate" in out
    encoding = next(line for line in lines if line.strip().startswith("alf.EncodingNetwork "))
    simple = next(line for line in lines if line.strip().startswith("alf.SimpleActionEncoder "))
    assert encoding.split()[1:4] == ["yes", "yes", "yes"]
    assert simple.split()[1:4] == ["yes", "shared", "-"]  # optimized: the reference's object


def test_list_details_of_few_entries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--entries", "alf.EncodingNetwork"]) == 0
    out = capsys.readouterr().out
    assert "alf.ImageEncodingNetwork" not in out
    assert "not applicable" in out
    for prop, why in CATALOG["alf.EncodingNetwork"].reasons().items():
        assert f"{prop}: {' '.join(why.split())}" in " ".join(out.split()), prop


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--entries", "nothing.matches*"],
        ["verify", "--entries", "nothing.matches*"],
        ["verify", "--impl", "no_such_candidate_module"],
        ["verify", "--impl", "os.path"],
        ["bench", "--entries", "nothing.matches*"],
        ["bench", "--impls", "reference,numba"],
        ["bench", "--impl", "no_such_candidate_module"],
        ["report", "--impl", "no_such_candidate_module"],
        ["compare", "no_such_run", "no_such_run_either"],
        ["compare", "a", "b", "--fail-above", "lots"],
        ["bogus-command"],
        ["bench", "--device", "tpu"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "b.json").write_text("{}")
    code: int | str | None
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("twinnet")


def test_compare_of_a_file_that_is_not_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["compare", str(bad), str(bad)]) == 2
    assert "pytest-benchmark" in capsys.readouterr().err


def test_version_and_bare_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("twinnet ")
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: twinnet")
    for command in ("list", "verify", "bench", "compare", "report", "selfcheck"):
        assert f"twinnet {command}" in out
    assert "PYTHONPATH=." in out


@pytest.mark.parametrize("command", [[], ["verify"], ["bench"], ["compare"], ["selfcheck"]])
def test_help_is_plain_text(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert "``" not in out and ":class:" not in out and ":func:" not in out
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize(
    "argv",
    [
        ["bench", "--threads", "0"],
        ["selfcheck", "--pairs", "0"],
        ["selfcheck", "--slowdown", "lots"],
        ["report", "--entries", "nothing.matches*"],
    ],
)
def test_more_bad_input_is_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("twinnet: error:")
