"""The optimized ``TransformerNetwork.unroll`` runs its state-free part (embedding, prememory
blocks, the first memory block's projections) over chunks of steps (``_CHUNK_BYTES``): in
one chunk, in chunks of one step and in uneven chunks it gives the reference's outputs,
final state and parameter gradients, across episode resets."""

from __future__ import annotations

import pytest
import torch

import optimized.alf as O
import reference.alf as R
from optimized.alf import transformer_networks
from properties.kinds.alf_network import zeros_of_spec
from reference.specs import TensorSpec

STEPS, BATCH, ROWS, D_MODEL = 7, 3, 4, 8


def _unroll(net: torch.nn.Module, seed: int) -> tuple[torch.Tensor, list, list]:
    g = torch.Generator().manual_seed(seed)
    xs = torch.randn(STEPS, BATCH, ROWS, D_MODEL, generator=g, dtype=torch.float64)
    first = torch.rand(STEPS, BATCH, generator=g) < 0.3
    first[3, 1] = True  # a reset inside the sequence, whatever the draw
    state = zeros_of_spec(net.state_spec, (BATCH,), xs)
    state = [(m.normal_(generator=g), size) for m, size in state]  # memories that a reset clears
    out, final = net.unroll(xs, state, first)
    grads = torch.autograd.grad(out.square().sum(), list(net.parameters()))
    return out, final, list(grads)


@pytest.mark.parametrize("return_core_only", [False, True])
@pytest.mark.parametrize("centralized_memory", [True, False])
@pytest.mark.parametrize("steps_per_chunk", [1, 3, STEPS])
def test_chunked_unroll_matches_reference(
    steps_per_chunk: int,
    centralized_memory: bool,
    return_core_only: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = {
        "input_tensor_spec": TensorSpec((ROWS, D_MODEL)),
        "num_prememory_layers": 1,
        "num_attention_heads": 2,
        "memory_size": 5,
        "num_memory_layers": 2,
        "centralized_memory": centralized_memory,
        "return_core_only": return_core_only,
    }
    torch.manual_seed(0)
    ref = R.TransformerNetwork(**cfg).double()
    opt = O.TransformerNetwork(**cfg).double()
    opt.load_state_dict(ref.state_dict())
    step_bytes = opt._step_bytes(BATCH, torch.zeros((), dtype=torch.float64))
    monkeypatch.setattr(transformer_networks, "_CHUNK_BYTES", steps_per_chunk * step_bytes)
    want_out, want_state, want_grads = _unroll(ref, seed=1)
    out, state, grads = _unroll(opt, seed=1)
    torch.testing.assert_close(out, want_out)
    for (m, size), (want_m, want_size) in zip(state, want_state):
        torch.testing.assert_close(m, want_m)
        torch.testing.assert_close(size, want_size)
    for grad, want in zip(grads, want_grads):
        torch.testing.assert_close(grad, want)
