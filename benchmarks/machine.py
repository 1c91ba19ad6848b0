"""Provenance saved with every benchmark run: pytest-benchmark's machine and commit info
(git commit, dirty flag, branch), the date, and torch's view of the machine (torch and CUDA
versions, CPU model, thread count, GPU name and driver)."""

from __future__ import annotations

import contextlib
import platform
import shutil
import subprocess
from pathlib import Path

import torch
from pytest_benchmark.plugin import pytest_benchmark_generate_machine_info
from pytest_benchmark.utils import get_commit_info


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def gpu_driver() -> str | None:
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    try:
        out = subprocess.run(
            [smi, "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else None


def torch_machine_info() -> dict[str, object]:
    """torch version, CPU model, thread count, and GPU name/driver where a GPU is present."""
    info: dict[str, object] = {
        "torch": torch.__version__,
        "cpu_model": cpu_model(),
        "torch_threads": torch.get_num_threads(),
        "cuda_runtime": torch.version.cuda,
        "gpu": None,
        "gpu_driver": None,
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_driver"] = gpu_driver()
    return info


def machine_info() -> dict[str, object]:
    """pytest-benchmark's machine info with torch's added (:func:`torch_machine_info`)."""
    return {**pytest_benchmark_generate_machine_info(), **torch_machine_info()}


def commit_info() -> dict[str, object]:
    """The git commit of twinnet's working tree (``id``, ``dirty``, ``branch``, ``time``)."""
    with contextlib.chdir(Path(__file__).resolve().parent.parent):
        return dict(get_commit_info())
