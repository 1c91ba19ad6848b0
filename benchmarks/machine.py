"""Machine facts saved with every benchmark run (beyond pytest-benchmark's own)."""

from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

import torch


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
