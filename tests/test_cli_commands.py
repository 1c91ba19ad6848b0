"""``twinnet list`` output and the one-line, exit-2 handling of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.cli import main
from properties.catalog import CATALOG


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json", "--impl", "no_such_candidate_module"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [row["entry"] for row in listing] == list(CATALOG)
    first = listing[0]
    assert first["implementations"]["reference"] is True
    assert first["implementations"]["no_such_candidate_module"] is False
    assert set(first["properties"]) == set(CATALOG[first["entry"]].properties)


def test_list_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--entries", "alf.EncodingNetwork"]) == 0
    out = capsys.readouterr().out
    assert "alf.EncodingNetwork" in out
    assert "alf.ImageEncodingNetwork" not in out


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--entries", "nothing.matches*"],
        ["verify", "--entries", "nothing.matches*"],
        ["verify", "--impl", "no_such_candidate_module"],
        ["bench", "--entries", "nothing.matches*"],
        ["bench", "--impls", "reference,numba"],
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
