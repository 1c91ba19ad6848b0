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
from properties.harness import REST, schedule
from properties.strategies import VariantCover, covering, new_example, variants

CI = settings.get_profile("ci")


def ci_draws(configs: Any) -> tuple[VariantCover, int]:
    """The variants the ci examples of one cell reach, and how many examples it ran."""
    cover = VariantCover()
    ran = 0

    def draw(data: st.DataObject) -> None:
        nonlocal ran
        ran += 1
        new_example()
        data.draw(configs(), label="config")

    with covering(cover):
        for plan, examples in schedule(CI.max_examples, cover):
            cover.plan = None if plan == REST else plan
            if plan:
                draw._hypothesis_internal_add_digest = f"variant plan {plan}".encode()  # type: ignore[attr-defined]
            settings(CI, max_examples=examples)(given(data=st.data())(draw))()
    return cover, ran


@pytest.mark.parametrize("name", list(CATALOG))
def test_ci_examples_reach_every_variant(name: str) -> None:
    cover, ran = ci_draws(CATALOG[name].configs)
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
    cover = VariantCover()
    runs = []
    for plan, n in schedule(examples, cover):
        runs.append((plan, n))
        cover.widths["axis"] = width  # what plan 0 found
    assert sum(n for _, n in runs) == max(examples, width if width > 1 else 1)
    plans = [p for p, _ in runs if p != REST]
    assert set(range(width)) <= set(plans) if width > 1 else plans == [0]


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
        "pyrado.ADNPolicy",
    ],
)
def test_the_catalog_declares_variants(name: str) -> None:
    assert ci_draws(CATALOG[name].configs)[0].declared, name


def test_a_one_member_tuple_branch_is_among_the_ci_examples() -> None:
    """The case a make_parallel that drops a one-member tuple fails on."""
    seen = []

    def record(cfg: dict) -> dict:
        seen.append((cfg["form"], len(cfg["members"])))
        return cfg

    ci_draws(lambda: CATALOG["alf.Branch"].configs().map(record))
    assert ("tuple", 1) in seen, seen


def test_variants_draws_freely_outside_a_covered_run() -> None:
    drawn = set()

    @settings(max_examples=50, database=None)
    @given(variants("mode", ["a", "b", "c"]))
    def check(mode: str) -> None:
        drawn.add(mode)

    check()
    assert drawn == {"a", "b", "c"}
