"""Twins of ALF's memories (``optimized.twin``): whole-tensor writes and reads.

* ``FIFOMemory.write``: one ``cat`` of the content and the kept slots instead of a stack of
  ``size`` slot copies. ``unroll``: the memory after every step is one gather from the tape
  ``[zero; initial slots reversed; every written vector]`` (slot ``j`` after step ``t`` is
  tape entry ``1 + size + (t + 1) k - 1 - j``; one ``index_select`` writes the ``[T, B,
  size, dim]`` result in place), a slot older than its row's last episode start indexing
  the zero entry (``cummax`` of the reset steps), instead of T writes.
* ``MemoryWithUsage.read``: the similarities and the weighted sum as two ``bmm`` over all
  keys and slots (the reference: a loop over keys and slots); ``write``: the least-used
  slots of all rows by one ``argmin`` and one ``where``, instead of a loop over rows and
  slots. Same values up to summation order. ``create_keynet``: the reference's layer,
  converted to its fused twin.
"""

from __future__ import annotations

import torch

import optimized.alf.layers  # noqa: F401  (registers the FC twin that create_keynet converts to)
from optimized.twin import Twin, convert
from reference.alf import memory as ref
from reference.alf.layers import FC
from reference.specs import TensorSpec

__all__ = ["FIFOMemory", "MemoryWithUsage"]


class FIFOMemory(Twin, ref.FIFOMemory):
    def write(self, content: torch.Tensor) -> None:
        """One ``cat`` of the new content and the first ``size - k`` old slots."""
        content = self._check_content(content)
        self._build_like(content)
        assert self._memory is not None and self._current_size is not None
        k = content.shape[1]
        self._memory = torch.cat([content, self._memory[:, : self._size - k]], dim=1)
        self._current_size = self._current_size + k

    def unroll(
        self,
        inputs: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor],
        first_step: torch.Tensor,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Every step's memory as one gather from the tape of written vectors (module doc)."""
        steps, batch = self.check_sequence(inputs, state, first_step)
        if steps == 0:
            return self.no_steps(self._write_then_memory, inputs, state, batch), state
        self.from_states(state)
        memory0, count0 = state
        k, n = self._check_content(inputs[0]).shape[1], self._size
        content = inputs.reshape(steps, batch, k, self._dim)
        # tape [B, 1 + n + T k, dim]: a zero row, then the slots oldest first (a step's k
        # vectors reversed, content 0 last)
        written = content.flip(2).permute(1, 0, 2, 3).reshape(batch, steps * k, self._dim)
        zero = written.new_zeros(batch, 1, self._dim)
        tape = torch.cat([zero, memory0.flip(1).to(content.dtype), written], dim=1)
        t = torch.arange(steps, device=inputs.device)
        j = torch.arange(n, device=inputs.device)
        index = 1 + n + (t.unsqueeze(1) + 1) * k - 1 - j  # [T, n]
        # the step each row's episode started at, -1 before its first reset
        started = torch.where(first_step, t.unsqueeze(1), -1).cummax(dim=0).values  # [T, B]
        start = torch.where(started >= 0, 1 + n + started * k, 1)  # first valid tape entry
        index = index.unsqueeze(1).expand(steps, batch, n)
        index = torch.where(index >= start.unsqueeze(-1), index, 0)  # older: the zero row
        rows = torch.arange(batch, device=inputs.device).reshape(1, batch, 1) * tape.shape[1]
        flat = tape.reshape(-1, self._dim).index_select(0, (rows + index).reshape(-1))
        memories = flat.reshape(steps, batch, n, self._dim)
        counts = torch.where(
            started >= 0, (t.unsqueeze(1) - started + 1) * k, count0 + (t.unsqueeze(1) + 1) * k
        )
        final = (memories[-1], counts[-1])
        self.from_states(final)
        return memories, final


class MemoryWithUsage(Twin, ref.MemoryWithUsage):
    def create_keynet(self, query_spec: TensorSpec, num_keys: int) -> FC:
        """The reference's keynet, converted to its fused twin."""
        return convert(super().create_keynet(query_spec, num_keys))

    def read(self, keys: torch.Tensor, scale: float | torch.Tensor | None = None) -> torch.Tensor:
        """Similarities and results as two ``bmm`` over all keys and slots."""
        keys, scale = self._check_keys(keys, scale)
        self._build_like(keys)
        assert self._memory is not None and self._usage is not None
        multikey = keys.dim() == 3
        q = keys if multikey else keys.unsqueeze(1)  # [B, K, D]
        memory = self._memory
        sim = torch.bmm(q, memory.transpose(1, 2))  # [B, K, N]
        if self._normalize:
            qn = q.norm(dim=-1).add(1e-30).unsqueeze(-1)
            mn = memory.norm(dim=-1).add(1e-30).unsqueeze(1)
            sim = sim / (qn * mn)
        if isinstance(scale, torch.Tensor) and scale.dim() > 0:
            scale = (scale if multikey else scale.unsqueeze(1)).unsqueeze(-1)
        attention = torch.softmax(sim * scale, dim=2)
        result = torch.bmm(attention, memory)
        used = attention.sum(1)
        self._usage = self._usage + (used.detach() if self._snapshot_only else used)
        return result if multikey else result.squeeze(1)

    def write(self, content: torch.Tensor) -> None:
        """All rows' least-used slots by one ``argmin``, the update by one ``where``."""
        content = self._check_write(content)
        assert self._memory is not None and self._usage is not None
        least = torch.argmin(self._usage, dim=1, keepdim=True)  # [B, 1]
        slots = torch.arange(self._size, device=content.device)
        at = slots == least  # [B, N]
        memory = torch.where(
            at.unsqueeze(-1), content.unsqueeze(1), self._usage_decay * self._memory
        )
        usage = torch.where(at, torch.ones((), dtype=self._usage.dtype), self._usage)
        if self._snapshot_only:
            memory, usage = memory.detach(), usage.detach()
        self._memory, self._usage = memory, usage
