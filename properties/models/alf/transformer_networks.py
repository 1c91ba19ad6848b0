"""Laws of ALF's attention networks that only they have, with independent numpy models,
declared by their entries in ``properties/entries/alf/transformer_networks.py``.

``ego_attention`` (``SocialAttentionNetwork``): the output is, per head, the softmax of the
ego's query against every entity's key scaled by ``1 / sqrt(d)``, weighting the entities'
values; the weights of a row sum to one, so entities that are all alike give exactly their
common value, whatever the keys and the scaling.

``core_memory`` (``TransformerNetwork``): the memories in its state are FIFO memories of its
cores: a step writes the core in front and shifts the rest back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from properties.compare import tolerance
from properties.entry import EntryLaw
from properties.harness import Subject
from reference.specs import flatten, pack_sequence_as

_ACTIVATIONS = {
    "relu_": lambda v: np.maximum(v, 0.0),
    "relu": lambda v: np.maximum(v, 0.0),
    "tanh": np.tanh,
    "identity": lambda v: v,
    "elu": lambda v: np.where(v > 0, v, np.expm1(np.minimum(v, 0.0))),
    "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
}


def _entities(x: Any) -> np.ndarray:
    """``[B, N, d]``: the input's leaves concatenated along the feature dim (the entries'
    combiner), as float64 numpy."""
    return np.concatenate([t.numpy() for t in flatten(x)], axis=-1)


def _embed(cfg: dict, weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """``[B, N, d']``: the FC stack (no batch norm) on every entity."""
    act = _ACTIVATIONS[cfg.get("activation", "relu_")]
    e = x
    for i in range(len(cfg["fc_layer_params"])):
        w = weights[f"_embedding_layers.{i}._weight"]
        e = act(e @ w.T + weights[f"_embedding_layers.{i}._bias"])
    return e


def ego_attention_model(cfg: dict, weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The output ``[B, d']`` of a SocialAttentionNetwork without batch norm, written from
    upstream's code: a loop over batch rows and heads."""
    e = _embed(cfg, weights, x)
    heads = cfg.get("num_of_heads", 1)
    width = e.shape[-1]
    d = width // heads
    q = e[:, 0] @ weights["_query_proj._weight"].T
    k = e @ weights["_key_proj._weight"].T
    v = e @ weights["_value_proj._weight"].T
    out = np.zeros((x.shape[0], width))
    for b in range(x.shape[0]):
        for h in range(heads):
            cols = slice(h * d, (h + 1) * d)
            scores = k[b, :, cols] @ q[b, cols] / np.sqrt(d)
            a = np.exp(scores - scores.max())
            a /= a.sum()
            out[b, cols] = a @ v[b, :, cols]
    return out


def check_ego_attention(subject: Subject, data: Any) -> None:
    """ego_attention, for the reference and the candidate in float64 (batch norm off, so
    that the model needs no running statistics): the output equals the numpy model of
    :func:`ego_attention_model`; and with every entity a copy of the ego the output is the
    ego's value, ``e_1 Wv`` (attention rows sum to one)."""
    case = subject.draw(data)
    cfg = {**case.cfg, "use_fc_bn": False}
    rtol, atol = tolerance(torch.float64)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, cfg, torch.float64, seed=case.seed, perturbed=True)
        weights = {k: v.detach().numpy() for k, v in net.state_dict().items()}
        x = subject.inputs(case, torch.float64)
        same = [t[:, :1].expand(t.shape).clone() for t in flatten(x)]
        alike = pack_sequence_as(x, same)
        with torch.no_grad():
            out, _ = subject.kind.call(net, x, ())
            out_alike, _ = subject.kind.call(net, alike, ())
        want = ego_attention_model(cfg, weights, _entities(x))
        np.testing.assert_allclose(
            out.numpy(), want, rtol=rtol, atol=atol, err_msg=f"{impl}: ego attention"
        )
        v = _embed(cfg, weights, _entities(alike))[:, 0] @ weights["_value_proj._weight"].T
        np.testing.assert_allclose(
            out_alike.numpy(),
            v,
            rtol=rtol,
            atol=atol,
            err_msg=f"{impl}: entities all alike must give their common value",
        )


EGO_ATTENTION = EntryLaw(
    "the output is, per head, softmax(q k^T / sqrt(d)) v of the ego against every entity "
    "(independent numpy model); attention rows sum to one (alike entities give their value)",
    check_ego_attention,
)


def check_core_memory(subject: Subject, data: Any) -> None:
    """core_memory (``TransformerNetwork``), for the reference and the candidate: one step
    from a random memory state writes ``core_size`` vectors in front of each memory and moves
    the old slots back by ``core_size`` (the oldest fall off), and counts them; with one
    central memory the vectors written are the step's final core, the first ``core_size``
    embeddings of its output (numpy model: the shifted memory)."""
    case = subject.draw(data)
    cfg = case.cfg
    k = cfg["core_size"]
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, cfg, torch.float64, seed=case.seed, perturbed=True)
        x = subject.inputs(case, torch.float64)
        g = torch.Generator().manual_seed(case.seed)
        state = [
            (
                torch.randn(m.shape, generator=g, dtype=torch.float64),
                torch.randint(0, 9, n.shape, generator=g),
            )
            for m, n in subject.kind.initial_state(net, x, cfg)
        ]
        with torch.no_grad():
            out, new = subject.kind.call(net, x, state)
        for j, ((old, count), (mem, new_count)) in enumerate(zip(state, new)):
            where = f"{impl}: memory {j}"
            np.testing.assert_array_equal(mem[:, k:].numpy(), old[:, :-k].numpy(), where)
            np.testing.assert_array_equal(new_count.numpy(), count.numpy() + k, where)
            if cfg.get("centralized_memory", True):
                d = mem.shape[-1]
                core = out.reshape(out.shape[0], -1, d)[:, :k]
                np.testing.assert_allclose(
                    mem[:, :k].numpy(), core.numpy(), rtol=0, atol=0, err_msg=f"{where} core"
                )


CORE_MEMORY = EntryLaw(
    "a step writes its core in front of each FIFO memory and shifts the old slots back by "
    "core_size (with one central memory: the step's final core)",
    check_core_memory,
)
