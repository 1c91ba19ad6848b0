"""The reference and optimized build exactly upstream's state_dict layout (keys and
shapes, DESIGN's contract item 2) for every config recorded from upstream ALF @23aca49,
AMAGO @2d85600 and Pyrado @7c48d66 in ``properties/spec/upstream_layouts.json``
(``properties.upstream_layouts``; written by ``tools/record_upstream_layouts.py`` where
upstream imports; this test needs no upstream), so an upstream checkpoint of such a config
loads with ``strict=True``."""

from __future__ import annotations

import pytest

from properties.candidate import Impl
from properties.catalog import catalog
from properties.harness import Subject
from properties.kinds.base import state_of
from properties.upstream_layouts import recorded

CATALOG = catalog()
CASES = [(name, i) for name, rows in sorted(recorded().items()) for i in range(len(rows))]


def test_layouts_are_recorded_for_catalog_entries() -> None:
    assert CASES, "no recorded upstream layouts"
    assert set(recorded()) - set(CATALOG) == set()


@pytest.mark.parametrize(("name", "index"), CASES, ids=[f"{n}-{i}" for n, i in CASES])
@pytest.mark.parametrize("impl", ["reference", "optimized"])
def test_layout_is_upstreams(name: str, index: int, impl: str) -> None:
    layout = recorded()[name][index]
    subject = Subject(CATALOG[name], "state_dict", Impl(impl), Impl("reference"))
    net = subject.build(Impl(impl), layout.config)
    layout.check(state_of(net), impl, CATALOG[name].upstream_lacks)
