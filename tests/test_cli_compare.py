"""``twinnet compare`` on synthetic pytest-benchmark runs: slowdowns in and out of noise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from twinnet.cli import main
from twinnet.compare import compare, parse_percent
from twinnet.results import GEMM_GROUP, parse_run, rows


def bench(group: str, impl: str, median: float, iqr: float, flops: int = 10**6) -> dict:
    entry, label, mode = group.split("|") if group != GEMM_GROUP else ("gemm", "1024^3", "fwd")
    return {
        "group": group,
        "name": f"test[{group}|{impl}]",
        "extra_info": {
            "entry": entry,
            "label": label,
            "mode": mode,
            "impl": impl,
            "batch": 64,
            "n": None,
            "flops": flops,
        },
        "stats": {"median": median, "iqr": iqr, "rounds": 20},
    }


def run_json(case_median: float, case_iqr: float, gemm_median: float = 0.01) -> dict:
    return {
        "machine_info": {"torch": "x"},
        "datetime": "now",
        "benchmarks": [
            bench(GEMM_GROUP, "gemm", gemm_median, gemm_median * 0.01, flops=2 * 1024**3),
            bench("alf.EncodingNetwork|B=64|fwd", "reference", case_median, case_iqr),
            bench("alf.EncodingNetwork|B=64|fwd", "optimized", case_median / 2, case_iqr / 2),
        ],
    }


def write(tmp_path: Path, name: str, data: dict) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_figures_of_a_run() -> None:
    run = parse_run(run_json(0.001, 0.0001))
    by_impl = {r.m.impl: r for r in rows(run)}
    assert by_impl["optimized"].speedup == pytest.approx(2.0)
    peak = 2 * 1024**3 / 0.01
    assert by_impl["reference"].pct_peak == pytest.approx(100 * 1e6 / 0.001 / peak)


def test_slowdown_outside_noise_is_flagged(tmp_path: Path) -> None:
    base = write(tmp_path, "base", run_json(0.0010, 0.00002))
    new = write(tmp_path, "new", run_json(0.0013, 0.00002))
    assert main(["compare", base, new, "--fail-above", "10%"]) == 1


def test_slowdown_inside_noise_is_not_flagged(tmp_path: Path) -> None:
    base = write(tmp_path, "base", run_json(0.0010, 0.0008))
    new = write(tmp_path, "new", run_json(0.0013, 0.0008))
    assert main(["compare", base, new, "--fail-above", "10%"]) == 0


def test_small_slowdown_below_threshold_is_not_flagged(tmp_path: Path) -> None:
    base = write(tmp_path, "base", run_json(0.0010, 0.000001))
    new = write(tmp_path, "new", run_json(0.00105, 0.000001))
    assert main(["compare", base, new, "--fail-above", "10"]) == 0


def test_machine_speed_cancels_out() -> None:
    """Twice-as-slow machine: case and GEMM both doubled, no slowdown."""
    base = parse_run(run_json(0.0010, 0.00001, gemm_median=0.01))
    new = parse_run(run_json(0.0020, 0.00002, gemm_median=0.02))
    assert {d.status for d in compare(base, new, 0.1)} == {"same"}


def test_new_and_gone_cases() -> None:
    base = parse_run(run_json(0.001, 0.0))
    data = run_json(0.001, 0.0)
    data["benchmarks"][2]["extra_info"]["impl"] = "vmap"
    statuses = {d.key[3]: d.status for d in compare(base, parse_run(data), 0.1)}
    assert statuses == {"reference": "same", "optimized": "gone", "vmap": "new"}


def test_parse_percent() -> None:
    assert parse_percent("10%") == pytest.approx(0.10)
    assert parse_percent("2.5") == pytest.approx(0.025)
    with pytest.raises(ValueError):
        parse_percent("-3")
