"""Pytest wiring for the property suite: hypothesis profiles, devices, dtypes, entries.

Every property test is a function ``test_<property id>`` parametrized over ``entry`` (an
inventory name from the catalog, filtered by ``TWINNET_ENTRIES``), and where it applies
over ``dtype`` (float32, float64) and ``device`` (``--device cpu|cuda|all``).
"""

from __future__ import annotations

import fnmatch
import os

import pytest
import torch
from hypothesis import HealthCheck, Phase, settings

from properties.catalog import CATALOG
from properties.entry import property_of

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
# ci: few examples, fixed seeds, and no shrinking (a failure is reported as first found,
# which keeps a red run, and the suite's own broken-candidate checks, fast).
settings.register_profile(
    "ci",
    max_examples=6,
    derandomize=True,
    print_blob=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    **_COMMON,
)
settings.register_profile("dev", max_examples=25, **_COMMON)
settings.register_profile("thorough", max_examples=300, **_COMMON)
settings.load_profile(os.environ.get("TWINNET_HYPOTHESIS_PROFILE", "dev"))

# Parity checks compare exact float32 arithmetic: TF32 would change the numbers on CUDA.
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--device",
        default="all",
        choices=("cpu", "cuda", "all"),
        help="devices to run properties on (all = every available one)",
    )


def selected_devices(config: pytest.Config) -> list[str]:
    choice = config.getoption("--device")
    if choice == "all":
        return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    return [choice]


def selected_entries(prop: str) -> list[str]:
    pattern = os.environ.get("TWINNET_ENTRIES", "*")
    patterns = [p.strip() for p in pattern.split(",") if p.strip()]
    return [
        name
        for name, e in CATALOG.items()
        if prop in e.properties and any(fnmatch.fnmatchcase(name, p) for p in patterns)
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    prop = property_of(metafunc.function.__name__)
    if "entry" in metafunc.fixturenames and prop is not None:
        names = selected_entries(prop)
        metafunc.parametrize("entry", names, ids=names)
    if "dtype" in metafunc.fixturenames:
        metafunc.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", selected_devices(metafunc.config))
