"""Condition-aware comparisons: how close an implementation must come to the truth.

The parity contract (DESIGN item 4) gives a tolerance per dtype: float64 rtol 1e-9 / atol
1e-10, float32 rtol 1e-5 / atol 1e-6. A float64 comparison is held to the float64 contract
only inside :func:`exact_float64` (the hardening property ``float64_exact``); everywhere
else, the conformance level, it is held to the float32 contract (:func:`contract`): the
spec's libraries compute in float32, and a float32 constant inside a float64 run (a bound
kept as a float32 tensor, ``log(2 pi)`` rounded to float32) changes a float64 result by
about 1e-8, which says nothing about whether the candidate computes the spec's function
(its perturbations, below, are then of float32's roundoff too).

A tolerance applied blindly raises false alarms where the math itself is ill-conditioned
(a log-density with a tiny scale, a sum of large terms that cancel): there even the
reference's own float32 result is further than that from the exact one. So every
comparison here measures the conditioning of what it compares, on the same input, and
allows an implementation a small factor of it:

* **truth**: the reference computation in float64 (for float32 comparisons: a float64
  copy of the same weights and inputs, which is exact);
* **own error**: for float32, how far the reference's own float32 result is from the truth;
* **spread**: the root mean square change of the float64 result when every floating
  input and parameter is perturbed by a random relative amount of one unit of roundoff of
  the compared dtype (:data:`PERTURBATIONS` draws): the first-order effect of rounding;

and an element passes when ``|actual - truth| <= widen * (atol + rtol |truth|) +
CONDITION_FACTOR * max(own error, spread)``. On well-conditioned elements the contract's
tolerance decides; where the conditioning is poor the allowance grows with it, never
beyond a small factor of what rounding alone does to the reference. ``widen`` is an
entry's declared, explained widening of the contract (1 by default).

Integer results compare exactly, except that an element a perturbation changes (an argmax
on a tie, a category at a rounding boundary) may take any value the perturbed truths took;
likewise a float element whose perturbed truth is not finite may equal that value.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from reference.specs import Nest, flatten, is_namedtuple

#: The parity contract's tolerances (DESIGN.md, item 4).
TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float32: (1e-5, 1e-6),
    torch.float64: (1e-9, 1e-10),
}
#: Whether float64 comparisons are held to the float64 contract (module doc).
_EXACT_FLOAT64: ContextVar[bool] = ContextVar("exact_float64", default=False)


@contextmanager
def exact_float64() -> Iterator[None]:
    """Hold the float64 comparisons made inside to the float64 contract."""
    token = _EXACT_FLOAT64.set(True)
    try:
        yield
    finally:
        _EXACT_FLOAT64.reset(token)


def contract(dtype: torch.dtype) -> torch.dtype:
    """The dtype whose contract a comparison in ``dtype`` is held to: float32's for float64
    outside :func:`exact_float64` (module doc), else ``dtype``'s own."""
    if dtype == torch.float64 and not _EXACT_FLOAT64.get():
        return torch.float32
    return dtype


def tolerance(dtype: torch.dtype) -> tuple[float, float]:
    """``(rtol, atol)`` of a comparison in ``dtype`` (:func:`contract`)."""
    return TOLERANCES[contract(dtype)]


#: How many times its own rounding error (or the spread) an implementation may be off. The
#: spread is an estimate from a few draws: with 6 draws its root mean square falls below a
#: quarter of the true scale with probability ~1e-3 (chi distribution), and a candidate whose
#: rounding is as good as the reference's is off by 3 standard deviations with probability
#: ~3e-3; a factor of 16 keeps the product of such coincidences out of thorough runs
#: (hundreds of thousands of compared elements), while any error of the math, not of the
#: rounding, stays orders of magnitude above it.
CONDITION_FACTOR = 16.0
#: Random relative perturbations of one unit of roundoff used to measure the spread.
PERTURBATIONS = 6


def leaves_with_paths(nest: Nest, prefix: str = "") -> list[tuple[str, Any]]:
    """``(path, leaf)`` pairs in the canonical (sorted dict keys) order of ``flatten``."""
    if isinstance(nest, dict):
        out = []
        for key in sorted(nest):
            out.extend(leaves_with_paths(nest[key], f"{prefix}/{key}"))
        return out
    if is_namedtuple(nest):
        out = []
        for field, value in zip(nest._fields, nest):
            out.extend(leaves_with_paths(value, f"{prefix}/{field}"))
        return out
    if isinstance(nest, (tuple, list)):
        out = []
        for i, value in enumerate(nest):
            out.extend(leaves_with_paths(value, f"{prefix}/{i}"))
        return out
    return [(prefix or "/", nest)]


def _map_objects(fn: Callable[[Any], Any], obj: Any) -> Any:
    """Apply ``fn`` to every module and tensor inside containers of arguments."""
    if isinstance(obj, (nn.Module, torch.Tensor)):
        return fn(obj)
    if isinstance(obj, dict):
        return type(obj)((k, _map_objects(fn, v)) for k, v in obj.items())
    if is_namedtuple(obj):
        return type(obj)(*(_map_objects(fn, v) for v in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(_map_objects(fn, v) for v in obj)
    return obj


def _copy64(obj: Any) -> Any:
    if isinstance(obj, nn.Module):
        return copy.deepcopy(obj).double()
    return obj.double() if obj.is_floating_point() else obj


def _perturb(obj: Any, eps: float, generator: torch.Generator) -> Any:
    """A copy of a module or tensor with every floating value ``t`` moved by ``eps u |t|``,
    ``u ~ U(-1, 1)``, and by at least one ulp of its own dtype (in float64 a relative change
    of one float64 roundoff would otherwise round away). Rounding is relative: an exact
    zero stays zero (a planted ReLU zero crossing is exact, not a rounded value)."""

    def noisy(t: torch.Tensor) -> torch.Tensor:
        u = (torch.rand(t.shape, generator=generator, dtype=torch.float64) * 2 - 1).to(t)
        change = eps * u * t.abs()
        ulp = torch.nextafter(t, torch.where(u < 0, -torch.inf, torch.inf).to(t)) - t
        moved = t + torch.where(change.abs() < ulp.abs(), ulp, change)
        return torch.where(t == 0, t, moved)

    if isinstance(obj, nn.Module):
        module = copy.deepcopy(obj)
        with torch.no_grad():
            for t in module.state_dict().values():
                if t.is_floating_point():
                    t.copy_(noisy(t))
        return module
    return noisy(obj) if obj.is_floating_point() else obj


@dataclass(frozen=True)
class Expected:
    """The truth of a comparison, leaf by leaf, with each element's allowance."""

    paths: list[str]
    truth: list[Any]
    allowance: list[torch.Tensor | None]
    alternatives: list[list[Any]]
    structure: Nest


def expect(
    fn: Callable[..., Nest], args: tuple, dtype: torch.dtype, widen: float = 1.0
) -> Expected:
    """Evaluate ``fn(*args)`` as the truth of a comparison in ``dtype`` (module doc).

    ``args`` are the objects ``fn`` reads: modules (the reference's networks), nests of
    tensors, and anything else (passed as is). ``fn`` must be deterministic given its
    arguments (it seeds its own randomness) and must not depend on the floating dtype
    beyond its arguments'.
    """
    eps = torch.finfo(contract(dtype)).eps
    generator = torch.Generator().manual_seed(0)
    if dtype == torch.float64:
        perturbed = [_map_objects(lambda o: _perturb(o, eps, generator), args)]
        perturbed += [
            _map_objects(lambda o: _perturb(o, eps, generator), args)
            for _ in range(PERTURBATIONS - 1)
        ]
        truth_nest, own = fn(*args), None
    else:
        args64 = _map_objects(_copy64, args)
        perturbed = [
            _map_objects(lambda o: _perturb(o, eps, generator), args64)
            for _ in range(PERTURBATIONS)
        ]
        own = fn(*args)
        truth_nest = fn(*args64)
    spreads = [fn(*p) for p in perturbed]
    rtol, atol = tolerance(dtype)
    paths, truth, allowance, alternatives = [], [], [], []
    pairs = leaves_with_paths(truth_nest)
    own_leaves = flatten(own) if own is not None else [None] * len(pairs)
    spread_leaves = [flatten(s) for s in spreads]
    for i, (path, t) in enumerate(pairs):
        paths.append(path)
        truth.append(t)
        alts = [s[i] for s in spread_leaves]
        alternatives.append(alts)
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            allowance.append(None)
            continue
        t64 = t.detach().double()
        base = widen * (atol + rtol * t64.abs())
        scale = torch.zeros_like(t64)
        o = own_leaves[i]
        if isinstance(o, torch.Tensor) and o.shape == t.shape:
            err = (o.detach().double() - t64).abs()
            scale = torch.maximum(scale, torch.where(torch.isfinite(err), err, 0.0))
        sq, count = torch.zeros_like(t64), torch.zeros_like(t64)
        for a in alts:
            if isinstance(a, torch.Tensor) and a.shape == t.shape:
                d = (a.detach().double() - t64).abs()
                ok = torch.isfinite(d)
                sq = sq + torch.where(ok, d * d, 0.0)
                count = count + ok.double()
        scale = torch.maximum(scale, (sq / count.clamp(min=1)).sqrt())
        allowance.append(base + CONDITION_FACTOR * scale)
    return Expected(paths, truth, allowance, alternatives, truth_nest)


def _describe(t: torch.Tensor, index: tuple[int, ...]) -> str:
    return f"{t[index].item():.9g}" if t.dim() else f"{t.item():.9g}"


def assert_expected(actual: Nest, expected: Expected, what: str) -> None:
    """Raise ``AssertionError`` naming the first leaf of ``actual`` outside its allowance."""
    from reference.specs import assert_same_structure

    assert_same_structure(expected.structure, actual, what)
    for path, a, t, allow, alts in zip(
        expected.paths, flatten(actual), expected.truth, expected.allowance, expected.alternatives
    ):
        where = f"{what} {path}"
        if not isinstance(t, torch.Tensor):
            assert a == t, f"{where}: got {a!r}, expected {t!r}"
            continue
        assert isinstance(a, torch.Tensor), f"{where}: got {type(a).__name__}, expected a tensor"
        assert tuple(a.shape) == tuple(t.shape), (
            f"{where}: shape {list(a.shape)}, expected {list(t.shape)}"
        )
        wanted = "a floating" if t.is_floating_point() else "an integer"
        assert a.dtype.is_floating_point == t.dtype.is_floating_point, (
            f"{where}: dtype {a.dtype}, expected {wanted} dtype"
        )
        a_cpu, t_cpu = a.detach().cpu(), t.detach().cpu()
        same = same_values(a_cpu, t_cpu)
        if allow is not None:
            diff = (a_cpu.double() - t_cpu.double()).abs()
            within = torch.isfinite(t_cpu) & (diff <= allow.cpu())
            same = same | within
        for alt in alts:
            if isinstance(alt, torch.Tensor) and alt.shape == t.shape:
                alt_cpu = alt.detach().cpu()
                moved = ~same_values(alt_cpu, t_cpu)  # elements a perturbation changes
                same = same | (moved & same_values(a_cpu, alt_cpu))
        if bool(same.all()):
            continue
        bad = (~same).nonzero()
        index = tuple(int(v) for v in bad[0])
        message = (
            f"{where}: {len(bad)} of {same.numel()} elements off; first at {list(index)}: "
            f"got {_describe(a_cpu, index)}, expected {_describe(t_cpu, index)}"
        )
        if allow is not None:
            message += f" within {_describe(allow.cpu(), index)}"
        raise AssertionError(message)


def same_values(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Element-wise equality that counts two NaNs as equal."""
    if a.is_floating_point() or b.is_floating_point():
        a64, b64 = a.double(), b.double()
        return (a64 == b64) | (torch.isnan(a64) & torch.isnan(b64))
    return a.long() == b.long()


def assert_close_to(
    actual: Nest,
    fn: Callable[..., Nest],
    args: tuple,
    dtype: torch.dtype,
    what: str,
    widen: float = 1.0,
) -> None:
    """``assert_expected(actual, expect(fn, args, dtype, widen), what)``."""
    assert_expected(actual, expect(fn, args, dtype, widen), what)
