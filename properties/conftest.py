"""Pytest wiring of the property suite: options, hypothesis profiles, parametrization.

Every property test is a function ``test_<property id>(subject, ...)`` parametrized over
``entry`` (the catalog entries the property applies to) and, where it takes them, over
``dtype`` (float32, float64) and ``device`` (``--device cpu|cuda|all``). Options::

    --impl MODULE           the candidate (default: optimized)
    --entries GLOBS         comma-separated globs of entry names (default: all)
    --properties IDS        comma-separated property ids or globs (default: all)
    --catalog-extra MODULES modules with more catalog entries (``entries()``)

These options are read once per session into a :class:`~properties.selection.CellSelection`;
``twinnet verify`` builds that selection itself and hands it over as a plugin object, and
then the options are not read at all (module doc of ``properties/selection.py``).

Each test item carries its cell, ``(entry, property)``, in ``user_properties``, and a cell
skipped for a reason the conformance matrix shows (not provided, same as reference,
blocked, unsupported) carries that reason as data too (``OUTCOME_KEY``, or the tally's
``outcome``), never only in the text of the skip message.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
import torch
from hypothesis import HealthCheck, Phase, settings
from hypothesis.configuration import set_hypothesis_home_dir

from properties.candidate import DEFAULT_CANDIDATE, Impl, importable
from properties.harness import NOT_PROVIDED, OUTCOME_KEY, SAME_AS_REFERENCE, TALLY_KEY, Subject
from properties.ids import COMPARES_WITH_REFERENCE, LEVELS, property_of
from properties.selection import ALL_LEVELS, DEVICE_CHOICES, CellSelection, SelectionPlugin

ENTRY_KEY = "twinnet_entry"
PROPERTY_KEY = "twinnet_property"
SELECTION = pytest.StashKey[CellSelection]()

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
# quick: ci's fixed examples, half as many (every variant of a config still gets one: the
# harness's plans); the verify half of `twinnet report`, the main job, which must answer in
# minutes on 2 cores.
settings.register_profile(
    "quick",
    max_examples=3,
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
        choices=DEVICE_CHOICES,
        help="devices to run properties on (all = every available one)",
    )
    group.addoption("--catalog-extra", default="", help="modules with more catalog entries")
    group.addoption(
        "--level",
        default=ALL_LEVELS,
        choices=(*LEVELS, ALL_LEVELS),
        help="the level of property ids to run: conformance, hardening or all (default)",
    )
    group.addoption(
        "--example-db",
        default="here",
        choices=("here", "temp"),
        help="where hypothesis keeps its examples: .hypothesis/ in the working folder (here, "
        "default) or a temporary folder removed after the run (temp: twinnet verify leaves "
        "nothing in the user's folder)",
    )


def pytest_configure(config: pytest.Config) -> None:
    share_cores_between_workers()
    if config.getoption("--example-db") == "temp":
        home = tempfile.mkdtemp(prefix="twinnet-hypothesis-")
        set_hypothesis_home_dir(home)
        config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))
    if _plugin_selection(config) is not None:
        return  # twinnet verify checked the candidate before it built the selection
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


def _plugin_selection(config: pytest.Config) -> CellSelection | None:
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, SelectionPlugin):
            return plugin.selection
    return None


def selection(config: pytest.Config) -> CellSelection:
    """The run's selection: the one a plugin object carries (``twinnet verify``), else one
    built once from this session's options (a plain pytest run, an xdist worker)."""
    found = config.stash.get(SELECTION, None)
    if found is None:
        found = _plugin_selection(config)
        if found is None:
            try:
                found = CellSelection.build(
                    config.getoption("--impl"),
                    config.getoption("--entries"),
                    config.getoption("--properties"),
                    config.getoption("--device"),
                    config.getoption("--catalog-extra"),
                    config.getoption("--level"),
                )
            except ImportError as error:
                raise pytest.UsageError(f"--catalog-extra: {error}") from error
        config.stash[SELECTION] = found
    return found


def devices(config: pytest.Config) -> list[str]:
    return selection(config).devices()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    chosen = selection(metafunc.config)
    prop = property_of(metafunc.function.__name__, chosen.ids)
    if "entry" in metafunc.fixturenames and prop is not None:
        names = [name for name, e in chosen.catalog.items() if prop in e.properties]
        metafunc.parametrize("entry", names, ids=names)
    if "dtype" in metafunc.fixturenames:
        metafunc.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", chosen.devices())


def cell_of(item: pytest.Item) -> tuple[str, str] | None:
    tags = dict(item.user_properties)
    if ENTRY_KEY not in tags:
        return None
    return str(tags[ENTRY_KEY]), str(tags[PROPERTY_KEY])


def pytest_itemcollected(item: pytest.Item) -> None:
    callspec = getattr(item, "callspec", None)
    entry = callspec.params.get("entry") if callspec is not None else None
    name = getattr(item, "originalname", item.name)
    prop = property_of(name, selection(item.config).ids)
    if isinstance(entry, str) and prop is not None:
        item.user_properties.append((ENTRY_KEY, entry))
        item.user_properties.append((PROPERTY_KEY, prop))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    chosen = selection(config)
    keep, drop = [], []
    for item in items:
        cell = cell_of(item)
        wanted = cell is None or chosen.wanted(*cell)
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def subject(request: pytest.FixtureRequest, entry: str) -> Subject:
    """The entry under the test's property, with the candidate and its reference. A cell
    the candidate cannot take part in is skipped, its outcome (*not provided*, *same as
    reference*) recorded in ``user_properties`` under ``OUTCOME_KEY``."""
    chosen = selection(request.config)
    prop = property_of(request.function.__name__, chosen.ids)
    assert prop is not None, request.function.__name__
    e = chosen.catalog[entry]
    candidate = chosen.candidate
    reference = Impl(e.reference)
    if not candidate.provides(entry):
        request.node.user_properties.append((OUTCOME_KEY, NOT_PROVIDED))
        pytest.skip(f"{NOT_PROVIDED}: {candidate} has no {entry}")
    if prop in COMPARES_WITH_REFERENCE and candidate.same_object(reference, entry):
        request.node.user_properties.append((OUTCOME_KEY, SAME_AS_REFERENCE))
        pytest.skip(f"{SAME_AS_REFERENCE}: {candidate}'s {entry} is {reference}'s object")
    subject = Subject(e, prop, candidate, reference)
    if prop in e.deviations:  # shown with the cell's failures (twinnet.matrix)
        subject.tally.data["deviation"] = e.deviations[prop]
    request.node.user_properties.append((TALLY_KEY, subject.tally.data))
    return subject
