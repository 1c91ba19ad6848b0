"""Tensor specs and nest helpers shared by every twinnet network.

A *spec* describes one tensor without its outer (batch) dimensions: its shape, its dtype
and, for a :class:`BoundedTensorSpec`, the inclusive range of its values. A *nest* is a
tensor, a spec, or any tuple / list / dict / namedtuple of nests. Dict entries are visited
in sorted key order, the convention of ALF and tf.nest, so a flattened nest has one
well-defined order.

Both packages use these objects as plain data (``optimized`` imports them from here), so a
spec built for one implementation is valid for the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

Nest = Any

# --------------------------------------------------------------------------------------
# nests
# --------------------------------------------------------------------------------------


def is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def is_nested(x: Any) -> bool:
    """True for tuple, list, dict and namedtuple containers (tensors and specs are leaves)."""
    return isinstance(x, (tuple, list, dict))


def _children(x: Any) -> list[Any]:
    if isinstance(x, dict):
        return [x[k] for k in sorted(x)]
    return list(x)


def _rebuild(template: Any, children: Sequence[Any]) -> Any:
    if isinstance(template, dict):
        return type(template)(zip(sorted(template), children))
    if is_namedtuple(template):
        return type(template)(*children)
    return type(template)(children)


def flatten(nest: Nest) -> list[Any]:
    """Leaves of ``nest`` in canonical order (dict keys sorted)."""
    if not is_nested(nest):
        return [nest]
    out: list[Any] = []
    for child in _children(nest):
        out.extend(flatten(child))
    return out


def pack_sequence_as(structure: Nest, flat: Sequence[Any]) -> Nest:
    """Inverse of :func:`flatten`: put ``flat`` back into the shape of ``structure``."""
    flat = list(flat)
    n = len(flatten(structure))
    if n != len(flat):
        raise ValueError(f"structure has {n} leaves but {len(flat)} values were given")
    it = iter(flat)

    def build(s: Any) -> Any:
        if not is_nested(s):
            return next(it)
        return _rebuild(s, [build(c) for c in _children(s)])

    return build(structure)


def structure_str(nest: Nest) -> str:
    """A short description of a nest's structure (leaves shown as ``*``), for error text."""
    if isinstance(nest, dict):
        return "{" + ", ".join(f"{k!r}: {structure_str(nest[k])}" for k in sorted(nest)) + "}"
    if is_namedtuple(nest):
        inner = ", ".join(f"{f}={structure_str(v)}" for f, v in zip(nest._fields, nest))
        return f"{type(nest).__name__}({inner})"
    if isinstance(nest, (tuple, list)):
        o, c = ("(", ")") if isinstance(nest, tuple) else ("[", "]")
        return o + ", ".join(structure_str(v) for v in nest) + ("," if len(nest) == 1 else "") + c
    return "*"


def assert_same_structure(expected: Nest, actual: Nest, what: str = "nest") -> None:
    """Raise ``TypeError`` naming both structures unless they match container for container."""

    def same(a: Any, b: Any) -> bool:
        if not is_nested(a):
            return not is_nested(b)
        if not is_nested(b):
            return False
        if isinstance(a, dict) != isinstance(b, dict) or is_namedtuple(a) != is_namedtuple(b):
            return False
        if isinstance(a, dict) and sorted(a) != sorted(b):
            return False
        if is_namedtuple(a) and type(a)._fields != type(b)._fields:
            return False
        if isinstance(a, list) != isinstance(b, list):
            return False
        ca, cb = _children(a), _children(b)
        return len(ca) == len(cb) and all(same(x, y) for x, y in zip(ca, cb))

    if not same(expected, actual):
        raise TypeError(
            f"{what}: expected nest structure {structure_str(expected)}, "
            f"got {structure_str(actual)}"
        )


def map_structure(fn: Callable[..., Any], *nests: Nest) -> Nest:
    """Apply ``fn`` leaf-wise over nests of identical structure."""
    for other in nests[1:]:
        assert_same_structure(nests[0], other)
    flats = [flatten(n) for n in nests]
    return pack_sequence_as(nests[0], [fn(*leaves) for leaves in zip(*flats)])


def map_structure_up_to(shallow: Nest, fn: Callable[..., Any], *nests: Nest) -> Nest:
    """Apply ``fn`` to the sub-nests of ``nests`` found at the leaves of ``shallow``."""

    def walk(s: Any, *subs: Any) -> Any:
        if not is_nested(s):
            return fn(*subs)
        for sub in subs:
            assert_same_structure(
                _rebuild(s, [0] * len(_children(s))),
                _rebuild(sub, [0] * len(_children(sub))) if is_nested(sub) else sub,
                "nest",
            )
        kids = zip(_children(s), *[_children(sub) for sub in subs])
        return _rebuild(s, [walk(*k) for k in kids])

    return walk(shallow, *nests)


# --------------------------------------------------------------------------------------
# specs
# --------------------------------------------------------------------------------------


class TensorSpec:
    """Shape and dtype of one tensor, outer (batch) dimensions excluded."""

    def __init__(self, shape: Sequence[int] | int = (), dtype: torch.dtype = torch.float32):
        if isinstance(shape, int):
            shape = (shape,)
        shape = tuple(shape)
        if not all(isinstance(d, (int, np.integer)) and d >= 0 for d in shape):
            raise ValueError(f"TensorSpec shape must be non-negative ints, got {shape!r}")
        if not isinstance(dtype, torch.dtype):
            raise TypeError(f"TensorSpec dtype must be a torch.dtype, got {dtype!r}")
        self.shape: tuple[int, ...] = tuple(int(d) for d in shape)
        self.dtype: torch.dtype = dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def is_discrete(self) -> bool:
        return not (self.dtype.is_floating_point or self.dtype.is_complex)

    @property
    def is_continuous(self) -> bool:
        return self.dtype.is_floating_point

    def replace(self, shape: Sequence[int] | None = None, dtype: torch.dtype | None = None):
        return TensorSpec(self.shape if shape is None else shape, dtype or self.dtype)

    def zeros(self, outer_dims: Sequence[int] = (), device=None) -> torch.Tensor:
        return torch.zeros(*outer_dims, *self.shape, dtype=self.dtype, device=device)

    def example(self, outer_dims: Sequence[int] = (), device=None) -> torch.Tensor:
        """A constant tensor that satisfies the spec (zeros here; the minimum if bounded)."""
        return self.zeros(outer_dims, device)

    def sample(
        self,
        outer_dims: Sequence[int] = (),
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
    ) -> torch.Tensor:
        """Standard-normal values (float) or zeros..9 (int) with the given outer dims."""
        size = (*outer_dims, *self.shape)
        if self.is_continuous:
            return torch.randn(size, generator=generator, dtype=dtype or self.dtype)
        return torch.randint(0, 10, size, generator=generator, dtype=self.dtype)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and self.shape == other.shape  # type: ignore[attr-defined]
            and self.dtype == other.dtype  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.shape, self.dtype))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype})"


class BoundedTensorSpec(TensorSpec):
    """A :class:`TensorSpec` whose values lie in ``[minimum, maximum]`` (inclusive).

    ``minimum`` and ``maximum`` are scalars or arrays broadcastable to ``shape``; for an
    integer dtype the spec is discrete with ``maximum - minimum + 1`` values per element.
    """

    def __init__(
        self,
        shape: Sequence[int] | int = (),
        dtype: torch.dtype = torch.float32,
        minimum: Any = 0,
        maximum: Any = 1,
    ):
        super().__init__(shape, dtype)
        np_dtype = np.float64 if self.is_continuous else np.int64
        lo = np.asarray(minimum, dtype=np_dtype)
        hi = np.asarray(maximum, dtype=np_dtype)
        try:
            lo_b = np.broadcast_to(lo, self.shape)
            hi_b = np.broadcast_to(hi, self.shape)
        except ValueError:
            raise ValueError(
                f"BoundedTensorSpec bounds of shape {lo.shape} / {hi.shape} do not broadcast "
                f"to spec shape {self.shape}"
            ) from None
        if np.any(lo_b > hi_b) or (self.is_continuous and np.any(lo_b >= hi_b)):
            raise ValueError(
                f"BoundedTensorSpec needs minimum < maximum (<= for discrete), "
                f"got minimum={minimum!r}, maximum={maximum!r}"
            )
        self._minimum, self._maximum = lo, hi

    @property
    def minimum(self) -> np.ndarray:
        return self._minimum

    @property
    def maximum(self) -> np.ndarray:
        return self._maximum

    def replace(self, shape=None, dtype=None):
        return BoundedTensorSpec(
            self.shape if shape is None else shape,
            dtype or self.dtype,
            self._minimum,
            self._maximum,
        )

    def example(self, outer_dims=(), device=None) -> torch.Tensor:
        lo = torch.as_tensor(np.broadcast_to(self._minimum, self.shape).copy(), dtype=self.dtype)
        return lo.to(device).expand(*outer_dims, *self.shape).clone()

    def sample(self, outer_dims=(), generator=None, dtype=None) -> torch.Tensor:
        """Uniform values inside the bounds (uniform integers for a discrete spec)."""
        size = (*outer_dims, *self.shape)
        lo = torch.as_tensor(np.broadcast_to(self._minimum, self.shape).copy())
        hi = torch.as_tensor(np.broadcast_to(self._maximum, self.shape).copy())
        if self.is_continuous:
            u = torch.rand(size, generator=generator, dtype=torch.float64)
            return (lo + u * (hi - lo)).to(dtype or self.dtype)
        u = torch.rand(size, generator=generator, dtype=torch.float64)
        v = lo + torch.floor(u * (hi - lo + 1)).to(torch.int64)
        return torch.minimum(v, hi).to(self.dtype)

    def __eq__(self, other: object) -> bool:
        return (
            super().__eq__(other)
            and np.array_equal(self._minimum, other._minimum)  # type: ignore[attr-defined]
            and np.array_equal(self._maximum, other._maximum)  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((super().__hash__(), self._minimum.tobytes(), self._maximum.tobytes()))

    def __repr__(self) -> str:
        return (
            f"BoundedTensorSpec(shape={self.shape}, dtype={self.dtype}, "
            f"minimum={self._minimum.tolist()}, maximum={self._maximum.tolist()})"
        )


def spec_from_tensor(x: torch.Tensor, outer_rank: int = 1) -> TensorSpec:
    return TensorSpec(tuple(x.shape[outer_rank:]), x.dtype)


def sample_nest(
    spec: Nest,
    outer_dims: Sequence[int],
    generator: torch.Generator | None = None,
    float_dtype: torch.dtype | None = None,
) -> Nest:
    """Random tensors for every spec of ``spec`` (floats cast to ``float_dtype`` if given)."""
    return map_structure(
        lambda s: s.sample(outer_dims, generator, float_dtype if s.is_continuous else None), spec
    )


def check_nest(
    spec: Nest,
    value: Nest,
    outer_rank: int | Sequence[int] = 1,
    float_dtype: torch.dtype | None = None,
    what: str = "input",
) -> tuple[int, ...]:
    """Validate ``value`` against ``spec`` before any computation; return the outer shape.

    Checks, in order: nest structure (``TypeError``), that every leaf is a tensor
    (``TypeError``), dtype kind, float dtype equal to ``float_dtype`` when given (the
    network's parameter dtype) (``TypeError``), inner shape equal to the spec's and one outer
    shape shared by every leaf, with an allowed rank (``ValueError``). ``outer_rank`` is the
    allowed number of outer dims, or a sequence of allowed numbers.
    """
    assert_same_structure(spec, value, what)
    ranks = (outer_rank,) if isinstance(outer_rank, int) else tuple(outer_rank)
    outer: tuple[int, ...] | None = None
    for i, (s, x) in enumerate(zip(flatten(spec), flatten(value))):
        where = what if len(flatten(spec)) == 1 else f"{what} leaf {i}"
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{where}: expected a torch.Tensor for {s}, got {type(x).__name__}")
        if s.is_continuous:
            if not x.dtype.is_floating_point:
                raise TypeError(f"{where}: expected a floating tensor for {s}, got {x.dtype}")
            if float_dtype is not None and x.dtype != float_dtype:
                raise TypeError(
                    f"{where}: expected dtype {float_dtype} (the network's parameter dtype) "
                    f"for {s}, got {x.dtype}"
                )
        elif x.dtype.is_floating_point or x.dtype.is_complex or x.dtype == torch.bool:
            raise TypeError(f"{where}: expected an integer tensor for {s}, got {x.dtype}")
        r = x.dim() - s.ndim
        if r not in ranks or tuple(x.shape[r:]) != s.shape:
            dims = " or ".join(str(k) for k in ranks)
            raise ValueError(
                f"{where}: expected shape [<{dims} outer dims>, *{list(s.shape)}] for {s}, "
                f"got {list(x.shape)}"
            )
        if outer is None:
            outer = tuple(x.shape[:r])
        elif tuple(x.shape[:r]) != outer:
            raise ValueError(
                f"{where}: expected the outer dims {list(outer)} of the first leaf, got "
                f"{list(x.shape[:r])} (shape {list(x.shape)})"
            )
    return outer or ()


def check_state(
    spec: Nest,
    state: Nest,
    outer: Sequence[int],
    float_dtype: torch.dtype | None,
    what: str = "state",
) -> None:
    """Validate a network's ``state`` against its ``state_spec`` and the outer dims ``outer``
    of the input it comes with, once per call before any computation (contract item 8).

    The spec's nest structure, an extra or a missing member state included (``TypeError``);
    tensors of the spec's dtype kind, floating ones of ``float_dtype`` (the network's
    parameter dtype, or its input's for a network without parameters) (``TypeError``); the
    shape ``[*outer, *spec.shape]`` (``ValueError``): a state of another batch size is an
    error, never broadcast over the input's rows. A tuple where the spec has a list, or a
    list where it has a tuple, is the same sequence of member states (the spec documents
    write upstream's list states as tuples).
    """
    if _fits(spec, state, tuple(outer), float_dtype):
        return
    got = check_nest(spec, _sequences_as(spec, state), len(outer), float_dtype, what)
    if flatten(spec) and got != tuple(outer):
        raise ValueError(
            f"{what}: expected the outer dims {list(outer)} of the input, got {list(got)}"
        )


def _plain_sequence(x: Any) -> bool:
    return isinstance(x, (tuple, list)) and not is_namedtuple(x)


def _sequences_as(spec: Nest, value: Nest) -> Nest:
    """``value`` with every plain tuple or list at a plain tuple or list of ``spec`` of the
    same length made of the spec's type (anything else as it is, for the structure check)."""
    if _plain_sequence(spec) and _plain_sequence(value) and len(spec) == len(value):
        return type(spec)(_sequences_as(s, v) for s, v in zip(spec, value))
    return value


def _fits(spec: Nest, state: Nest, outer: tuple[int, ...], float_dtype: Any) -> bool:
    """Whether a state of continuous specs in tuples and lists passes :func:`check_state`
    (the common case, checked without flattening); False sends it to the full check, which
    names what is wrong."""
    if isinstance(spec, TensorSpec):
        if not spec.is_continuous or type(state) is not torch.Tensor:
            return False
        if state.dtype != float_dtype if float_dtype is not None else not state.is_floating_point():
            return False
        return state.shape == (*outer, *spec.shape)
    if type(spec) in (tuple, list) and type(state) in (tuple, list) and len(state) == len(spec):
        return all(_fits(s, x, outer, float_dtype) for s, x in zip(spec, state))
    return False


def check_bounds(spec: BoundedTensorSpec, x: torch.Tensor, what: str = "input") -> None:
    """Raise ``ValueError`` unless every value of ``x`` lies inside the spec's bounds."""
    lo = torch.as_tensor(np.broadcast_to(spec.minimum, spec.shape).copy(), device=x.device)
    hi = torch.as_tensor(np.broadcast_to(spec.maximum, spec.shape).copy(), device=x.device)
    if bool(((x < lo) | (x > hi)).any()):
        raise ValueError(
            f"{what}: expected values in [{spec.minimum.tolist()}, {spec.maximum.tolist()}] "
            f"for {spec}, got values in [{x.min().item()}, {x.max().item()}]"
        )
