"""Shared machinery of the property tests: drawing cases, building twins, comparing nests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from hypothesis import strategies as st
from torch import nn

from properties import strategies as S
from properties.catalog import CATALOG
from properties.entry import Entry, load_state, moved, parameters_of, set_training, state_of
from properties.impl import NOT_PROVIDED, REFERENCE, Impl, candidate, candidate_name
from reference.specs import Nest, assert_same_structure, flatten, map_structure

#: The parity contract's tolerances (DESIGN.md, item 4).
TOLERANCES: dict[torch.dtype, dict[str, float]] = {
    torch.float32: {"rtol": 1e-5, "atol": 1e-6},
    torch.float64: {"rtol": 1e-9, "atol": 1e-10},
}


@dataclass(frozen=True)
class Case:
    cfg: dict
    batch: int
    seed: int


def entry_under_test(name: str) -> tuple[Entry, Impl]:
    """The catalog entry and the candidate; skip as *not provided* if the candidate lacks it."""
    cand = candidate()
    if not cand.provides(name):
        pytest.skip(f"{NOT_PROVIDED}: {candidate_name()} has no {name}")
    return CATALOG[name], cand


def draw_case(data: st.DataObject, entry: Entry, min_batch: int = 1) -> Case:
    cfg = data.draw(entry.configs(), label="config")
    batch = data.draw(st.integers(min_batch, S.MAX_BATCH), label="batch")
    return Case(cfg, batch, data.draw(S.seeds(), label="seed"))


def build(
    entry: Entry,
    impl: Impl,
    cfg: dict,
    dtype: torch.dtype = torch.float32,
    device: str = "cpu",
    seed: int = 0,
    builder: Callable[[Any, dict], nn.Module] | None = None,
    perturbed: bool = False,
) -> nn.Module:
    """Build in eval mode; ``perturbed`` adds N(0, 0.1^2) noise to every parameter, so that
    zero-initialised biases and unit BN scales take part in comparisons."""
    torch.manual_seed(seed)
    net = (builder or entry.build)(impl, cfg)
    if perturbed:
        with torch.no_grad():
            for _, p in parameters_of(net):
                if p.dtype.is_floating_point:
                    p.add_(0.1 * torch.randn_like(p))
    return set_training(moved(net, device, dtype), False)


def build_twins(
    entry: Entry,
    cand: Impl,
    case: Case,
    dtype: torch.dtype = torch.float32,
    device: str = "cpu",
    builder: Callable[[Any, dict], nn.Module] | None = None,
) -> tuple[nn.Module, nn.Module]:
    """Reference and candidate for ``case.cfg`` holding the same (perturbed) weights."""
    ref = build(entry, REFERENCE, case.cfg, dtype, device, case.seed, builder, perturbed=True)
    cnd = build(entry, cand, case.cfg, dtype, device, case.seed + 1, builder)
    load_state(cnd, state_of(ref))
    return ref, cnd


def inputs_for(
    entry: Entry,
    net: nn.Module,
    case: Case,
    dtype: torch.dtype,
    device: str = "cpu",
    batch: int | None = None,
    seed_offset: int = 0,
) -> Nest:
    g = torch.Generator().manual_seed(case.seed + seed_offset)
    x = entry.inputs(net, case.cfg, case.batch if batch is None else batch, g, dtype)
    return map_structure(lambda t: t.to(device), x)


def outer_dims(spec: Nest, value: Nest) -> tuple[int, ...]:
    s, v = flatten(spec)[0], flatten(value)[0]
    return tuple(v.shape[: v.dim() - s.ndim])


def assert_nest_close(
    actual: Nest, expected: Nest, dtype: torch.dtype, what: str, scale: float = 1.0
) -> None:
    """Leaf-wise ``assert_close`` with the contract's tolerance (``scale`` widens it)."""
    assert_same_structure(expected, actual, what)
    tol = {k: v * scale for k, v in TOLERANCES[dtype].items()}
    for i, (a, e) in enumerate(zip(flatten(actual), flatten(expected))):
        if e.dtype.is_floating_point:
            torch.testing.assert_close(a, e, **tol, msg=lambda m, i=i: f"{what} leaf {i}: {m}")
        else:
            torch.testing.assert_close(
                a, e, rtol=0, atol=0, msg=lambda m, i=i: f"{what} leaf {i}: {m}"
            )


def float_leaves(nest: Nest) -> list[torch.Tensor]:
    return [t for t in flatten(nest) if t.dtype.is_floating_point]
