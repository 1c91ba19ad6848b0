"""``twinnet list``: names whose optimized object is the reference's own show as
``shared``; ``-v`` names the source files behind each entry and where each reason for a
left-out property comes from."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from properties.candidate import Impl
from properties.catalog import CATALOG
from twinnet.cli import main
from twinnet.runner import ROOT


def test_shared_names_are_shown_as_shared(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json"]) == 0
    rows = {row["entry"]: row for row in json.loads(capsys.readouterr().out)}
    reference, optimized = Impl("reference"), Impl("optimized")
    expected = {n for n in CATALOG if optimized.same_object(reference, n)}
    assert {n for n, row in rows.items() if "optimized" in row["shared"]} == expected
    assert "alf.SimpleActionEncoder" in expected and "alf.EncodingNetwork" not in expected
    assert all("reference" not in row["shared"] for row in rows.values())

    assert main(["list", "--entries", "alf.SimpleActionEncoder,alf.EncodingNetwork"]) == 0
    out = capsys.readouterr().out
    simple = next(line for line in out.splitlines() if "alf.SimpleActionEncoder " in line)
    encoding = next(line for line in out.splitlines() if "alf.EncodingNetwork " in line)
    assert simple.split()[1:3] == ["yes", "shared"]
    assert encoding.split()[1:3] == ["yes", "yes"]
    assert "optimized (shared: the reference's object)" in out


def _files(out: str, entry: str) -> dict[str, str]:
    """The ``<what> file(s): path`` lines of ``entry``'s details."""
    block = out.split(f"\n{entry}  ", 1)[1].split("\n\n", 1)[0]
    found = {}
    for line in block.splitlines():
        head, sep, tail = line.strip().partition(": ")
        if sep and (head.endswith(" file") or head.endswith(" files")):
            found[head.rsplit(" ", 1)[0]] = tail
    return found


def test_verbose_list_names_the_files_behind_each_entry(
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = ["alf.Branch", "alf.SimpleActionEncoder", "amago.TanhGaussian"]
    assert main(["list", "-v", "--entries", ",".join(names)]) == 0
    out = capsys.readouterr().out
    for name in names:
        files = _files(out, name)
        assert set(files) >= {"reference", "optimized", "entry"}, (name, files)
        for impl in ("reference", "optimized"):
            source = inspect.getsourcefile(Impl(impl).get(name))
            assert source is not None
            assert (ROOT / files[impl]).resolve() == Path(source).resolve(), (name, impl)
        assert files["entry"].startswith("properties/entries/"), files
        if CATALOG[name].bench.cases:  # the case module, not the entry module
            assert files["benchmarks"].startswith("benchmarks/cases/"), (name, files)
    shared = _files(out, "alf.SimpleActionEncoder")
    assert shared["reference"] == shared["optimized"]


def test_verbose_list_says_where_each_reason_comes_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    entry_reasons = kind_reasons = 0
    for row in rows:
        entry = CATALOG[row["entry"]]
        assert set(row["not_applicable_from"]) == set(row["not_applicable"])
        for prop, origin in row["not_applicable_from"].items():
            assert origin == ("entry" if prop in entry.left_out else "kind"), (row["entry"], prop)
            entry_reasons += origin == "entry"
            kind_reasons += origin == "kind"
    assert entry_reasons and kind_reasons

    assert main(["list", "-v", "--entries", "alf.Residue"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    residue = CATALOG["alf.Residue"]
    details, _, kinds = text.partition(f"{residue.kind.title}: not applicable")
    assert kinds, "the kind's reasons are printed once, after the entries"
    for prop, why in residue.reasons().items():
        said = f"{prop}: {' '.join(why.split())}"
        if prop in residue.left_out:  # the entry's own reason, with the entry
            assert said in details, prop
        else:  # the kind's: named with the entry, its reason once in the kind's section
            assert said not in details and prop in details and said in kinds, prop
