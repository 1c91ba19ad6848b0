"""ALF's episodic memories (``alf.networks.memory``): ``Memory``, ``FIFOMemory``,
``MemoryWithUsage``.

A memory is not a network: the object holds, for a batch of ``B`` rows, ``size`` slots of
``dim``-vectors, changed by ``write`` and read by ``read`` (``FIFOMemory``: by ``memory()``
and ``mask()``). ``build(batch_size)`` makes it empty; ``states`` / ``from_states(states)``
move it out of and into a network's state, which is how ALF carries a memory from step to
step; ``reset()`` empties it for a new episode. The memory lives within one episode.

twinnet adds one method to each concrete memory, its sequence API (``reference.alf.unroll``)::

    unroll(inputs [T, B, ...], state, first_step [T, B]) -> (outputs [T, B, ...], final_state)

whose step is: the row's state reset to zeros where ``first_step`` marks it, then
``from_states(state)``, ``write`` and a read (FIFOMemory: ``write(x_t)``, output
``memory()``; MemoryWithUsage: ``write(content_t)``, output ``read(keys_t)``), and the new
state ``states``. The reference's ``unroll`` is that loop written out.

Bad input raises a ``ValueError`` / ``TypeError`` that names what was expected and what
arrived, before the memory changes (upstream asserts, or fails inside torch).
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable
from typing import Any

import torch

from reference import checks
from reference.alf.layers import FC
from reference.alf.unroll import (
    check_first_step,
    check_time_major,
    no_steps,
    reset_rows,
    stack_steps,
)
from reference.specs import Nest, TensorSpec, check_state, flatten, map_structure

__all__ = ["FIFOMemory", "Memory", "MemoryWithUsage"]


def _positive_int(value: object, what: str, low: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ValueError(f"{what}: expected an int >= {low}, got {value!r}")
    return value


def _float_tensor(x: object, what: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{what}: expected a floating torch.Tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{what}: expected a floating tensor, got dtype {x.dtype}")
    return x


class Memory(abc.ABC):
    """The base of ALF's memories: ``dim`` (the size of one content vector), ``size`` (the
    number of slots), ``state_spec`` (the specs of the state a network carries it in), and
    the two operations every memory has, ``read(keys)`` and ``write(content)``.

    twinnet's base also holds what its memories share: the batch they were built for
    (``build``), the check that a memory is built before it is looked at, and ``reset``.
    """

    #: the name of the state's second tensor, for error messages
    _second_state = "second"

    def __init__(self, dim: int, size: int, state_spec: Nest, name: str = "Memory"):
        self._dim = _positive_int(dim, f"{name} dim")
        self._size = _positive_int(size, f"{name} size")
        self._state_spec = state_spec
        self._name = name
        self._batch_size: int | None = None

    @property
    def dim(self) -> int:
        """The dimension of each content vector."""
        return self._dim

    @property
    def size(self) -> int:
        """The number of memory slots."""
        return self._size

    @property
    def state_spec(self) -> Nest:
        """The specs of the memory's state (``states``), batch dim excluded."""
        return self._state_spec

    def __getstate__(self) -> dict:
        """What ``copy`` and ``pickle`` take: the memory's tensors without the autograd graph
        of the writes that filled them (torch copies graph leaves only, and
        ``copy.deepcopy`` must work at any time, contract item 7)."""
        return {
            k: v.detach() if isinstance(v, torch.Tensor) else v for k, v in self.__dict__.items()
        }

    @abc.abstractmethod
    def read(self, keys: torch.Tensor) -> torch.Tensor:
        """Memory vectors for ``keys`` (``[B, dim]`` or ``[B, k, dim]``): the result has the
        keys' shape."""

    @abc.abstractmethod
    def write(self, content: torch.Tensor) -> None:
        """Write ``content`` (``[B, dim]``) into the memory, where the subclass decides."""

    def check_sequence(
        self, inputs: Nest, state: Nest, first_step: torch.Tensor
    ) -> tuple[int, int]:
        """The checks of one ``unroll``, once, before any step (contract item 8):
        ``first_step`` bool ``[T, B]``, every input ``[T, B, ...]``, and ``state`` the
        memory's state for B rows in the inputs' dtype. Returns ``(T, B)``."""
        what = f"{self._name}.unroll"
        steps, batch = check_first_step(first_step, what)
        check_time_major(inputs, steps, batch, what)
        dtype = next((x.dtype for x in flatten(inputs) if x.is_floating_point()), None)
        check_state(self._state_spec, state, (batch,), dtype, f"{self._name} state")
        return steps, batch

    def no_steps(self, step: Callable[[Nest], Nest], inputs: Nest, state: Nest, batch: int) -> Nest:
        """The ``[0, B, ...]`` outputs of an unroll of T = 0 steps: ``step(x)`` (a write and
        what the unroll returns) on no rows; the memory then holds ``state`` again."""

        memory: Any = self  # a subclass: from_states and states are its (as upstream's)

        def one(x: Nest, s: Nest) -> tuple[Nest, Nest]:
            memory.from_states(s)
            return step(x), memory.states

        out = no_steps(one, inputs, state, batch)
        memory.from_states(state)
        return out

    def _check_built(self, what: str) -> int:
        if self._batch_size is None:
            raise ValueError(
                f"{self._name}.{what}: expected a built memory (build(batch_size), a write or "
                "from_states first), got one that was never built"
            )
        return self._batch_size

    def _check_batch(self, x: torch.Tensor, what: str) -> None:
        if self._batch_size is not None and x.shape[0] != self._batch_size:
            raise ValueError(
                f"{self._name}.{what}: expected batch size {self._batch_size} (the memory's), "
                f"got shape {list(x.shape)}"
            )

    def _check_states(self, states: Any, what: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``states`` must be a pair of tensors shaped by ``state_spec`` with one batch dim."""
        if not isinstance(states, tuple) or len(states) != 2:
            raise TypeError(
                f"{self._name}.{what}: expected a tuple (memory, {self._second_state}), got "
                f"{type(states).__name__}"
            )
        specs: tuple[TensorSpec, TensorSpec] = self._state_spec
        for s, x in zip(specs, states):
            if not isinstance(x, torch.Tensor):
                raise TypeError(f"{self._name}.{what}: expected tensors, got {type(x).__name__}")
            if x.dtype.is_floating_point != s.dtype.is_floating_point:
                raise TypeError(
                    f"{self._name}.{what}: expected dtype kind of {s.dtype}, got {x.dtype}"
                )
            if x.dim() != 1 + s.ndim or tuple(x.shape[1:]) != s.shape:
                raise ValueError(
                    f"{self._name}.{what}: expected shape [B, *{list(s.shape)}], got "
                    f"{list(x.shape)}"
                )
        if states[0].shape[0] != states[1].shape[0]:
            raise ValueError(
                f"{self._name}.{what}: expected one batch size, got {states[0].shape[0]} and "
                f"{states[1].shape[0]}"
            )
        return states

    def reset(self) -> None:
        """Empty the memory for a new episode: zeros, as ``build`` leaves it, in the
        memory's dtype and device."""
        batch = self._check_built("reset")
        self._zeros(batch, *self._dtype_device())

    @abc.abstractmethod
    def _zeros(self, batch: int, dtype: torch.dtype, device: torch.device) -> None:
        """Set the state to an empty memory of ``batch`` rows."""

    @abc.abstractmethod
    def _dtype_device(self) -> tuple[torch.dtype, torch.device]:
        """The dtype and device of the memory's content."""

    def build(self, batch_size: int) -> None:
        """Make an empty memory for ``batch_size`` rows (float32, CPU, as upstream).
        ``read`` and ``write`` build it themselves (in their input's dtype and device) if it
        was never built; later calls must have this batch size."""
        batch = _positive_int(batch_size, f"{self._name}.build batch_size", low=0)
        self._zeros(batch, torch.float32, torch.device("cpu"))

    def _build_like(self, x: torch.Tensor) -> None:
        if self._batch_size is None:
            self._zeros(x.shape[0], x.dtype, x.device)

    def _check_dtype(self, x: torch.Tensor, what: str) -> None:
        dtype, _ = self._dtype_device()
        if x.dtype != dtype:
            raise TypeError(
                f"{self._name}.{what}: expected dtype {dtype} (the memory's), got {x.dtype}"
            )


class FIFOMemory(Memory):
    """A first-in first-out memory: a write puts the new content in the first slots and
    shifts the rest back, the oldest falling off the end.

    After writes of ``k`` vectors each, slot ``j`` holds ``content[j mod k]`` of the write
    ``floor(j / k)`` calls ago (single vectors: slot ``k`` holds what was written ``k``
    writes ago)::

        M'_j = c_j            for j <  k
        M'_j = M_{j - k}      for j >= k

    ``mask()[b, j]`` tells whether slot ``j`` was written: ``j < n_b``, with ``n_b`` the
    number of vectors written since the memory was built (upstream's ``current_size``,
    which keeps counting past ``size``). The state is ``(memory [B, size, dim], n [B])``.
    ``read`` by content is not defined for this memory (upstream raises
    ``NotImplementedError``): it is read whole, through ``memory()`` and ``mask()``.
    """

    _second_state = "current_size"

    def __init__(self, dim: int, size: int, name: str = "FIFOMemory"):
        _positive_int(dim, f"{name} dim")
        _positive_int(size, f"{name} size")
        spec = (TensorSpec((size, dim)), TensorSpec((), torch.int64))
        super().__init__(dim, size, spec, name)
        self._memory: torch.Tensor | None = None
        self._current_size: torch.Tensor | None = None

    def _zeros(self, batch: int, dtype: torch.dtype, device: torch.device) -> None:
        self._batch_size = batch
        self._memory = torch.zeros(batch, self._size, self._dim, dtype=dtype, device=device)
        self._current_size = torch.zeros(batch, dtype=torch.int64, device=device)

    def _dtype_device(self) -> tuple[torch.dtype, torch.device]:
        assert self._memory is not None
        return self._memory.dtype, self._memory.device

    def _check_content(self, content: Any) -> torch.Tensor:
        """``content`` as ``[B, k, dim]`` (1 <= k <= size), checked (module doc)."""
        content = _float_tensor(content, f"{self._name}.write content")
        if content.dim() not in (2, 3) or content.shape[-1] != self._dim:
            raise ValueError(
                f"{self._name}.write: expected content [B, {self._dim}] or [B, k, {self._dim}], "
                f"got shape {list(content.shape)}"
            )
        if content.dim() == 3 and not 1 <= content.shape[1] <= self._size:
            raise ValueError(
                f"{self._name}.write: expected 1 <= k <= size = {self._size} vectors per row, "
                f"got k = {content.shape[1]}"
            )
        self._check_batch(content, "write")
        if self._batch_size is not None:
            self._check_dtype(content, "write")
        return content if content.dim() == 3 else content.unsqueeze(1)

    def write(self, content: torch.Tensor) -> None:
        """Put ``content`` (``[B, dim]`` or ``[B, k, dim]``) in slots ``0..k-1`` and move
        every stored vector ``k`` slots back (class doc)."""
        content = self._check_content(content)
        self._build_like(content)
        assert self._memory is not None and self._current_size is not None
        k = content.shape[1]
        slots = []
        for j in range(self._size):
            slots.append(content[:, j] if j < k else self._memory[:, j - k])
        self._memory = torch.stack(slots, dim=1)
        self._current_size = self._current_size + k

    def read(self, keys: torch.Tensor) -> torch.Tensor:
        """Not defined for a FIFO memory (upstream raises ``NotImplementedError``): read it
        whole with ``memory()`` and ``mask()``."""
        raise NotImplementedError(f"{self._name} has no read by content: use memory() and mask()")

    def memory(self) -> torch.Tensor:
        """The slots, ``[B, size, dim]``, newest first."""
        self._check_built("memory")
        assert self._memory is not None
        return self._memory

    def mask(self) -> torch.Tensor:
        """``[B, size]`` bool: whether each slot holds written content (``j < n_b``)."""
        self._check_built("mask")
        assert self._current_size is not None
        slots = torch.arange(self._size, device=self._current_size.device)
        return slots.unsqueeze(0) < self._current_size.unsqueeze(-1)

    @property
    def states(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(memory [B, size, dim], current_size [B])``."""
        self._check_built("states")
        assert self._memory is not None and self._current_size is not None
        return (self._memory, self._current_size)

    def from_states(self, states: tuple[torch.Tensor, torch.Tensor] | None) -> None:
        """Take the memory from ``states`` (as ``states`` gives them); ``None`` unbuilds it."""
        if states is None:
            self._batch_size = self._memory = self._current_size = None
            return
        memory, current_size = self._check_states(states, "from_states")
        self._memory, self._current_size = memory, current_size
        self._batch_size = memory.shape[0]

    def _write_then_memory(self, content: torch.Tensor) -> torch.Tensor:
        self.write(content)
        return self.memory()

    def unroll(
        self,
        inputs: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor],
        first_step: torch.Tensor,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """``(memory() after each step [T, B, size, dim], final states)``: for each step,
        the rows that start an episode emptied, then ``write(inputs[t])`` (module doc)."""
        steps, batch = self.check_sequence(inputs, state, first_step)
        if steps == 0:
            return self.no_steps(self._write_then_memory, inputs, state, batch), state
        outputs = []
        for t in range(steps):
            self.from_states(reset_rows(state, first_step[t]))
            self.write(inputs[t])
            outputs.append(self.memory())
            state = self.states
        return stack_steps(outputs), state


class MemoryWithUsage(Memory):
    """Memory with a usage indicator (arXiv:1803.10760, Methods 2.3).

    ``read(keys)``: for each key ``q`` of a row with slots ``M_1..M_N``, attention by
    content,

        s_i = <q, M_i> / ((|q| + 1e-30) (|M_i| + 1e-30))   (``normalize``; else <q, M_i>)
        a_i = softmax_i(scale * s_i),      r = sum_i a_i M_i,

    and every slot's usage grows by its attention, ``u_i += sum_keys a_i``. ``scale`` is
    the constructor's (default 5 with ``normalize``, else ``1 / sqrt(dim)``) or the one
    given to ``read`` (a number or a tensor of shape ``()`` or ``keys.shape[:-1]``).

    ``write(c)``: the least-used slot ``l = argmin_i u_i`` (the first of equals) takes the
    content and usage 1, every other slot decays::

        M'_l = c,   u'_l = 1;      M'_i = usage_decay * M_i,   u'_i = u_i   (i != l)

    ``usage_decay`` (default ``1 - 1 / size``) multiplies the *memory content* of the
    other slots: the spec's docstring says the usage is scaled, upstream's code scales
    the content and leaves the usage alone, and twinnet follows the code (DESIGN).

    ``snapshot_only``: the memory keeps only its last snapshot, detached, so no gradient
    flows back to a writer or through a read's usage; it has no ``states`` (upstream's
    ``states`` / ``from_states`` refuse it). The state is ``(memory [B, size, dim],
    usage [B, size])``.
    """

    _second_state = "usage"

    def __init__(
        self,
        dim: int,
        size: int,
        snapshot_only: bool = False,
        normalize: bool = True,
        scale: float | None = None,
        usage_decay: float | None = None,
        name: str = "MemoryWithUsage",
    ):
        _positive_int(dim, f"{name} dim")
        _positive_int(size, f"{name} size")
        spec = (TensorSpec((size, dim)), TensorSpec((size,)))
        super().__init__(dim, size, spec, name)
        checks.flag(snapshot_only, f"{name} snapshot_only")
        checks.flag(normalize, f"{name} normalize")
        if scale is None:
            scale = 5.0 if normalize else 1.0 / math.sqrt(dim)
        if (
            not isinstance(scale, (int, float))
            or isinstance(scale, bool)
            or not math.isfinite(scale)
        ):
            raise ValueError(f"{name} scale: expected a finite number or None, got {scale!r}")
        if usage_decay is None:
            usage_decay = 1.0 - 1.0 / size
        if not isinstance(usage_decay, (int, float)) or not 0.0 <= usage_decay <= 1.0:
            raise ValueError(
                f"{name} usage_decay: expected a number in [0, 1], got {usage_decay!r}"
            )
        self._snapshot_only = bool(snapshot_only)
        self._normalize = bool(normalize)
        self._scale = float(scale)
        self._usage_decay = float(usage_decay)
        self._memory: torch.Tensor | None = None
        self._usage: torch.Tensor | None = None

    def _zeros(self, batch: int, dtype: torch.dtype, device: torch.device) -> None:
        self._batch_size = batch
        self._memory = torch.zeros(batch, self._size, self._dim, dtype=dtype, device=device)
        self._usage = torch.zeros(batch, self._size, dtype=dtype, device=device)

    def _dtype_device(self) -> tuple[torch.dtype, torch.device]:
        assert self._memory is not None
        return self._memory.dtype, self._memory.device

    def _check_keys(self, keys: Any, scale: Any) -> tuple[torch.Tensor, Any]:
        keys = _float_tensor(keys, f"{self._name}.read keys")
        if keys.dim() not in (2, 3) or keys.shape[-1] != self._dim:
            raise ValueError(
                f"{self._name}.read: expected keys [B, {self._dim}] or [B, k, {self._dim}], got "
                f"shape {list(keys.shape)}"
            )
        self._check_batch(keys, "read")
        if self._batch_size is not None:
            self._check_dtype(keys, "read")
        if scale is None:
            return keys, self._scale
        if isinstance(scale, (int, float)) and not isinstance(scale, bool):
            return keys, float(scale)
        scale = _float_tensor(scale, f"{self._name}.read scale")
        if scale.dim() != 0 and tuple(scale.shape) != tuple(keys.shape[:-1]):
            raise ValueError(
                f"{self._name}.read: expected scale of shape () or {list(keys.shape[:-1])}, got "
                f"{list(scale.shape)}"
            )
        return keys, scale

    def create_keynet(self, query_spec: TensorSpec, num_keys: int) -> FC:
        """A layer that makes ``num_keys`` keys and their scales from a query of rank-1 spec
        ``query_spec``: ``FC(query_size, num_keys * (dim + 1))`` (linear), for
        :meth:`genkey_and_read`."""
        shape = getattr(query_spec, "shape", None)
        if shape is None or len(shape) != 1:
            raise ValueError(
                f"{self._name}.create_keynet: expected a rank-1 query spec, got {query_spec!r}"
            )
        keys = _positive_int(num_keys, f"{self._name}.create_keynet num_keys")
        return FC(int(shape[0]), keys * (self._dim + 1))

    def genkey_and_read(
        self,
        keynet: Callable[[torch.Tensor], torch.Tensor],
        query: torch.Tensor,
        flatten_result: bool = True,
    ) -> torch.Tensor:
        """Keys and scales from ``query``, then a read: ``y = keynet(query)`` of width
        ``K (dim + 1)`` gives the ``K`` keys (its first ``K dim`` entries, key by key) and
        their scales ``softplus(y[K dim:])``; the result is ``read(keys, scales)``, ``[B, K
        dim]`` if ``flatten_result`` else ``[B, K, dim]``."""
        query = _float_tensor(query, f"{self._name}.genkey_and_read query")
        out = keynet(query)
        if out.dim() != 2 or out.shape[-1] % (self._dim + 1):
            raise ValueError(
                f"{self._name}.genkey_and_read: expected keynet outputs [B, K * (dim + 1)] with "
                f"dim = {self._dim}, got shape {list(out.shape)}"
            )
        batch, num_keys = out.shape[0], out.shape[-1] // (self._dim + 1)
        keys = out[:, : num_keys * self._dim].reshape(batch, num_keys, self._dim)
        scales = torch.nn.functional.softplus(out[:, num_keys * self._dim :])
        result = self.read(keys, scales)
        return result.reshape(batch, num_keys * self._dim) if flatten_result else result

    def read(self, keys: torch.Tensor, scale: float | torch.Tensor | None = None) -> torch.Tensor:
        """Attention read for ``keys`` ``[B, dim]`` or ``[B, k, dim]`` (class doc); the
        result has the keys' shape."""
        keys, scale = self._check_keys(keys, scale)
        self._build_like(keys)
        assert self._memory is not None and self._usage is not None
        multikey = keys.dim() == 3
        keys3 = keys if multikey else keys.unsqueeze(1)
        # the scale of each key, [B, k], where read was given one per key
        per_key = None
        if isinstance(scale, torch.Tensor) and scale.dim() > 0:
            per_key = scale if multikey else scale.unsqueeze(1)
        results, usage = [], self._usage
        for k in range(keys3.shape[1]):
            q = keys3[:, k]  # [B, D]
            sims = []
            for i in range(self._size):
                m_i = self._memory[:, i]  # [B, D]
                s_i = (q * m_i).sum(-1)
                if self._normalize:
                    s_i = s_i / ((q.norm(dim=-1) + 1e-30) * (m_i.norm(dim=-1) + 1e-30))
                sims.append(s_i)
            sim = torch.stack(sims, dim=1)  # [B, N]
            sim = sim * (scale if per_key is None else per_key[:, k : k + 1])
            a = torch.softmax(sim, dim=1)  # [B, N]
            r = torch.zeros_like(q)
            for i in range(self._size):
                r = r + a[:, i : i + 1] * self._memory[:, i]
            results.append(r)
            usage = usage + (a.detach() if self._snapshot_only else a)
        self._usage = usage
        result = torch.stack(results, dim=1)
        return result if multikey else result.squeeze(1)

    def _check_write(self, content: Any) -> torch.Tensor:
        content = _float_tensor(content, f"{self._name}.write content")
        if content.dim() != 2 or content.shape[-1] != self._dim:
            raise ValueError(
                f"{self._name}.write: expected content [B, {self._dim}], got shape "
                f"{list(content.shape)}"
            )
        self._check_batch(content, "write")
        if self._batch_size is not None:
            self._check_dtype(content, "write")
        self._build_like(content)
        return content

    def write(self, content: torch.Tensor) -> None:
        """Replace the least-used slot of each row with ``content`` ``[B, dim]`` (class doc)."""
        content = self._check_write(content)
        assert self._memory is not None and self._usage is not None
        rows_m, rows_u = [], []
        for b in range(content.shape[0]):
            least = int(torch.argmin(self._usage[b]))
            slots_m, slots_u = [], []
            for i in range(self._size):
                if i == least:
                    slots_m.append(content[b])
                    slots_u.append(torch.ones((), dtype=self._usage.dtype, device=content.device))
                else:
                    slots_m.append(self._usage_decay * self._memory[b, i])
                    slots_u.append(self._usage[b, i])
            rows_m.append(torch.stack(slots_m))
            rows_u.append(torch.stack(slots_u))
        shape_m = (0, self._size, self._dim)
        memory = torch.stack(rows_m) if rows_m else self._memory.new_zeros(shape_m)
        usage = torch.stack(rows_u) if rows_u else self._usage.new_zeros((0, self._size))
        if self._snapshot_only:
            memory, usage = memory.detach(), usage.detach()
        self._memory, self._usage = memory, usage

    @property
    def usage(self) -> torch.Tensor:
        """``[B, size]``: each slot's usage."""
        self._check_built("usage")
        assert self._usage is not None
        return self._usage

    def _refuse_snapshot(self, what: str) -> None:
        if self._snapshot_only:
            raise ValueError(
                f"{self._name}.{what}: expected a memory with snapshot_only=False (a snapshot "
                "memory keeps no states), got snapshot_only=True"
            )

    @property
    def states(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(memory [B, size, dim], usage [B, size])``."""
        self._refuse_snapshot("states")
        self._check_built("states")
        assert self._memory is not None and self._usage is not None
        return (self._memory, self._usage)

    def from_states(self, states: tuple[torch.Tensor, torch.Tensor] | None) -> None:
        """Take the memory and usage from ``states``; ``None`` unbuilds it."""
        self._refuse_snapshot("from_states")
        if states is None:
            self._batch_size = self._memory = self._usage = None
            return
        memory, usage = self._check_states(states, "from_states")
        if usage.dtype != memory.dtype:
            raise TypeError(
                f"{self._name}.from_states: expected the usage in the memory's dtype "
                f"{memory.dtype}, got {usage.dtype}"
            )
        self._memory, self._usage = memory, usage
        self._batch_size = memory.shape[0]

    def _write_then_read(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        content, keys = inputs
        self.write(content)
        return self.read(keys)

    def unroll(
        self,
        inputs: tuple[torch.Tensor, torch.Tensor],
        state: tuple[torch.Tensor, torch.Tensor],
        first_step: torch.Tensor,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """``(read results [T, B, ...], final states)`` for ``inputs = (contents [T, B,
        dim], keys [T, B, (k,) dim])``: for each step, the rows that start an episode
        emptied, then ``write(contents[t])`` and ``read(keys[t])`` (module doc)."""
        steps, batch = self.check_sequence(inputs, state, first_step)
        if steps == 0:
            return self.no_steps(self._write_then_read, inputs, state, batch), state
        outputs = []
        for t in range(steps):
            self.from_states(reset_rows(state, first_step[t]))
            content, keys = map_structure(lambda x, t=t: x[t], inputs)
            self.write(content)
            outputs.append(self.read(keys))
            state = self.states
        return stack_steps(outputs), state
