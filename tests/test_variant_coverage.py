"""In the derandomized ci profile every enumerated variant of a config (form, mode, member
count, mask mode...: the options of ``properties.strategies.variants``) appears at least
once in each cell's examples, at no more examples than the profile's.

Each entry's configs are drawn exactly as a cell of the property suite draws them (the
harness's ``schedule`` of plans under the ci profile's settings), without running a
property: what a cell's examples reach, unless the candidate declines some of them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from properties.catalog import CATALOG
from properties.conftest import _COMMON  # noqa: F401  (registers the profiles)
from properties.harness import FREE, schedule
from properties.strategies import VariantCover, covering, new_example, variant_width, variants

CI = settings.get_profile("ci")


def ci_draws(configs: Any, name: str | None = None) -> tuple[VariantCover, int]:
    """The variants the ci examples of one cell reach, and how many examples it ran."""
    cover = VariantCover()
    ran = 0

    def draw(data: st.DataObject) -> None:
        nonlocal ran
        new_example()
        data.draw(configs(), label="config")
        ran += 1  # a config drawn whole (an overrun draw is no example)

    width = variant_width(name, configs) if name else 1
    with covering(cover):
        for plan, examples in schedule(CI.max_examples, width, cover):
            cover.plan = None if plan == FREE else plan
            if plan > 0:
                draw._hypothesis_internal_add_digest = f"variant plan {plan}".encode()  # type: ignore[attr-defined]
            settings(CI, max_examples=examples)(given(data=st.data())(draw))()
    return cover, ran


@pytest.mark.parametrize("name", list(CATALOG))
def test_ci_examples_reach_every_variant(name: str) -> None:
    cover, ran = ci_draws(CATALOG[name].configs, name)
    if not cover.declared:  # (fewer where the configs are few: hypothesis exhausts them)
        assert ran <= CI.max_examples, (name, ran)
        return
    missed = {
        axis: sorted(options - cover.reached.get(axis, set()))
        for axis, options in cover.declared.items()
        if options - cover.reached.get(axis, set())
    }
    assert not missed, f"{name}: the ci examples never draw {missed}"
    widest = max(len(options) for options in cover.declared.values())
    assert widest <= ran <= max(CI.max_examples, widest), (name, ran)


@pytest.mark.parametrize("examples", [1, 2, 6, 25])
@pytest.mark.parametrize("width", [1, 2, 3, 6, 9])
def test_schedule_shares_out_the_examples(examples: int, width: int) -> None:
    runs = list(schedule(examples, width, VariantCover()))
    if width <= 1:
        assert runs == [(FREE, examples)]  # as before variants: one run, the same examples
        return
    assert [plan for plan, _ in runs] == list(range(width))
    assert sum(n for _, n in runs) == max(examples, width)
    assert all(n >= 1 for _, n in runs)


def test_an_axis_first_met_in_a_run_adds_plans() -> None:
    cover = VariantCover()
    runs = []
    for plan, n in schedule(6, 1, cover):
        runs.append((plan, n))
        cover.widths["late"] = 3  # the free run drew an axis the probe did not see
    assert runs == [(FREE, 6), (0, 1), (1, 1), (2, 1)]


@pytest.mark.parametrize(
    "name",
    [
        "alf.Branch",
        "alf.Sequential",
        "alf.Parallel",
        "alf.Echo",
        "alf.RealNVPNetwork",
        "alf.EncodingNetwork",
        "alf.OnehotCategoricalProjectionNetwork",
        "alf.TemporalPool",
        "pyrado.NFPolicy",
    ],
)
def test_the_catalog_declares_variants(name: str) -> None:
    assert variant_width(name, CATALOG[name].configs) > 1, name
    assert ci_draws(CATALOG[name].configs, name)[0].declared, name


def test_a_one_member_tuple_branch_is_among_the_ci_examples() -> None:
    """The case a make_parallel that drops a one-member tuple fails on."""
    seen = []

    def record(cfg: dict) -> dict:
        seen.append((cfg["form"], len(cfg["members"])))
        return cfg

    ci_draws(lambda: CATALOG["alf.Branch"].configs().map(record), "alf.Branch")
    assert ("tuple", 1) in seen, seen


def test_variants_draws_freely_outside_a_covered_run() -> None:
    drawn = set()

    @settings(max_examples=50, database=None)
    @given(variants("mode", ["a", "b", "c"]))
    def check(mode: str) -> None:
        drawn.add(mode)

    check()
    assert drawn == {"a", "b", "c"}
