"""``twinnet compare`` on synthetic runs: only significant slowdowns above the threshold
are flagged; load drift, machines, entry sets and dtypes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench_runs import MACHINE, medians, run_json
from twinnet.cli import main
from twinnet.compare import CompareError, compare, parse_percent
from twinnet.results import parse_run, rows


def write(tmp_path: Path, name: str, data: dict) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return str(path)


def flagged(base: dict, new: dict, absolute: bool = False, fail_above: float = 0.10) -> set:
    comparison = compare(parse_run(base), parse_run(new), fail_above, absolute=absolute)
    return {d.key for d in comparison.slower}


@pytest.mark.parametrize("absolute", [False, True])
def test_unchanged_runs_flag_nothing(absolute: bool) -> None:
    for seed in range(5):
        base, new = run_json(medians(), seed=2 * seed), run_json(medians(), seed=2 * seed + 1)
        assert flagged(base, new, absolute) == set()


@pytest.mark.parametrize("absolute", [False, True])
def test_a_planted_slowdown_is_flagged_and_only_there(absolute: bool) -> None:
    base = run_json(medians(), seed=0)
    new = run_json(medians(slow={2: 1.25}), seed=1)
    keys = flagged(base, new, absolute)
    assert keys and {k[0] for k in keys} == {"syn.E2"}
    assert {k[3] for k in keys} == {"optimized"}
    assert len(keys) == 4  # both batch sizes, both modes


def test_below_threshold_or_inside_noise_is_not_flagged() -> None:
    base = run_json(medians(), seed=0, rounds=30)
    assert flagged(base, run_json(medians(slow={1: 1.05}), seed=1, rounds=30)) == set()
    noisy = run_json(medians(slow={1: 1.25}), seed=1, spread=0.6, rounds=6)
    assert flagged(run_json(medians(), seed=0, spread=0.6, rounds=6), noisy) == set()


def test_load_drift_cancels_relative_to_the_reference() -> None:
    """The whole second run 30% slower (a loaded machine): nothing is flagged relative to
    the reference of the same rounds; raw times flag everything."""
    base, new = run_json(medians(), seed=0), run_json(medians(), seed=1, drift=1.3)
    assert flagged(base, new) == set()
    assert len(flagged(base, new, absolute=True)) == len(medians())


def test_two_machines_compare_in_roof_units() -> None:
    """A machine half as fast (cases and roofs alike) compares equal, and says so."""
    base = parse_run(run_json(medians(), seed=0))
    slow_machine = {**MACHINE, "cpu_model": "Slower CPU"}
    new = parse_run(
        run_json(medians(), seed=1, drift=2.0, machine=slow_machine, roof_rates=(5e10, 5e9))
    )
    comparison = compare(base, new, 0.1, absolute=True)
    assert comparison.normalised and "cpu_model" in comparison.differences
    assert {d.status for d in comparison.deltas} == {"same"}


def test_runs_of_different_entries_dtypes_or_allocators_are_refused() -> None:
    base = parse_run(run_json(medians(3)))
    with pytest.raises(CompareError, match=r"only in new: syn\.E3"):
        compare(base, parse_run(run_json(medians(4))), 0.1)
    with pytest.raises(CompareError, match=r"different dtypes .*float32.*float64"):
        compare(base, parse_run(run_json(medians(3), dtype="float64")), 0.1)
    held = run_json(medians(3))
    held["twinnet"]["allocator"] = "held"  # base was saved before twinnet held the allocator
    with pytest.raises(CompareError, match=r"different allocator policies .*default.*held"):
        compare(base, parse_run(held), 0.1)


def test_new_and_gone_rows() -> None:
    base = medians(1)
    new = {(*k[:3], "vmap" if k[3] == "optimized" else k[3]): v for k, v in base.items()}
    comparison = compare(parse_run(run_json(base)), parse_run(run_json(new)), 0.1)
    statuses = {d.key[3]: d.status for d in comparison.deltas}
    assert statuses == {"reference": "anchor", "optimized": "gone", "vmap": "new"}


def test_cli_exit_codes_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write(tmp_path, "base", run_json(medians(), seed=0))
    same = write(tmp_path, "same", run_json(medians(), seed=1))
    slow = write(tmp_path, "slow", run_json(medians(slow={0: 1.3}), seed=1))
    assert main(["compare", base, same]) == 0
    assert "no significant slowdown above 10%" in capsys.readouterr().out
    assert main(["compare", base, slow, "--fail-above", "10%"]) == 1
    out = capsys.readouterr().out
    assert "syn.E0 B=1 fwd optimized" in " ".join(out.split())
    assert main(["compare", base, slow, "--fail-above", "50"]) == 0
    other = write(tmp_path, "other", run_json(medians(2)))
    assert main(["compare", base, other]) == 2
    assert "only in base: syn.E2, syn.E3" in capsys.readouterr().err


def test_a_run_without_rounds_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(medians(1))
    for bench in data["benchmarks"]:
        del bench["stats"]["data"]
    path = write(tmp_path, "old", data)
    assert main(["compare", path, path]) == 2
    assert "no per-round samples" in capsys.readouterr().err


def test_speedups_come_with_intervals_and_unstable_rows_are_marked() -> None:
    run = parse_run(run_json(medians(1), spread=0.02))
    by_impl = {(r.m.label, r.m.mode, r.m.impl): r for r in rows(run)}
    row = by_impl["B=64", "fwd", "optimized"]
    assert row.speedup == pytest.approx(2.0, rel=0.1)
    assert row.interval is not None and row.interval[0] < row.speedup < row.interval[1]
    assert not row.unstable
    noisy = parse_run(run_json(medians(1), spread=0.8))
    assert any(r.unstable for r in rows(noisy))


def test_forward_slower_than_forward_backward_is_unstable() -> None:
    data = medians(1)
    data["syn.E0", "B=1", "fwd", "optimized"] = 10 * data["syn.E0", "B=1", "fwd+bwd", "optimized"]
    run = parse_run(run_json(data))
    row = next(r for r in rows(run) if r.m.key == ("syn.E0", "B=1", "fwd", "optimized"))
    assert "forward slower than forward+backward" in row.unstable


def test_a_fraction_above_the_roof_is_marked() -> None:
    run = parse_run(run_json(medians(1), roof_rates=(1e6, 1e5)))
    fractions = [r.roof for r in rows(run) if r.roof is not None]
    assert fractions and all(f.above_roof for f in fractions)


def test_parse_percent() -> None:
    assert parse_percent("10%") == pytest.approx(0.10)
    assert parse_percent("2.5") == pytest.approx(0.025)
    with pytest.raises(ValueError, match="non-negative"):
        parse_percent("-3")
    with pytest.raises(ValueError, match="expected a percentage like 10%"):
        parse_percent("ten")
