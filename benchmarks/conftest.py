"""pytest configuration of the benchmark suites (``benchmarks/bench_*.py``).

The repository's default pytest run (testpaths ``properties`` and ``tests``) never collects
benchmarks; point pytest at this folder and enable pytest-benchmark::

    pytest benchmarks --benchmark-enable [--bench-quick] [--bench-impls reference,vmap]
        [--bench-candidate mylib.adapters]

or use ``twinnet bench``, which does exactly that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from benchmarks.machine import torch_machine_info
from benchmarks.timing import Budget


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("twinnet benchmarks")
    group.addoption(
        "--bench-device",
        default="cpu",
        choices=("cpu", "cuda"),
        help="device to benchmark on (default cpu)",
    )
    group.addoption(
        "--bench-quick",
        action="store_true",
        help="few rounds, short max time, the largest cases dropped",
    )
    group.addoption(
        "--bench-compile",
        action="store_true",
        help="time torch.compile of the reference even in quick runs",
    )
    group.addoption(
        "--bench-impls",
        default="reference,optimized,vmap,compile,peers",
        help="comma-separated implementations to time",
    )
    group.addoption(
        "--bench-entries", default="*", help="comma-separated globs of catalog entries to time"
    )
    group.addoption(
        "--bench-candidate",
        default="",
        help="a candidate module timed beside the implementations (labelled by its name)",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_configure(config: pytest.Config) -> None:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


def pytest_benchmark_update_machine_info(
    config: pytest.Config, machine_info: dict[str, Any]
) -> None:
    machine_info.update(torch_machine_info())


@pytest.fixture(scope="session")
def bench_device(pytestconfig: pytest.Config) -> torch.device:
    name = pytestconfig.getoption("--bench-device")
    if name == "cuda" and not torch.cuda.is_available():
        pytest.skip("CUDA requested but not available")
    return torch.device(name)


@pytest.fixture(scope="session")
def budget(pytestconfig: pytest.Config) -> Budget:
    return Budget.for_run(pytestconfig.getoption("--bench-quick"))
