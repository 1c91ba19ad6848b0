"""``StepSequence``: the part of Pyrado's rollout container that ``evaluate`` reads.

Upstream: ``pyrado/sampling/step_sequence.py``. One object holds one rollout or several
concatenated ones: per-step data (``rewards``, ``observations``, ``actions``, and any
other named field such as ``hidden_states``), each stacked along a leading step dim of
length ``T`` (``observations`` may carry one extra final entry, ``T + 1``), and the rollout
boundaries ``rollout_bounds = [0, b_1, ..., T]``: rollout ``i`` is steps
``bounds[i]:bounds[i + 1]``. The constructor is keyword-only like upstream's, so the same
call builds either class.

Storage follows ``data_format`` as upstream's does: ``'torch'`` keeps tensors, ``'numpy'``
ndarrays; ``None`` picks torch when any field besides ``rewards`` is a tensor (or a list of
tensors), else numpy. A field is an array, a tensor or a list of per-step values (stacked).
``done`` flags which steps end an episode (by default only the last step of a
``complete`` sequence); without ``rollout_bounds`` the bounds follow it (a rollout ends
after every done step).
:meth:`StepSequence.concat` joins sequences, their bounds shifted. Not kept from upstream:
discontinuous data, mini-batching, returns and data processing; errors are
``ValueError`` / ``TypeError`` instead of Pyrado's own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch

Field = torch.Tensor | np.ndarray


def _is_tensor_field(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return True
    return isinstance(value, list | tuple) and len(value) > 0 and isinstance(value[0], torch.Tensor)


def to_field(name: str, value: Any, data_format: str) -> Any:
    """``value`` (an array, a tensor or a list of per-step values) stacked as ``data_format``;
    a dict (upstream's ``env_infos``) field by field, a list of dicts as a dict of lists."""
    if isinstance(value, dict):
        return {k: to_field(f"{name}.{k}", v, data_format) for k, v in value.items()}
    if isinstance(value, list | tuple) and value and isinstance(value[0], dict):
        return to_field(name, {k: [v[k] for v in value] for k in value[0]}, data_format)
    if isinstance(value, list | tuple):
        if len(value) == 0:
            raise ValueError(f"StepSequence: expected {name} with at least one step, got none")
        if isinstance(value[0], torch.Tensor):
            value = torch.stack([torch.as_tensor(v) for v in value])
        else:
            value = np.stack([np.asarray(v) for v in value])
    if isinstance(value, torch.Tensor):
        if value.requires_grad:
            raise ValueError(f"StepSequence: expected {name} without grad, got requires_grad")
        return value if data_format == "torch" else value.detach().cpu().numpy()
    if isinstance(value, np.ndarray | np.generic | float | int):
        array = np.asarray(value)
        return torch.from_numpy(array) if data_format == "torch" else array
    raise TypeError(
        f"StepSequence: expected {name} as a tensor, an ndarray or a list of steps, got "
        f"{type(value).__name__}"
    )


def _leaves(fields: dict[str, Any]) -> Iterator[tuple[str, Field]]:
    for name, value in fields.items():
        if isinstance(value, dict):
            yield from _leaves({f"{name}.{k}": v for k, v in value.items()})
        else:
            yield name, value


def _truncate(value: Any, length: int) -> Any:
    if isinstance(value, dict):
        return {k: _truncate(v, length) for k, v in value.items()}
    return value[:length]


def _cat(values: list[Any], fmt: str) -> Any:
    if isinstance(values[0], dict):
        return {k: _cat([v[k] for v in values], fmt) for k in values[0]}
    return torch.cat(values) if fmt == "torch" else np.concatenate(values)


def _cast(value: Any, data_type: Any) -> Any:
    if data_type is None:
        return value
    if isinstance(value, dict):
        return {k: _cast(v, data_type) for k, v in value.items()}
    return value.to(data_type) if isinstance(value, torch.Tensor) else value.astype(data_type)


def _index(value: Any, index: Any) -> Any:
    if isinstance(value, dict):
        return {k: _index(v, index) for k, v in value.items()}
    return value[index]


class Step:
    """One step of a :class:`StepSequence`: ``step.observation`` / ``step["observations"]``
    (attribute names drop the plural ``s`` as upstream's do)."""

    def __init__(self, data: dict[str, Field], index: int):
        self._data, self._index = data, index

    def __getitem__(self, name: str) -> Any:
        return _index(self._data[name], self._index)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        for key in (name, name + "s"):
            if key in self._data:
                return _index(self._data[key], self._index)
        raise AttributeError(f"step has no field {name!r}; fields are {sorted(self._data)}")


class StepSequence(Sequence):
    """Concatenated rollouts, stacked per field, with rollout boundaries (module doc)."""

    def __init__(
        self,
        *,
        complete: bool = True,
        rollout_info: Any = None,
        data_format: str | None = None,
        done: Any = None,
        continuous: bool = True,
        rollout_bounds: Sequence[int] | None = None,
        rewards: Any,
        observations: Any,
        actions: Any,
        **data: Any,
    ):
        if not continuous:
            raise ValueError("StepSequence: expected continuous rollouts, got continuous=False")
        raw = {"rewards": rewards, "observations": observations, "actions": actions, **data}
        if data_format is None:
            others = (v for k, v in raw.items() if k != "rewards")
            data_format = "torch" if any(_is_tensor_field(v) for v in others) else "numpy"
        if data_format not in ("torch", "numpy"):
            raise ValueError(
                f"StepSequence: expected data_format 'torch', 'numpy' or None, got {data_format!r}"
            )
        fields = {name: to_field(name, value, data_format) for name, value in raw.items()}
        length = len(fields["rewards"])
        if length == 0:
            raise ValueError("StepSequence: expected at least one step, got 0 rewards")
        for name, value in _leaves(fields):
            if value.shape[0] not in (length, length + 1):
                raise ValueError(
                    f"StepSequence: expected {length} or {length + 1} {name}, got {value.shape[0]}"
                )
        ends = np.zeros(length, dtype=bool) if done is None else np.asarray(done, dtype=bool)
        if ends.shape != (length,):
            raise ValueError(f"StepSequence: expected {length} done flags, got {ends.shape}")
        if done is None and complete:
            ends[-1] = True
        if rollout_bounds is None:
            bounds = [0, *(int(i) + 1 for i in np.flatnonzero(ends))]
            if bounds[-1] != length:
                bounds.append(length)
        else:
            bounds = [int(b) for b in rollout_bounds]
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
        self._data_format = data_format
        self.continuous = continuous
        self.done = ends
        self.complete = complete
        self.rollout_info = rollout_info

    @classmethod
    def concat(
        cls,
        parts: Sequence[Any],
        data_format: str | None = None,
        truncate_last: bool = True,
    ) -> StepSequence:
        """The sequences ``parts`` (this class's or upstream's) one after another: every
        field concatenated (with ``truncate_last``, each part's extra final entry dropped
        first), rollout bounds shifted by the steps before them; ``data_format`` None keeps
        the first part's."""
        if not parts:
            raise ValueError("StepSequence.concat: expected at least one part, got none")
        fmt = data_format or parts[0].data_format
        names = list(parts[0].data_names)
        data = {}
        for name in names:
            values = [to_field(name, p.get_data_values(name, truncate_last), fmt) for p in parts]
            data[name] = _cat(values, fmt)
        bounds, offset = [0], 0
        for p in parts:
            bounds += [offset + int(b) for b in list(p.rollout_bounds)[1:]]
            offset += len(p)
        done = np.concatenate([np.asarray(p.done, dtype=bool) for p in parts])
        return cls(data_format=fmt, rollout_bounds=bounds, done=done, **data)

    def add_data(self, name: str, value: Any) -> None:
        """Add the per-step field ``name`` (``T`` or ``T + 1`` entries, stored in this
        sequence's ``data_format``), as upstream's sampler adds ``hidden_states``."""
        if name in self._data:
            raise ValueError(f"StepSequence: field {name!r} exists already")
        field = to_field(name, value, self._data_format)
        for key, leaf in _leaves({name: field}):
            if leaf.shape[0] not in (self._length, self._length + 1):
                raise ValueError(
                    f"StepSequence: expected {self._length} or {self._length + 1} {key}, got "
                    f"{leaf.shape[0]}"
                )
        self._data[name] = field

    def convert(self, data_format: str, data_type: Any = None) -> None:
        """Store every field as ``data_format`` (``'torch'`` or ``'numpy'``) from now on, cast to
        ``data_type`` (a torch or numpy dtype of that format) when given."""
        if data_format not in ("torch", "numpy"):
            raise ValueError(f"StepSequence: expected 'torch' or 'numpy', got {data_format!r}")
        self._data = {
            k: _cast(to_field(k, v, data_format), data_type) for k, v in self._data.items()
        }
        self._data_format = data_format

    def torch(self, data_type: Any = None) -> None:
        """:meth:`convert` to tensors."""
        self.convert("torch", data_type)

    def numpy(self, data_type: Any = None) -> None:
        """:meth:`convert` to ndarrays."""
        self.convert("numpy", data_type)

    # -- sizes ------------------------------------------------------------------------------
    @property
    def length(self) -> int:
        return self._length

    def __len__(self) -> int:
        return self._length

    @property
    def data_format(self) -> str:
        return self._data_format

    @property
    def data_names(self) -> list[str]:
        return list(self._data)

    @property
    def rollout_bounds(self) -> np.ndarray:
        """``[0, b_1, ..., T]`` as an int ndarray, as upstream's (so that its ``concat`` can
        shift them)."""
        return np.asarray(self._bounds, dtype=np.int64)

    @property
    def rollout_count(self) -> int:
        return len(self._bounds) - 1

    @property
    def rollout_lengths(self) -> np.ndarray:
        bounds = self.rollout_bounds
        return bounds[1:] - bounds[:-1]

    # -- access -----------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"StepSequence has no field {name!r}") from None

    def get_data_values(self, name: str, truncate_last: bool = False) -> Field:
        """Field ``name``; with ``truncate_last`` the extra ``T + 1``-th entry is dropped."""
        value = self._data[name]
        return _truncate(value, self._length) if truncate_last else value

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step != 1:
                raise ValueError(f"StepSequence: expected a contiguous slice, got step {step}")
            inner = [b - start for b in self._bounds if start < b < stop]
            fields = {k: _index(v, slice(start, stop)) for k, v in self._data.items()}
            make: Any = StepSequence
            return make(
                data_format=self._data_format, rollout_bounds=[0, *inner, stop - start], **fields
            )
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(f"step {index} of a StepSequence of length {self._length}")
        return Step(self._data, index)

    def __iter__(self) -> Iterator[Step]:
        return (Step(self._data, t) for t in range(self._length))

    def iterate_rollouts(self) -> Iterator[StepSequence]:
        """The rollouts, in order, each as a :class:`StepSequence` of its own."""
        for a, b in itertools.pairwise(self._bounds):
            yield self[a:b]
