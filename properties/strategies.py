"""Hypothesis strategies: specs, layer parameters, nests and network configs.

Configs are plain data (specs, ints, tuples, and *names* of activations, initializers and
preprocessors) so one drawn config builds the reference and any candidate alike; the
``resolve_*`` functions turn names into objects of a given implementation.
Sizes are capped to keep each example to a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from random import Random
from typing import Any, TypeVar

import torch
import torch.nn.functional as F
from hypothesis import strategies as st
from hypothesis.control import BuildContext
from hypothesis.internal.conjecture.data import ConjectureData

from reference.alf.initializers import identity
from reference.specs import BoundedTensorSpec, TensorSpec

ACTIVATIONS = {
    "relu_": torch.relu_,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "identity": identity,
    "elu": F.elu,
    "sigmoid": torch.sigmoid,
}

INITIALIZERS = {
    "xavier_uniform": torch.nn.init.xavier_uniform_,
    "small_uniform": lambda w: torch.nn.init.uniform_(w, -0.003, 0.003),
}

MAX_BATCH = 9
T = TypeVar("T")


def activations() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(ACTIVATIONS))


def initializers() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(sorted(INITIALIZERS)))


def mixing_activation(x: torch.Tensor) -> torch.Tensor:
    """An activation that is not elementwise: a softmax over dim 1 (an FC layer's features,
    a convolution's channels) plus one over the last dim (its features, or an image's
    width). A network must apply it to the tensor its reference applies it to: a layout
    that stacks replicas, groups or heads along either dim, or puts the batch there, gives
    other numbers. A 1-d input (an initializer's gain probe) gets the last-dim softmax."""
    if x.dim() < 2:
        return torch.softmax(x, -1)
    return torch.softmax(x, 1) + torch.softmax(x, -1)


@dataclass
class ActivationReplacement:
    """The activation every name resolves to inside :func:`activations_replaced`, and how
    many names were resolved so far (0: the built config takes no activation)."""

    activation: Callable[[torch.Tensor], torch.Tensor]
    resolved: int = 0


_REPLACEMENT: ContextVar[ActivationReplacement | None] = ContextVar(
    "twinnet_activation_replacement", default=None
)


@contextmanager
def activations_replaced(
    activation: Callable[[torch.Tensor], torch.Tensor],
) -> Iterator[ActivationReplacement]:
    """Build configs with every activation name resolved to ``activation``."""
    replacement = ActivationReplacement(activation)
    token = _REPLACEMENT.set(replacement)
    try:
        yield replacement
    finally:
        _REPLACEMENT.reset(token)


def resolve_activation(name: str | None):
    if name is None:
        return None
    replacement = _REPLACEMENT.get()
    if replacement is None:
        return ACTIVATIONS[name]
    replacement.resolved += 1
    return replacement.activation


def resolve_initializer(name: str | None):
    return None if name is None else INITIALIZERS[name]


def sizes(lo: int = 1, hi: int = 12) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


def fc_layer_params(max_layers: int = 3) -> st.SearchStrategy[tuple[int, ...]]:
    return st.lists(sizes(1, 16), min_size=0, max_size=max_layers).map(tuple)


def vector_specs(lo: int = 1, hi: int = 12) -> st.SearchStrategy[TensorSpec]:
    return sizes(lo, hi).map(lambda d: TensorSpec((d,)))


def discrete_specs(
    shape: tuple[int, ...] = (), zero_based: bool = False
) -> st.SearchStrategy[BoundedTensorSpec]:
    """Bounded integer specs with ``minimum`` in [-3, 3] (0 when ``zero_based``)."""

    @st.composite
    def build(draw: Any) -> BoundedTensorSpec:
        lo = 0 if zero_based else draw(st.integers(-3, 3))
        return BoundedTensorSpec(shape, torch.int64, lo, lo + draw(st.integers(0, 5)))

    return build()


def bounded_vector_specs() -> st.SearchStrategy[BoundedTensorSpec]:
    @st.composite
    def build(draw: Any) -> BoundedTensorSpec:
        d = draw(sizes(1, 6))
        lo = draw(st.floats(-5, 4, width=32))
        return BoundedTensorSpec((d,), torch.float32, lo, lo + draw(st.floats(0.5, 5, width=32)))

    return build()


def conv_out(h: int, k: int, s: int, p: int) -> int:
    return (h + 2 * p - k) // s + 1


@st.composite
def image_and_convs(
    draw: Any, max_layers: int = 2, allow_same_padding: bool = True
) -> tuple[TensorSpec, tuple, bool]:
    """An image spec [C, H, W], conv params that keep every feature map non-empty, and
    whether they assume same padding (``allow_same_padding=False`` for a network that
    never pads)."""
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(3, 9)), draw(st.integers(3, 9))
    same = allow_same_padding and draw(st.booleans())
    params = []
    hh, ww = h, w
    for _ in range(draw(st.integers(1, max_layers))):
        k, s = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        p = draw(st.one_of(st.none(), st.integers(0, 1)))
        pad = (k - 1) // 2 if same else (p or 0)
        if conv_out(hh, k, s, pad) < 1 or conv_out(ww, k, s, pad) < 1:
            break
        hh, ww = conv_out(hh, k, s, pad), conv_out(ww, k, s, pad)
        f = draw(st.integers(1, 4))
        params.append((f, k, s) if p is None else (f, k, s, p))
    if not params:
        params.append((draw(st.integers(1, 4)), 1, 1))
    return TensorSpec((c, h, w)), tuple(params), same


@st.composite
def nested_inputs(draw: Any) -> tuple[dict | tuple, dict | tuple]:
    """A nested input spec (dict or tuple, 2-3 leaves, some discrete) and a matching nest of
    preprocessor names: ``None``, ``'embed:<dim>'`` or ``'fc:<size>'``.

    Discrete leaves start at 0: a network composing preprocessors is judged on composing
    them; how a lookup handles a nonzero ``minimum`` is ``EmbeddingPreprocessor``'s own
    question, asked by its own entry (where upstream ALF's raw-value index is one xfail,
    not one per network that embeds a leaf)."""
    n = draw(st.integers(2, 3))
    specs, pres = [], []
    for _ in range(n):
        if draw(st.booleans()):
            specs.append(draw(discrete_specs(zero_based=True)))
            pres.append(f"embed:{draw(sizes(1, 6))}")
        else:
            spec = draw(vector_specs(1, 6))
            specs.append(spec)
            pres.append(draw(st.sampled_from([None, f"fc:{draw(sizes(1, 6))}"])))
    if draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from("abcdefg"), min_size=n, max_size=n, unique=True))
        return dict(zip(keys, specs)), dict(zip(keys, pres))
    return tuple(specs), tuple(pres)


def batch_sizes() -> st.SearchStrategy[int]:
    return st.integers(1, MAX_BATCH)


def seeds() -> st.SearchStrategy[int]:
    return st.integers(0, 2**31 - 1)


# --------------------------------------------------------------------------------------
# extreme inputs (contract item 7)
# --------------------------------------------------------------------------------------

#: Magnitudes of extreme inputs: past every activation's saturation (1e4), past exp's range
#: in float64 (1e10), near float32's largest value once a layer's weights sum them (1e30),
#: and near float64's (1e300: a layer's sum may overflow to inf, a square always does).
EXTREME_MAGNITUDES = (1e4, 1e10, 1e30, 1e300)
#: An extreme input stays this factor below its dtype's largest value (float32: ``3.4e30``
#: where ``1e300`` is drawn), so that the input itself is finite and a layer's sum of a
#: few such terms need not overflow.
EXTREME_HEADROOM = 1e8
#: Sign patterns of extreme inputs: the sign of the drawn input, all +, all -, alternating.
EXTREME_PATTERNS = ("sign", "positive", "negative", "alternating")


def extreme_patterns() -> st.SearchStrategy[str]:
    return st.sampled_from(EXTREME_PATTERNS)


def extreme_tensor(t: torch.Tensor, magnitude: float, pattern: str) -> torch.Tensor:
    """``t`` (floating) with every element replaced by ``+-magnitude`` in ``pattern``, the
    magnitude capped at ``EXTREME_HEADROOM`` below the dtype's largest value."""
    magnitude = min(magnitude, float(torch.finfo(t.dtype).max) / EXTREME_HEADROOM)
    if pattern == "sign":
        signs = torch.where(t < 0, -1.0, 1.0).to(t)
    elif pattern == "alternating":
        signs = (1 - 2 * (torch.arange(t.numel(), device=t.device) % 2)).reshape(t.shape).to(t)
    else:
        signs = torch.full_like(t, 1.0 if pattern == "positive" else -1.0)
    return signs * magnitude


def nonfinite_tensor(t: torch.Tensor, value: float) -> torch.Tensor:
    """``t`` (floating) with its first element replaced by ``value`` (NaN or +-inf)."""
    out = t.clone()
    out.view(-1)[:1] = value
    return out


def half_dtypes() -> st.SearchStrategy[torch.dtype]:
    return st.sampled_from([torch.float16, torch.bfloat16])


# --------------------------------------------------------------------------------------
# enumerated variants, covered in derandomized profiles
# --------------------------------------------------------------------------------------
@dataclass
class VariantCover:
    """One covered run's state: the plan whose options are forced (None: drawn freely),
    and per variant axis the number of options (``widths``) and the options its examples
    reached (``reached``, by repr)."""

    plan: int | None = None
    widths: dict[str, int] = field(default_factory=dict)
    declared: dict[str, set[str]] = field(default_factory=dict)
    reached: dict[str, set[str]] = field(default_factory=dict)
    #: Axes already drawn in the current example: only an axis's first draw in an
    #: example follows the plan (a config of several members still mixes their kinds).
    forced: set[str] = field(default_factory=set)

    #: This plan's examples the candidate declined, and those it supported.
    declined: int = 0
    supported: int = 0

    def new_example(self) -> None:
        self.forced.clear()

    @property
    def width(self) -> int:
        """The most options any axis seen so far has (1 without any axis)."""
        return max(self.widths.values(), default=1)


_COVER: ContextVar[VariantCover | None] = ContextVar("twinnet_variant_cover", default=None)


@contextmanager
def covering(cover: VariantCover) -> Iterator[VariantCover]:
    """Draw :func:`variants` under ``cover`` (its plan forces their options)."""
    token = _COVER.set(cover)
    try:
        yield cover
    finally:
        _COVER.reset(token)


def new_example() -> VariantCover | None:
    """Start an example of a covered run (``VariantCover.forced``); the run's cover."""
    cover = _COVER.get()
    if cover is not None:
        cover.new_example()
    return cover


def variants(axis: str, options: Sequence[T]) -> st.SearchStrategy[T]:
    """One of ``options``: an enumerated variant of a config (a form, a mode, a member
    count, a mask mode...). Drawn like ``st.sampled_from`` in random profiles; in a
    derandomized profile (ci) the harness runs one plan per option of the widest axis and
    plan ``j`` takes option ``j % len(options)`` of every axis (at the axis's first draw
    in an example; later draws, another member's kind say, are free), so that every
    option of every axis appears in each cell's examples (``properties.harness``). A combination
    that matters (a one-member tuple) is declared as an option of its own."""
    opts = tuple(options)
    if not opts:
        raise ValueError(f"variant axis {axis!r} has no options")

    def chosen(index: int) -> T:
        cover = _COVER.get()
        if cover is not None:
            cover.reached.setdefault(axis, set()).add(repr(opts[index]))
        return opts[index]

    def pick(_: object) -> st.SearchStrategy[T]:
        cover = _COVER.get()
        if cover is not None:
            cover.widths[axis] = max(cover.widths.get(axis, 0), len(opts))
            cover.declared.setdefault(axis, set()).update(repr(o) for o in opts)
            if cover.plan is not None and axis not in cover.forced:
                cover.forced.add(axis)
                return st.just(cover.plan % len(opts)).map(chosen)
        return st.integers(0, len(opts) - 1).map(chosen)

    return st.just(None).flatmap(pick)


@st.composite
def free_variants(draw: Any, strategy: st.SearchStrategy[T]) -> T:
    """``strategy`` with its variant axes drawn freely, as in a random profile: for a
    sub-config whose variants another entry covers (a projection network inside an
    actor), so that they do not multiply the examples of this one."""
    token = _COVER.set(None)
    try:
        return draw(strategy)
    finally:
        _COVER.reset(token)


#: Free draws of an entry's configs that find its variant axes (cheap: no property runs).
PROBE_DRAWS = 8
_WIDTHS: dict[str, int] = {}


def variant_width(name: str, configs: Callable[[], st.SearchStrategy[Any]]) -> int:
    """The most options of any variant axis that ``configs()`` draws (1: none), from a few
    seeded draws of the strategy alone, once per entry ``name`` and process. An axis the
    draws miss is still covered: the harness adds plans for it when it first appears."""
    if name not in _WIDTHS:
        cover = VariantCover()
        with covering(cover):
            for seed in range(PROBE_DRAWS):
                data = ConjectureData(random=Random(seed))
                try:
                    with BuildContext(data, is_final=False, wrapped_test=lambda: None):
                        data.draw(configs())
                except Exception:  # a draw that overruns or is rejected shows no more axes
                    continue
        _WIDTHS[name] = cover.width
    return _WIDTHS[name]
