"""ALF's ``TransformerBlock`` (not an inventory name, the building block of the attention
networks): reference and optimized against an independent numpy statement of upstream's
block, for every positional encoding, with and without a separate query and a mask; masked
memory slots are ignored; a fully masked row attends to nothing; bad calls raise clearly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import optimized.alf as O
import reference.alf as R


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * w + b


def block_model(
    p: dict[str, np.ndarray],
    heads: int,
    size: int,
    pe: str,
    memory: np.ndarray,
    query: np.ndarray | None,
    mask: np.ndarray | None,
) -> np.ndarray:
    """The block of upstream's ``alf.layers.TransformerBlock`` for one batch row at a time."""
    x = memory if query is None else query
    d_k = p["_q_proj"].shape[1] // heads
    n, m = memory.shape[1], x.shape[1]
    out = np.zeros_like(x)
    for b in range(x.shape[0]):
        hx = _layer_norm(x[b], p["_norm1.weight"], p["_norm1.bias"])
        hm = _layer_norm(memory[b], p["_norm1.weight"], p["_norm1.bias"])
        parts = []
        for h in range(heads):
            cols = slice(h * d_k, (h + 1) * d_k)
            q, k, v = (
                hx @ p["_q_proj"][:, cols],
                hm @ p["_k_proj"][:, cols],
                hm @ p["_v_proj"][:, cols],
            )
            s = (q + p["_qk_bias"][h]) @ k.T
            if pe == "abs":
                pos = np.broadcast_to(p["_positional_encoding"][:n], (m, n, d_k))
            elif pe == "rel":
                table = p["_positional_encoding"][size - n : 2 * size - 1 - (size - n)]
                pos = np.array([[table[n - 1 + i - j] for j in range(n)] for i in range(m)])
            if pe != "none":
                s = s + np.einsum("md,mnd->mn", q + p["_qp_bias"][h], pos)
            s = s / np.sqrt(d_k)
            keep = np.ones((m, n), bool) if mask is None else ~np.broadcast_to(mask[b], (m, n))
            a = np.where(keep, np.exp(s - np.where(keep, s, -np.inf).max(-1, keepdims=True)), 0)
            a = np.divide(
                a, a.sum(-1, keepdims=True), out=np.zeros_like(a), where=keep.any(-1, keepdims=True)
            )
            r = [a @ v]
            if pe != "none":
                r.append(np.einsum("mn,mnd->md", a, pos))
            parts.append(np.concatenate(r, -1))
        y = x[b] + np.concatenate(parts, -1) @ p["_o_proj"]
        hy = _layer_norm(y, p["_norm2.weight"], p["_norm2.bias"])
        hidden = np.maximum(hy @ p["_mlp.0._weight"].T + p["_mlp.0._bias"], 0)
        out[b] = y + hidden @ p["_mlp.1._weight"].T + p["_mlp.1._bias"]
    return out


@pytest.mark.parametrize("pe", ["abs", "rel", "none"])
@pytest.mark.parametrize("separate_query", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_block_against_model(pe: str, separate_query: bool, masked: bool) -> None:
    g = torch.Generator().manual_seed(0)
    size, heads = 7, 2
    ref = R.TransformerBlock(6, heads, size, d_ff=5, positional_encoding=pe).double()
    with torch.no_grad():
        for t in ref.parameters():
            t.copy_(torch.randn(t.shape, generator=g, dtype=t.dtype))
    opt = O.TransformerBlock(6, heads, size, d_ff=5, positional_encoding=pe).double()
    opt.load_state_dict(ref.state_dict())
    memory = torch.randn(3, 5, 6, generator=g, dtype=torch.float64)
    query = torch.randn(3, 4, 6, generator=g, dtype=torch.float64) if separate_query else None
    mask = None
    if masked:
        mask = torch.rand(3, 5, generator=g) < 0.4
        mask[0] = True  # a row that attends to nothing
        mask[1] = False
    params = {k: v.numpy() for k, v in ref.state_dict().items()}
    want = block_model(
        params,
        heads,
        size,
        pe,
        memory.numpy(),
        None if query is None else query.numpy(),
        None if mask is None else mask.numpy(),
    )
    for block in (ref, opt):
        got = block(memory, query, mask).detach().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10, err_msg=type(block).__module__)


@pytest.mark.parametrize("block_cls", [R.TransformerBlock, O.TransformerBlock])
def test_masked_slots_are_ignored(block_cls: type) -> None:
    """With a separate query, what a masked memory slot holds changes nothing."""
    g = torch.Generator().manual_seed(1)
    block = block_cls(4, 2, 6, positional_encoding="abs")
    memory = torch.randn(2, 6, 4, generator=g)
    query = torch.randn(2, 3, 4, generator=g)
    mask = torch.tensor([[False, True, False, True, True, False]] * 2)
    other = torch.where(mask.unsqueeze(-1), torch.randn(2, 6, 4, generator=g), memory)
    torch.testing.assert_close(block(memory, query, mask), block(other, query, mask))
    assert not torch.allclose(block(memory, query), block(other, query))


@pytest.mark.parametrize("block_cls", [R.TransformerBlock, O.TransformerBlock])
def test_bad_calls_raise_clearly(block_cls: type) -> None:
    block = block_cls(4, 2, 3)
    with pytest.raises(ValueError, match="memory_size"):
        block(torch.randn(2, 4, 4))
    with pytest.raises(ValueError, match=r"\[B, N, 4\]"):
        block(torch.randn(2, 3, 5))
    with pytest.raises(ValueError, match="mask"):
        block(torch.randn(2, 3, 4), mask=torch.zeros(2, 2, dtype=torch.bool))
    with pytest.raises(TypeError, match="dtype"):
        block(torch.randn(2, 3, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="positional_encoding"):
        block_cls(4, 2, 3, positional_encoding="sinusoid")


@pytest.mark.parametrize("positional", [False, True])
@pytest.mark.parametrize("read_pos", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_fused_kernel_and_gemm_attention_agree(
    positional: bool, read_pos: bool, masked: bool
) -> None:
    """The optimized block's CUDA form (one fused kernel, ``P`` folded in) and its CPU form
    (batched GEMMs) are the same function: both run here on the CPU, in float64."""
    from optimized.alf.transformer_block import attention_gemms, attention_kernel

    g = torch.Generator().manual_seed(0)
    b, heads, m, n, d_k, d_v = 3, 2, 4, 6, 5, 7
    q_u, q_w = (torch.randn(b, heads, m, d_k, generator=g, dtype=torch.float64) for _ in "uw")
    k = torch.randn(b, heads, n, d_k, generator=g, dtype=torch.float64)
    v = torch.randn(b, heads, n, d_v, generator=g, dtype=torch.float64)
    pos = torch.randn(n, d_k, generator=g, dtype=torch.float64) if positional else None
    allowed = torch.rand(b, 1, m, n, generator=g) < 0.7 if masked else None
    if allowed is not None:
        allowed[..., 0] = True  # every row attends to something (the block's own contract)
    args = (q_u, q_w if positional else None, k, v, pos, 0.3, allowed, read_pos)
    fused, gemms = attention_kernel(*args), attention_gemms(*args)
    assert (
        fused.shape == gemms.shape == (b, heads, m, d_v + (d_k if positional and read_pos else 0))
    )
    torch.testing.assert_close(fused, gemms, rtol=1e-12, atol=1e-12)
