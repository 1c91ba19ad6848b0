"""Moving weights between a parallel network and the n single networks it replicates.

Layout convention (ALF's): a parallel tensor relates to the n single tensors of the same
state_dict key in one of three ways, told apart by shape alone:

* stacked: parallel shape ``[n, *s]`` (``ParallelFC._weight [n, out, in]``),
* concatenated: ``[n*s0, *s[1:]]`` (grouped conv kernels, BatchNorm over n*out features),
* shared: the same shape (a scalar such as ``num_batches_tracked``).

Wrapper segments are skipped when matching keys: ``_pnet.`` (the input-replicating
wrapper of ``make_parallel(n, allow_non_parallel_input=True)``), ``_module.`` (a layer
that the single network wraps as a Network and its parallel form keeps bare, ALF's
categorical projection) and ``_networks.<i>.`` (copy i of a ``NaiveParallelNetwork`` or of
a ``NaiveParallelLayer``, which is replica i as is: parallel ``_module._networks.<i>.weight``
of a wrapped ``nn.Linear`` is replica i's ``_module.weight``).

A Sequential registers only its module members in ``_nets``, its parallel form every member
(a function becomes a naive parallel layer with no tensors), so ``_nets.<i>`` numbers are
matched by rank: ``i`` is replaced by its position among the numbers under the same prefix
that hold tensors (single ``_nets.0`` is parallel ``_nets.1`` after a function member).

A parallel tensor without a single counterpart is ALF's ``ParallelFC`` bias under batch
norm (the single FC has none there): stacking replicas sets it to zero, which is what the
single FCs compute, and a replica leaves it out (exact while it is zero).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import torch
from torch import nn

_WRAPPERS = re.compile(r"(^|\.)(_pnet|_module)\.")
_NAIVE = re.compile(r"(^|\.)_networks\.(\d+)\.")
_NETS = re.compile(r"(^|\.)_nets\.(\d+)(?=\.)")


def _bare(key: str) -> str:
    return _WRAPPERS.sub(r"\1", key)


def _single_key(parallel_key: str) -> tuple[str, int | None]:
    key = _bare(parallel_key)
    m = _NAIVE.search(key)
    if m is None:
        return key, None
    return key[: m.start()] + m.group(1) + key[m.end() :], int(m.group(2))


def _ranked(keys: Iterable[str]) -> dict[str, str]:
    """Each key with its ``_nets.<i>`` numbers replaced by their ranks (module doc)."""
    keys = list(keys)
    numbers: dict[str, set[int]] = {}
    for key in keys:
        for m in _NETS.finditer(key):
            numbers.setdefault(key[: m.start(2)], set()).add(int(m.group(2)))
    order = {prefix: sorted(found) for prefix, found in numbers.items()}

    def ranked(key: str) -> str:
        def rank(m: re.Match) -> str:
            return f"{m.group(1)}_nets.{order[key[: m.start(2)]].index(int(m.group(2)))}"

        return _NETS.sub(rank, key)

    return {key: ranked(key) for key in keys}


def _by_bare_key(state: Mapping[str, torch.Tensor]) -> dict[str, str]:
    """``state``'s keys by their ranked form without wrapper segments."""
    bare = {_bare(k): k for k in state}
    return {r: bare[b] for b, r in _ranked(bare).items()}


def _single_keys(parallel_state: Mapping[str, torch.Tensor]) -> dict[str, tuple[str, int | None]]:
    """Each parallel key's single-network form (ranked) and its naive replica index."""
    split = {key: _single_key(key) for key in parallel_state}
    ranks = _ranked({bare for bare, _ in split.values()})
    return {key: (ranks[bare], i) for key, (bare, i) in split.items()}


def _parallel_only(key: str, bare: str) -> str:
    """``""`` for a parallel-only bias (module doc); any other unmatched key is an error."""
    if bare.endswith("._bias"):
        return ""
    raise KeyError(f"parallel key {key!r} has no single-network key {bare!r}")


def _relation(p: torch.Tensor, s: torch.Tensor, n: int, key: str) -> str:
    if p.shape == (n, *s.shape):
        return "stack"
    if p.shape == s.shape:
        return "shared"
    if s.dim() >= 1 and p.shape == (n * s.shape[0], *s.shape[1:]):
        return "cat"
    raise ValueError(
        f"state_dict key {key!r}: parallel shape {list(p.shape)} is not a stack, concat or "
        f"copy of the single shape {list(s.shape)} for n={n}"
    )


def stack_replica_states(
    parallel_state: Mapping[str, torch.Tensor], replica_states: Sequence[Mapping[str, torch.Tensor]]
) -> dict[str, torch.Tensor]:
    """The parallel state_dict whose replica i holds ``replica_states[i]``."""
    n = len(replica_states)
    names = _by_bare_key(replica_states[0])
    singles_of = _single_keys(parallel_state)
    out: dict[str, torch.Tensor] = {}
    for key, p in parallel_state.items():
        bare, naive_i = singles_of[key]
        skey = names.get(bare) or _parallel_only(key, bare)
        if skey == "":
            out[key] = torch.zeros_like(p)
            continue
        if naive_i is not None:
            out[key] = replica_states[naive_i][skey].clone()
            continue
        singles = [r[skey] for r in replica_states]
        how = _relation(p, singles[0], n, key)
        if how == "stack":
            out[key] = torch.stack(singles)
        elif how == "cat":
            out[key] = torch.cat(singles)
        else:
            out[key] = singles[0].clone()
    return out


def replica_state(
    parallel_state: Mapping[str, torch.Tensor],
    single_state: Mapping[str, torch.Tensor],
    i: int,
    n: int,
) -> dict[str, torch.Tensor]:
    """Replica i's slice of ``parallel_state``, keyed like ``single_state``."""
    names = _by_bare_key(single_state)
    singles_of = _single_keys(parallel_state)
    out: dict[str, torch.Tensor] = {}
    for key, p in parallel_state.items():
        bare, naive_i = singles_of[key]
        skey = names.get(bare) or _parallel_only(key, bare)
        if skey == "":
            continue
        if naive_i is not None:
            if naive_i == i:
                out[skey] = p.clone()
            continue
        s = single_state[skey]
        how = _relation(p, s, n, key)
        if how == "stack":
            out[skey] = p[i].clone()
        elif how == "cat":
            k = s.shape[0]
            out[skey] = p[i * k : (i + 1) * k].clone()
        else:
            out[skey] = p.clone()
    return out


class Replicated:
    """Mixin for parallel networks: ``replica(i)`` and ``from_replicas(nets)``.

    The parallel network keeps (outside its module tree) the single network it was made
    from, as the template for ``replica(i)``.
    """

    _n: int

    def set_prototype(self, single: nn.Module) -> None:
        object.__setattr__(self, "_prototype", single)

    @property
    def n(self) -> int:
        return self._n

    def replica(self, i: int) -> nn.Module:
        """A single network holding a copy of replica i's weights."""
        if not 0 <= i < self._n:
            raise IndexError(f"replica index {i} out of range for n={self._n}")
        single = self.__dict__["_prototype"].copy()
        state = replica_state(self.state_dict(), single.state_dict(), i, self._n)  # type: ignore[attr-defined]
        single.load_state_dict(state)
        return single

    def load_replicas(self, nets: Sequence[nn.Module]) -> None:
        """Overwrite replica i with the weights of ``nets[i]`` for every i."""
        if len(nets) != self._n:
            raise ValueError(f"expected {self._n} replicas, got {len(nets)}")
        state = stack_replica_states(self.state_dict(), [m.state_dict() for m in nets])  # type: ignore[attr-defined]
        self.load_state_dict(state)  # type: ignore[attr-defined]

    @classmethod
    def from_replicas(cls, nets: Sequence[nn.Module], **make_parallel_kwargs) -> nn.Module:
        """The parallel network of ``nets[0].make_parallel(len(nets))`` holding their weights."""
        if not nets:
            raise ValueError("from_replicas needs at least one network")
        parallel = nets[0].make_parallel(len(nets), **make_parallel_kwargs)  # type: ignore[operator]
        if not isinstance(parallel, cls):
            raise TypeError(
                f"{cls.__name__}.from_replicas: make_parallel of {type(nets[0]).__name__} gives "
                f"{type(parallel).__name__}"
            )
        parallel.load_replicas(nets)
        return parallel  # type: ignore[return-value]
