"""Twins of the attention networks (``optimized.twin``).

* ``SocialAttentionNetwork``: the key and value projections of every entity as one GEMM,
  and all heads' ego-attention as one ``scaled_dot_product_attention`` call instead of a
  softmax per head.
* ``TransformerNetwork``: its blocks are the fused ``TransformerBlock`` twins (all heads at
  once). Three savings of work the reference repeats: (1) when only the core is returned, the
  last block computes the core's query rows only (a query row's output depends on no other
  query row); (2) a memory slot is projected to its keys and values once, when it is
  written, and the projections move through the FIFO beside the slots, instead of every
  memory block projecting all ``memory_size`` slots at every step; (3) ``unroll`` runs the
  input embedding, the prememory blocks and the first memory block's projections, which do
  not depend on the state, once over all ``T * B`` rows (large GEMMs instead of T small
  ones); only the memory blocks' attention steps through time.
"""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F

from optimized.alf.memory import FIFOMemory
from optimized.alf.transformer_block import TransformerBlock
from optimized.twin import Twin
from reference.alf import transformer_networks as ref
from reference.alf.unroll import check_sequence, no_steps, reset_rows, stack_steps
from reference.specs import Nest, map_structure

__all__ = ["SocialAttentionNetwork", "TransformerNetwork"]


class SocialAttentionNetwork(Twin, ref.SocialAttentionNetwork):
    """Fused FC embeddings, one GEMM for keys and values, one fused attention kernel."""

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:  # type: ignore[override]
        x, _ = ref.PreprocessorNetwork.forward(self, inputs, state)
        e = self.embed(x)
        b, n, width = e.shape
        heads, d = self._num_of_heads, self._fea_dim_per_head
        w_kv = torch.cat([self._key_proj.weight, self._value_proj.weight], dim=0)
        kv = (e.reshape(b * n, width) @ w_kv.T).reshape(b, n, 2, heads, d)
        keys, values = kv.permute(2, 0, 3, 1, 4).unbind(0)
        query = (e[:, 0] @ self._query_proj.weight.T).reshape(b, heads, 1, d)
        out = F.scaled_dot_product_attention(query, keys, values)
        return out.reshape(b, width), state


class TransformerNetwork(Twin, ref.TransformerNetwork):
    """Fused blocks; the memory rows projected once per write; core-only last queries."""

    def fuse(self) -> None:
        # plain objects outside the module tree, holding no weights: their twins stand in
        self._memories = [FIFOMemory(m.dim, m.size) for m in self._memories]

    def _blocks(self) -> list[TransformerBlock]:
        return [cast(TransformerBlock, block) for block in self._transformers]

    def _queries(self, x: torch.Tensor, last: bool) -> torch.Tensor:
        """The rows a block must compute: only the core in the last block when only the core
        is returned (a query row's output depends on no other query row)."""
        return x[:, : self._core_size] if last and self._return_core_only else x

    def _prememory(self, inputs: Nest) -> torch.Tensor:
        z, _ = ref.PreprocessorNetwork.forward(self, inputs)
        if self._core_embedding is not None:
            z = torch.cat([self._core_embedding.expand(z.shape[0], -1, -1), z], dim=1)
        blocks = self._blocks()[: self._num_prememory_layers]
        for i, block in enumerate(blocks):
            last = i == len(blocks) - 1 and not self._memories
            z = block(z, self._queries(z, True)) if last else block(z)
        return z

    def _project_memories(self, state: Nest) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Each memory block's ``(k, v)`` of the slots it reads, from ``state``."""
        blocks = self._blocks()[self._num_prememory_layers :]
        slots = [memory for memory, _ in state]
        return [
            block.key_values(slots[0 if self._centralized_memory else j])
            for j, block in enumerate(blocks)
        ]

    def _step(
        self,
        x: torch.Tensor,
        state: list,
        kv: list[tuple[torch.Tensor, torch.Tensor]],
        first: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, list, list[tuple[torch.Tensor, torch.Tensor]]]:
        """One step of the memory blocks over ``x`` with the slots' projections ``kv``;
        returns the output rows, the new state and the new slots' projections. A write
        puts the core in front of the slots (FIFO) and its projection in front of ``kv``.
        ``first``: the first block's ``(k, v, q)`` of ``x``, where already projected."""
        k_core = self._core_size
        blocks = self._blocks()[self._num_prememory_layers :]
        written = []
        for j, block in enumerate(blocks):
            k_x, v_x, q = first if j == 0 and first is not None else (*block.key_values(x), None)
            k_m, v_m = kv[j]
            written.append((x[:, :k_core], k_x[:, :k_core], v_x[:, :k_core]))
            rows = self._queries(x, j == len(blocks) - 1)
            x = block.attend(rows, torch.cat([k_m, k_x], dim=1), torch.cat([v_m, v_x], dim=1), q)
        if self._centralized_memory:
            core = x[:, :k_core]
            written = [(core, *block.key_values(core)) for block in blocks]
        new_kv = [
            (_push(k_w, k_m), _push(v_w, v_m)) for (_, k_w, v_w), (k_m, v_m) in zip(written, kv)
        ]
        new_state = [
            (_push(w[0], memory), size + k_core) for w, (memory, size) in zip(written, state)
        ]
        return x, new_state, new_kv

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:  # type: ignore[override]
        x = self._prememory(inputs)
        self.check_state(state, (x.shape[0],))
        new_state: list = []
        if self._memories:
            x, new_state, _ = self._step(x, list(state), self._project_memories(state))
        return self.output(x), new_state

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        steps, batch = check_sequence(self, inputs, state, first_step)
        if steps == 0:
            return no_steps(self, inputs, state, batch), state
        flat = map_structure(lambda v: v.reshape(steps * batch, *v.shape[2:]), inputs)
        x = self._prememory(flat)
        x = x.reshape(steps, batch, *x.shape[1:])
        if not self._memories:
            y = self.output(x.reshape(steps * batch, *x.shape[2:]))
            return y.reshape(steps, batch, *y.shape[1:]), state
        blocks = self._blocks()[self._num_prememory_layers :]
        zero = x.new_zeros(1, 1, x.shape[-1])
        blank = [block.key_values(zero) for block in blocks]  # a reset slot's projection
        # rows that start an episode at step 0 are reset before anything reads them: a slot
        # projected before its reset would send 0 * NaN into the gradients
        state = reset_rows(list(state), first_step[0])
        kv = self._project_memories(state)
        # the first memory block's projections of every step's rows: one GEMM each
        k_x, v_x = blocks[0].key_values(x.flatten(0, 1))
        q_x = blocks[0].queries(self._queries(x.flatten(0, 1), len(blocks) == 1))
        # unbind, not x[t]: one backward node for all steps, not a full-size gradient per step
        first_proj = zip(*(p.unflatten(0, (steps, batch)).unbind(0) for p in (k_x, v_x, q_x)))
        outputs = []
        for t, (x_t, step_proj) in enumerate(zip(x.unbind(0), first_proj)):
            first = first_step[t]
            state = reset_rows(state, first)
            keep = first.reshape(-1, 1, 1)
            kv = [
                (torch.where(keep, k0, k), torch.where(keep, v0, v))
                for (k0, v0), (k, v) in zip(blank, kv)
            ]
            x_t, state, kv = self._step(x_t, state, kv, step_proj)
            outputs.append(self.output(x_t))
        return stack_steps(outputs), state


def _push(rows: torch.Tensor, slots: torch.Tensor) -> torch.Tensor:
    """FIFO write: ``rows`` in front, the oldest ``len(rows)`` slots dropped."""
    return torch.cat([rows, slots[:, : slots.shape[1] - rows.shape[1]]], dim=1)
