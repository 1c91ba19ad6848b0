"""``Entry``: one inventory name in the catalog.

An entry is small, in the style of torch's OpInfo: its name, its kind (the adapter that
knows how to call, feed and observe things of that kind, see ``properties/kinds``), a
strategy of plain-data configs, a build function, and for every property id the kind
supports but that does not apply to this entry, the reason (``left_out``). Besides:
constructor calls that must raise (``bad_configs``), the ranges of its numeric and flag
config keys (``config_ranges``), fixed configs checked beside the drawn
ones (``examples``), benchmark cases and peers (``bench``, declared in
``benchmarks/cases/<lib>/<module>.py`` and assembled by the entry module), the module of
its reference implementation (``reference``, twinnet's own by default), the state_dict
prefixes upstream places differently (``upstream_lacks``), and the laws only this entry
has (``laws``: a property id -> its check, kept with the entry's independent models in
``properties/models/<lib>/<module>.py``), so that such a law needs no kind of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from properties.candidate import REFERENCE_MODULE, Impl
from properties.config_ranges import RANGES
from properties.ids import GLOBAL_IDS
from properties.inventory import family_of
from properties.kinds.base import Kind


class NotApplicable(Exception):
    """A benchmark implementation (a peer, vmap, compile...) does not apply to this entry
    or case; the reason says why. Peer builders raise it, the benchmarks skip."""


@dataclass(frozen=True)
class BadConfig:
    """A constructor call that must raise ``error`` with ``match`` in its message."""

    why: str
    build: Callable[[Impl], object]
    error: type[Exception]
    match: str


@dataclass(frozen=True)
class Target:
    """A speedup asked of the candidate on one benchmark case: ``speedup`` times faster than
    ``baseline`` (``reference``, one of the entry's peers, or ``vmap``, the ``torch.func`` vmap
    over the stacked replica states, for a case timing the parallel form) in ``mode``.
    ``rng_draw``: the shape of the standard normals one call must draw, where that draw
    bounds the call's time besides its FLOPs and bytes (a distribution head's sample)."""

    mode: str
    speedup: float
    baseline: str = "reference"
    rng_draw: tuple[int, ...] | None = None


@dataclass(frozen=True)
class BenchCase:
    """One benchmark point: a fixed config, a batch size, and a label for tables."""

    label: str
    cfg: dict
    batch: int
    #: The benchmark modes that apply (``fwd``: no grad; ``fwd+bwd``: with parameter grads).
    modes: tuple[str, ...] = ("fwd", "fwd+bwd")
    #: FLOPs per mode that the math needs, where the reference does more than that (a
    #: diagonal taken from a full Jacobian, a log-det recomputed): every implementation is
    #: credited these instead of the reference's counted FLOPs.
    flops: Mapping[str, int] | None = None
    #: The performance targets of this case (``python -m benchmarks.targets`` measures them).
    targets: tuple[Target, ...] = ()
    #: False: left out of quick runs (a reference call of seconds; a smaller case of the
    #: entry stands for it there).
    quick: bool = True


@dataclass(frozen=True)
class Bench:
    """An entry's benchmark cases, and well-known alternatives timed beside the reference
    and the candidate (name -> ``build(reference impl, cfg)``)."""

    cases: tuple[BenchCase, ...] = ()
    peers: Mapping[str, Callable[[Impl, dict], Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryLaw:
    """A property only this entry has (TemporalPool's worked table, a replay's contents and
    order): what it states, and ``check(subject, data)``, which the generic module
    ``properties/test_<id>.py`` runs for every entry that declares the id. The check lives
    beside the entry's independent models (``properties/models/<lib>/<module>.py``) and
    uses the kind's API like any property."""

    describe: str
    check: Callable[..., None]


@dataclass(frozen=True)
class Entry:
    name: str
    kind: Kind
    configs: Callable[[], st.SearchStrategy[dict]]
    build: Callable[[Impl, dict], Any]
    #: Supported ids of the kind that do not apply to this entry -> why not.
    left_out: Mapping[str, str] = field(default_factory=dict)
    bad_configs: tuple[BadConfig, ...] = ()
    #: Config keys passed to the constructor (or the call) as they are -> the range the spec
    #: states for them (a name of ``properties.config_ranges.RANGES``): ``bad_input`` draws
    #: values outside it and expects a clear error naming the key.
    config_ranges: Mapping[str, str] = field(default_factory=dict)
    #: Fixed configs that properties which must see a particular case (``init``: a
    #: fan-in-dependent initializer) check beside the drawn ones.
    examples: tuple[dict, ...] = ()
    bench: Bench = field(default_factory=Bench)
    reference: str = REFERENCE_MODULE
    #: Key prefixes of the state_dict tensors that upstream's code places differently from
    #: the spec (each also a line of the upstream adapter's xfails file): ``state_dict``
    #: compares the recorded upstream layouts without them.
    upstream_lacks: tuple[str, ...] = ()
    #: Where the reference follows upstream's code over the spec's text (its docstring says
    #: so): property id -> the deviation, shown with every failure of that cell, so that a
    #: user who followed the text reads why the expected value is what it is.
    deviations: Mapping[str, str] = field(default_factory=dict)
    #: Properties of this entry alone (id -> law), beside those its kind supports.
    laws: Mapping[str, EntryLaw] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clash = sorted(set(self.laws) & (self.kind.supports | set(GLOBAL_IDS)))
        if clash:
            raise ValueError(f"{self.name}: laws redeclare ids of its kind or global ids: {clash}")
        unknown = set(self.left_out) - self.kind.supports - set(self.laws)
        if unknown:
            raise ValueError(
                f"{self.name}: left_out names ids its kind does not support: {sorted(unknown)}"
            )
        unknown_ranges = sorted(set(self.config_ranges.values()) - set(RANGES))
        if unknown_ranges:
            raise ValueError(f"{self.name}: config_ranges names unknown ranges {unknown_ranges}")
        empty = [p for p, why in self.left_out.items() if not why.strip()]
        if empty:
            raise ValueError(f"{self.name}: left-out ids without a reason: {empty}")
        unexplained = sorted(self.kind.needs_reason() - set(self.left_out))
        if unexplained:
            raise ValueError(
                f"{self.name}: its kind has no data for {unexplained}; give the reason they do "
                "not apply in left_out"
            )

    @property
    def family(self) -> str:
        return family_of(self.name)

    @property
    def properties(self) -> frozenset[str]:
        """The property ids that apply to this entry."""
        supported = self.kind.supports | set(self.laws)
        out = supported - set(self._instance_reasons()) - set(self.left_out)
        return out if "parity" in out else out - {"float64_exact"}  # parity, held tighter

    def _instance_reasons(self) -> dict[str, str]:
        """The kind's reasons for this instance, but for ``bad_input`` where the entry declares
        config ranges: those are ``bad_input``'s to draw even when the kind has no bad
        inputs to give it (a function whose spec documents no input checks)."""
        reasons = dict(self.kind.instance_reasons())
        if self.config_ranges:
            reasons.pop("bad_input", None)
        return reasons

    @property
    def own_ids(self) -> dict[str, str]:
        """The ids this entry adds to the global table: its kind's and its laws', described."""
        return {**self.kind.own_ids, **{k: law.describe for k, law in self.laws.items()}}

    def reasons(self) -> dict[str, str]:
        """Every known property id that does not apply, with the reason."""
        known = [*GLOBAL_IDS, *self.own_ids]
        out: dict[str, str] = {}
        for prop in known:
            if prop in self.laws and prop not in self.left_out:
                continue
            why = (
                self.left_out.get(prop)
                or self._instance_reasons().get(prop)
                or self.kind.reason(prop)
            )
            if why is None and prop == "float64_exact" and "parity" not in self.properties:
                why = "parity does not apply (it runs parity and grad_parity in float64)"
            if why is not None:
                out[prop] = why
        return out
