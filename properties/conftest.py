"""Pytest wiring of the property suite: options, hypothesis profiles, parametrization.

Every property test is a function ``test_<property id>(subject, ...)`` parametrized over
``entry`` (the catalog entries the property applies to) and, where it takes them, over
``dtype`` (float32, float64) and ``device`` (``--device cpu|cuda|all``). Options::

    --impl MODULE           the candidate (default: optimized)
    --entries GLOBS         comma-separated globs of entry names (default: all)
    --properties IDS        comma-separated property ids or globs (default: all)
    --catalog-extra MODULES modules with more catalog entries (``entries()``)

Each test item carries its cell, ``(entry, property)``, in ``user_properties``.
"""

from __future__ import annotations

import fnmatch
import os

import pytest
import torch
from hypothesis import HealthCheck, Phase, settings

from properties.candidate import DEFAULT_CANDIDATE, Impl, importable
from properties.catalog import catalog, known_ids, parse_modules
from properties.entry import Entry
from properties.harness import NOT_PROVIDED, SAME_AS_REFERENCE, TALLY_KEY, Subject
from properties.ids import COMPARES_WITH_REFERENCE, property_of

ENTRY_KEY = "twinnet_entry"
PROPERTY_KEY = "twinnet_property"

_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
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
settings.register_profile("dev", max_examples=25, print_blob=True, **_COMMON)
settings.register_profile("thorough", max_examples=300, print_blob=True, **_COMMON)
settings.load_profile("dev")

# Parity checks compare exact float32 arithmetic: TF32 would change the numbers on CUDA.
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("twinnet")
    group.addoption("--impl", default=DEFAULT_CANDIDATE, help="candidate module")
    group.addoption(
        "--entries",
        action="append",
        default=[],
        help="comma-separated globs of entry names (repeatable; default all)",
    )
    group.addoption(
        "--properties",
        action="append",
        default=[],
        help="comma-separated property ids (globs; repeatable; default all)",
    )
    group.addoption(
        "--device",
        default="all",
        choices=("cpu", "cuda", "all"),
        help="devices to run properties on (all = every available one)",
    )
    group.addoption("--catalog-extra", default="", help="modules with more catalog entries")


def pytest_configure(config: pytest.Config) -> None:
    share_cores_between_workers()
    impl = config.getoption("--impl")
    error = importable(impl)
    if error is not None:
        raise pytest.UsageError(f"cannot import the candidate module {impl!r}: {error}")


def share_cores_between_workers() -> None:
    """Under pytest-xdist, give each worker its share of the cores: torch's default of one
    thread per core in every worker oversubscribes the machine, and small kernels then run
    orders of magnitude slower than alone."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        torch.set_num_threads(max(1, (cores or 1) // workers))


def _catalog(config: pytest.Config) -> dict[str, Entry]:
    return catalog(parse_modules(config.getoption("--catalog-extra")))


def _globs(given: list[str]) -> list[str]:
    """The globs of every occurrence of a repeatable comma-separated option (all: ``*``)."""
    return [g.strip() for text in given or ["*"] for g in text.split(",") if g.strip()]


def _selected(name: str, globs: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, g) for g in globs)


def devices(config: pytest.Config) -> list[str]:
    choice = config.getoption("--device")
    if choice == "all":
        return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    return [choice]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    cat = _catalog(metafunc.config)
    prop = property_of(metafunc.function.__name__, known_ids(cat.values()))
    if "entry" in metafunc.fixturenames and prop is not None:
        names = [name for name, e in cat.items() if prop in e.properties]
        metafunc.parametrize("entry", names, ids=names)
    if "dtype" in metafunc.fixturenames:
        metafunc.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", devices(metafunc.config))


def cell_of(item: pytest.Item) -> tuple[str, str] | None:
    tags = dict(item.user_properties)
    if ENTRY_KEY not in tags:
        return None
    return str(tags[ENTRY_KEY]), str(tags[PROPERTY_KEY])


def pytest_itemcollected(item: pytest.Item) -> None:
    callspec = getattr(item, "callspec", None)
    entry = callspec.params.get("entry") if callspec is not None else None
    name = getattr(item, "originalname", item.name)
    prop = property_of(name, known_ids(_catalog(item.config).values()))
    if isinstance(entry, str) and prop is not None:
        item.user_properties.append((ENTRY_KEY, entry))
        item.user_properties.append((PROPERTY_KEY, prop))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    entries, props = _globs(config.getoption("--entries")), _globs(config.getoption("--properties"))
    keep, drop = [], []
    for item in items:
        cell = cell_of(item)
        wanted = cell is None or (_selected(cell[0], entries) and _selected(cell[1], props))
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def subject(request: pytest.FixtureRequest, entry: str) -> Subject:
    """The entry under the test's property, with the candidate and its reference."""
    cat = _catalog(request.config)
    prop = property_of(request.function.__name__, known_ids(cat.values()))
    assert prop is not None, request.function.__name__
    e = cat[entry]
    candidate = Impl(request.config.getoption("--impl"))
    reference = Impl(e.reference)
    if not candidate.provides(entry):
        pytest.skip(f"{NOT_PROVIDED}: {candidate} has no {entry}")
    if prop in COMPARES_WITH_REFERENCE and candidate.same_object(reference, entry):
        pytest.skip(f"{SAME_AS_REFERENCE}: {candidate}'s {entry} is {reference}'s object")
    subject = Subject(e, prop, candidate, reference)
    request.node.user_properties.append((TALLY_KEY, subject.tally.data))
    return subject
