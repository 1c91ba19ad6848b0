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
  not depend on the state, over many steps' rows per call (large GEMMs instead of T small
  ones), in chunks of steps whose widest activation stays under ``_CHUNK_BYTES`` (one call
  over all ``T * B`` rows paid for fresh pages from the OS); only the memory blocks'
  attention steps through time.
"""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F

from optimized.alf.memory import FIFOMemory
from optimized.alf.transformer_block import TransformerBlock
from optimized.twin import Twin
from reference.alf import transformer_networks as ref
from reference.alf.layers import FC
from reference.alf.unroll import check_sequence, no_steps, reset_rows, stack_steps
from reference.specs import Nest, TensorSpec, flatten, map_structure

__all__ = ["SocialAttentionNetwork", "TransformerNetwork"]


class SocialAttentionNetwork(Twin, ref.SocialAttentionNetwork):
    """Fused FC embeddings, a GEMM each for keys and values read as ``[B, heads, N, d]``
    views, one fused attention kernel. (One GEMM for both, split by a permute, made the
    backward stack and permute-copy their gradients: x1.56 of the reference against
    x1.70 for two GEMMs, N=16, B=256, fwd+bwd.)"""

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:  # type: ignore[override]
        x, _ = ref.PreprocessorNetwork.forward(self, inputs, state)
        e = self.embed(x)
        b, n, width = e.shape
        heads, d = self._num_of_heads, self._fea_dim_per_head
        flat = e.reshape(b * n, width)
        keys = (flat @ self._key_proj.weight.T).view(b, n, heads, d).transpose(1, 2)
        values = (flat @ self._value_proj.weight.T).view(b, n, heads, d).transpose(1, 2)
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

    def _step_bytes(self, batch: int, x: torch.Tensor) -> int:
        """Bytes of the widest activation of one step's rows (the MLP's hidden layer)."""
        spec = cast(TensorSpec, self._processed_input_tensor_spec)
        rows = spec.shape[0] + (0 if self._core_embedding is None else self._core_size)
        widths = [cast(FC, block._mlp[0]).output_size for block in self._blocks()]
        width = max([self._d_model, *widths])
        return batch * rows * width * x.element_size()

    def _project_memories(self, state: Nest) -> list[torch.Tensor]:
        """Each memory block's ``[k | v]`` of the slots it reads, from ``state``."""
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
        kv: list[torch.Tensor],
        first: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, list, list[torch.Tensor]]:
        """One step of the memory blocks over ``x`` with the slots' projections ``kv``
        (``[k | v]`` per block); returns the output rows, the new state and the new slots'
        projections. A write puts the core in front of the slots (FIFO) and its projection
        in front of ``kv``. ``first``: the first block's ``([k | v], q)`` of ``x``, where
        already projected."""
        k_core = self._core_size
        blocks = self._blocks()[self._num_prememory_layers :]
        written = []
        for j, block in enumerate(blocks):
            kv_x, q = first if j == 0 and first is not None else (block.key_values(x), None)
            written.append((x[:, :k_core], kv_x[:, :k_core]))
            rows = self._queries(x, j == len(blocks) - 1)
            x = block.attend(rows, torch.cat([kv[j], kv_x], dim=1), q)
        if self._centralized_memory:
            core = x[:, :k_core]
            written = [(core, block.key_values(core)) for block in blocks]
        new_kv = [_push(kv_w, kv_m) for (_, kv_w), kv_m in zip(written, kv)]
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
        blocks = self._blocks()[self._num_prememory_layers :]
        # the state-free part (embedding, prememory blocks, the first memory block's
        # projections) over a few steps' rows at a time: large GEMMs, yet no tensor of all
        # T * B rows (see _CHUNK_BYTES)
        per_chunk = max(1, _CHUNK_BYTES // max(1, self._step_bytes(batch, flatten(inputs)[0])))
        xs: list[torch.Tensor] = []
        first_proj: list[tuple[torch.Tensor, torch.Tensor]] = []
        for start in range(0, steps, per_chunk):
            n = min(per_chunk, steps - start)
            chunk = map_structure(
                lambda v, s=start, n=n: v[s : s + n].reshape(n * batch, *v.shape[2:]), inputs
            )
            x = self._prememory(chunk)
            xs.extend(x.unflatten(0, (n, batch)).unbind(0))
            if blocks:
                kv_x = blocks[0].key_values(x)
                q_x = blocks[0].queries(self._queries(x, len(blocks) == 1))
                # unbind: one backward node per chunk, not a full-size gradient per step
                first_proj.extend(zip(*(p.unflatten(0, (n, batch)).unbind(0) for p in (kv_x, q_x))))
        if not self._memories:
            return stack_steps([self.output(x) for x in xs]), state
        zero = xs[0].new_zeros(1, 1, xs[0].shape[-1])
        blank = [block.key_values(zero) for block in blocks]  # a reset slot's projection
        # rows that start an episode at step 0 are reset before anything reads them: a slot
        # projected before its reset would send 0 * NaN into the gradients
        state = reset_rows(list(state), first_step[0])
        kv = self._project_memories(state)
        outputs = []
        for t, (x_t, step_proj) in enumerate(zip(xs, first_proj)):
            first = first_step[t]
            state = reset_rows(state, first)
            keep = first.reshape(-1, 1, 1)
            kv = [torch.where(keep, kv0, kv_j) for kv0, kv_j in zip(blank, kv)]
            x_t, state, kv = self._step(x_t, state, kv, step_proj)
            outputs.append(self.output(x_t))
        return stack_steps(outputs), state


#: The widest activation of one call over a chunk of ``unroll``'s steps stays under this
#: size. glibc serves allocations above 32 MB (its largest mmap threshold) with fresh pages
#: from the OS on every call, each page a fault on first touch: one call over all T * B rows
#: (T = 64, B = 64, 17 rows of d_ff 256: 71 MB) faulted ~150k pages per unroll against the
#: reference's ~1.6k, ~1 us each on the 2-core VM we measure on.
_CHUNK_BYTES = 16 << 20


def _push(rows: torch.Tensor, slots: torch.Tensor) -> torch.Tensor:
    """FIFO write: ``rows`` in front, the oldest ``len(rows)`` slots dropped."""
    return torch.cat([rows, slots[:, : slots.shape[1] - rows.shape[1]]], dim=1)
