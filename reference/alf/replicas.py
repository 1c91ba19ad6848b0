"""Moving weights between a parallel network and the n single networks it replicates.

Layout convention (ALF's): a parallel tensor relates to the n single tensors of the same
state_dict key in one of three ways, told apart by shape alone:

* stacked: parallel shape ``[n, *s]`` (``ParallelFC._weight [n, out, in]``),
* concatenated: ``[n*s0, *s[1:]]`` (grouped conv kernels, BatchNorm over n*out features),
* shared: the same shape (a scalar such as ``num_batches_tracked``).

Wrapper segments are skipped when matching keys: ``_pnet.`` (the input-replicating
wrapper of ``make_parallel(n, allow_non_parallel_input=True)``), ``_module.`` (a layer
that the single network wraps as a Network and its parallel form keeps bare, ALF's
categorical projection) and ``_networks.<i>.`` (a ``NaiveParallelNetwork`` sub-network,
whose copy i is replica i as is).

A parallel tensor without a single counterpart is ALF's ``ParallelFC`` bias under batch
norm (the single FC has none there): stacking replicas sets it to zero, which is what the
single FCs compute, and a replica leaves it out (exact while it is zero).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import torch
from torch import nn

_WRAPPERS = re.compile(r"(^|\.)(_pnet|_module)\.")
_NAIVE = re.compile(r"(^|\.)_networks\.(\d+)\.")


def _bare(key: str) -> str:
    return _WRAPPERS.sub(r"\1", key)


def _single_key(parallel_key: str) -> tuple[str, int | None]:
    key = _bare(parallel_key)
    m = _NAIVE.search(key)
    if m is None:
        return key, None
    return key[: m.start()] + m.group(1) + key[m.end() :], int(m.group(2))


def _by_bare_key(state: Mapping[str, torch.Tensor]) -> dict[str, str]:
    """``state``'s keys by their form without wrapper segments."""
    return {_bare(k): k for k in state}


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
    out: dict[str, torch.Tensor] = {}
    for key, p in parallel_state.items():
        bare, naive_i = _single_key(key)
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
    out: dict[str, torch.Tensor] = {}
    for key, p in parallel_state.items():
        bare, naive_i = _single_key(key)
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
