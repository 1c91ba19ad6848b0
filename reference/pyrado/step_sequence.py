"""``StepSequence``: the part of Pyrado's rollout container that ``evaluate`` reads.

Upstream: ``pyrado/sampling/step_sequence.py``. One object holds one rollout or several
concatenated ones: per-step data (``rewards``, ``observations``, ``actions``, and any
other named field such as ``hidden_states``), each stacked along a leading step dim of
length ``T`` (``observations`` may carry one extra final entry, ``T + 1``), and the rollout
boundaries ``rollout_bounds = [0, b_1, ..., T]``: rollout ``i`` is steps
``bounds[i]:bounds[i + 1]``. The constructor is keyword-only like upstream's, so the same
call builds either class. Not kept from upstream: numpy storage, ``done``-derived bounds for
discontinuous data, mini-batching and returns.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import torch


class Step:
    """One step of a :class:`StepSequence`: ``step.observation`` / ``step["observations"]``
    (attribute names drop the plural ``s`` as upstream's do)."""

    def __init__(self, data: dict[str, torch.Tensor], index: int):
        self._data, self._index = data, index

    def __getitem__(self, name: str) -> torch.Tensor:
        return self._data[name][self._index]

    def __getattr__(self, name: str) -> torch.Tensor:
        if name.startswith("_"):
            raise AttributeError(name)
        for key in (name, name + "s"):
            if key in self._data:
                return self._data[key][self._index]
        raise AttributeError(f"step has no field {name!r}; fields are {sorted(self._data)}")


class StepSequence(Sequence):
    """Concatenated rollouts as stacked torch tensors with rollout boundaries (module doc)."""

    def __init__(
        self,
        *,
        rollout_bounds: Sequence[int] | None = None,
        data_format: str = "torch",
        continuous: bool = True,
        rewards: torch.Tensor,
        observations: torch.Tensor,
        actions: torch.Tensor,
        **data: torch.Tensor,
    ):
        if data_format != "torch":
            raise ValueError(f"StepSequence: expected data_format 'torch', got {data_format!r}")
        length = len(rewards)
        if length == 0:
            raise ValueError("StepSequence: expected at least one step, got 0 rewards")
        fields = {"rewards": rewards, "observations": observations, "actions": actions, **data}
        for name, value in fields.items():
            if not isinstance(value, torch.Tensor):
                raise TypeError(f"StepSequence: expected {name} as a tensor, got {type(value)}")
            if value.requires_grad:
                raise ValueError(f"StepSequence: expected {name} without grad, got requires_grad")
            if value.shape[0] not in (length, length + 1):
                raise ValueError(
                    f"StepSequence: expected {length} or {length + 1} {name}, got {value.shape[0]}"
                )
        bounds = [0, length] if rollout_bounds is None else [int(b) for b in rollout_bounds]
        if (
            bounds[0] != 0
            or bounds[-1] != length
            or any(a >= b for a, b in itertools.pairwise(bounds))
        ):
            raise ValueError(
                f"StepSequence: expected increasing rollout_bounds from 0 to {length}, got {bounds}"
            )
        self._data = fields
        self._bounds = bounds
        self._length = length
        self.continuous = continuous

    # -- sizes ------------------------------------------------------------------------------
    @property
    def length(self) -> int:
        return self._length

    def __len__(self) -> int:
        return self._length

    @property
    def data_format(self) -> str:
        return "torch"

    @property
    def data_names(self) -> list[str]:
        return list(self._data)

    @property
    def rollout_bounds(self) -> list[int]:
        return list(self._bounds)

    @property
    def rollout_count(self) -> int:
        return len(self._bounds) - 1

    @property
    def rollout_lengths(self) -> list[int]:
        return [b - a for a, b in zip(self._bounds, self._bounds[1:])]

    # -- access -----------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"StepSequence has no field {name!r}") from None

    def get_data_values(self, name: str, truncate_last: bool = False) -> torch.Tensor:
        """Field ``name``; with ``truncate_last`` the extra ``T + 1``-th entry is dropped."""
        value = self._data[name]
        return value[: self._length] if truncate_last else value

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step != 1:
                raise ValueError(f"StepSequence: expected a contiguous slice, got step {step}")
            inner = [b - start for b in self._bounds if start < b < stop]
            fields = {k: v[start:stop] for k, v in self._data.items()}
            make: Any = StepSequence
            return make(rollout_bounds=[0, *inner, stop - start], **fields)
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(f"step {index} of a StepSequence of length {self._length}")
        return Step(self._data, index)

    def __iter__(self) -> Iterator[Step]:
        return (Step(self._data, t) for t in range(self._length))

    def iterate_rollouts(self) -> Iterator[StepSequence]:
        """The rollouts, in order, each as a :class:`StepSequence` of its own."""
        for a, b in zip(self._bounds, self._bounds[1:]):
            yield self[a:b]
