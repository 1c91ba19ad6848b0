"""Independent models of ALF's memories (``alf.networks.memory``) and the laws the entries of
``properties/entries/alf/memory.py`` declare with them:

* ``fifo_order``: a FIFO memory against a Python list of slots, newest first;
* ``least_used``: a MemoryWithUsage against a numpy model of its writes (least-used slot
  replaced, the others decayed) and reads (softmax attention by content, usage grown by the
  attention);
* ``read_weights``: a read's attention rows are weights that sum to one: the usage grows by
  one per key, by non-negative amounts, and a single key's result is the memory weighted by
  that growth;
* ``snapshot_only``: a snapshot memory passes no gradient to its writer and reads the same
  values as a memory that keeps its history;
* ``memory_base``: the abstract base cannot be built, and its documented accessors hold on
  the memories derived from it.

Every law runs on the reference and on the candidate, in float64, from plain data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from properties.entry import EntryLaw
from properties.harness import Subject
from properties.specs import specs_data


def _tensor(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x))


# -- fifo_order ----------------------------------------------------------------------------
def check_fifo_order(subject: Subject, data: Any) -> None:
    """After ``n`` writes of ``k`` vectors each (``k = 1`` for ``[B, dim]`` writes), slot ``j``
    holds vector ``j mod k`` of the write ``floor(j / k)`` writes ago, slots never written are
    zero, and ``mask()`` marks the ``k n`` written slots (upstream's count keeps growing past
    ``size``)."""
    case = subject.draw(data)
    cfg, batch = case.cfg, case.batch
    size, dim, k = cfg["size"], cfg["dim"], cfg["k"]
    writes = data.draw(st.integers(1, 2 * size + 1), label="writes")
    rng = np.random.default_rng(case.seed)
    contents = rng.standard_normal((writes, batch, max(k, 1), dim))
    model: list[np.ndarray] = []  # slots, newest first: [B, dim] each
    for c in contents:
        model = [c[:, i] for i in range(c.shape[1])] + model
    kept = model[:size] + [np.zeros((batch, dim))] * max(0, size - len(model))
    expected = np.stack(kept, axis=1)
    written = writes * max(k, 1)
    for impl in (subject.reference, subject.candidate):
        mem = subject.build(impl, cfg, seed=case.seed)
        for c in contents:
            mem.write(_tensor(c) if k else _tensor(c[:, 0]))
        got = mem.memory().detach().numpy()
        assert np.array_equal(got, expected), (
            f"{impl}: after {writes} writes of {max(k, 1)} the slots are {got.tolist()}, "
            f"the FIFO order gives {expected.tolist()}"
        )
        mask = mem.mask().numpy()
        want = np.broadcast_to(np.arange(size) < written, (batch, size))
        assert np.array_equal(mask, want), f"{impl}: mask {mask.tolist()}, expected {want.tolist()}"


FIFO_ORDER = EntryLaw(
    "slot j holds what was written floor(j / k) writes ago (the oldest give way), mask() "
    "marks the written slots: against a list of slots",
    check_fifo_order,
)


# -- MemoryWithUsage -----------------------------------------------------------------------
def _scale(cfg: dict) -> float:
    if cfg["scale"] is not None:
        return float(cfg["scale"])
    return 5.0 if cfg["normalize"] else 1.0 / np.sqrt(cfg["dim"])


def model_write(cfg: dict, m: np.ndarray, u: np.ndarray, c: np.ndarray) -> tuple:
    """One write on ``m [B, N, D]``, ``u [B, N]`` (numpy): the least-used slot takes ``c``."""
    decay = 1.0 - 1.0 / cfg["size"] if cfg["usage_decay"] is None else cfg["usage_decay"]
    m, u = decay * m, u.copy()
    for b in range(m.shape[0]):
        least = int(np.argmin(u[b]))
        m[b, least], u[b, least] = c[b], 1.0
    return m, u


def model_read(cfg: dict, m: np.ndarray, u: np.ndarray, q: np.ndarray) -> tuple:
    """One read of keys ``q [B, K, D]``: ``(results [B, K, D], new usage)``."""
    sim = np.einsum("bkd,bnd->bkn", q, m)
    if cfg["normalize"]:
        qn = np.linalg.norm(q, axis=-1)[:, :, None] + 1e-30
        mn = np.linalg.norm(m, axis=-1)[:, None, :] + 1e-30
        sim = sim / (qn * mn)
    z = _scale(cfg) * sim
    a = np.exp(z - z.max(-1, keepdims=True))
    a = a / a.sum(-1, keepdims=True)
    return np.einsum("bkn,bnd->bkd", a, m), u + a.sum(1)


def _random_state(cfg: dict, batch: int, rng: np.random.Generator) -> tuple:
    m = rng.standard_normal((batch, cfg["size"], cfg["dim"]))
    return m, rng.permutation(cfg["size"] * batch).reshape(batch, cfg["size"]) / 4.0


def check_least_used(subject: Subject, data: Any) -> None:
    """``n`` steps of ``write(c)`` then ``read(keys)`` from a random state equal the numpy
    model: results, memory and usage (float64)."""
    case = subject.draw(data)
    cfg, batch = case.cfg, case.batch
    steps = data.draw(st.integers(1, 2 * cfg["size"] + 1), label="steps")
    rng = np.random.default_rng(case.seed)
    m0, u0 = _random_state(cfg, batch, rng)
    keys = max(cfg["keys"], 1)
    contents = rng.standard_normal((steps, batch, cfg["dim"]))
    queries = rng.standard_normal((steps, batch, keys, cfg["dim"]))
    m, u, results = m0, u0, []
    for c, q in zip(contents, queries):
        m, u = model_write(cfg, m, u, c)
        r, u = model_read(cfg, m, u, q)
        results.append(r)
    for impl in (subject.reference, subject.candidate):
        mem = subject.build(impl, cfg, seed=case.seed)
        mem.from_states((_tensor(m0), _tensor(u0)))
        got = []
        for c, q in zip(contents, queries):
            mem.write(_tensor(c))
            got.append(mem.read(_tensor(q) if cfg["keys"] else _tensor(q[:, 0])))
        for name, x, want in (
            ("read results", torch.stack(got).reshape(steps, batch, keys, -1), np.stack(results)),
            ("memory", mem.states[0], m),
            ("usage", mem.states[1], u),
        ):
            x = x.detach().numpy()
            assert np.allclose(x, want, rtol=1e-9, atol=1e-10), (
                f"{impl}: {name} after {steps} write+read steps: {x.ravel()[:6]}, the model "
                f"gives {want.ravel()[:6]} ({cfg})"
            )


LEAST_USED = EntryLaw(
    "a write replaces each row's least-used slot (first of equals) and decays the others; "
    "a read attends by content and grows the usage: against a numpy model",
    check_least_used,
)


def check_read_weights(subject: Subject, data: Any) -> None:
    """One read of ``K`` keys from a random state grows every row's usage by non-negative
    amounts summing to ``K`` (each key's attention row sums to one), and a single key's
    result is the memory weighted by that growth."""
    case = subject.draw(data)
    cfg, batch = case.cfg, case.batch
    rng = np.random.default_rng(case.seed)
    m0, u0 = _random_state(cfg, batch, rng)
    keys = cfg["keys"]
    q = rng.standard_normal((batch, keys, cfg["dim"]) if keys else (batch, cfg["dim"]))
    for impl in (subject.reference, subject.candidate):
        mem = subject.build(impl, cfg, seed=case.seed)
        mem.from_states((_tensor(m0), _tensor(u0)))
        r = mem.read(_tensor(q)).detach().numpy()
        grown = mem.states[1].detach().numpy() - u0
        assert (grown >= -1e-12).all(), f"{impl}: a read lowered the usage by {grown.min()}"
        total = grown.sum(-1)
        assert np.allclose(total, max(keys, 1), rtol=1e-9), (
            f"{impl}: a read of {max(keys, 1)} keys grew the usage by {total} in all"
        )
        if not keys:
            want = np.einsum("bn,bnd->bd", grown, m0)
            assert np.allclose(r, want, rtol=1e-9, atol=1e-10), (
                f"{impl}: the read result {r.ravel()[:6]} is not the memory weighted by the "
                f"attention {want.ravel()[:6]}"
            )


READ_WEIGHTS = EntryLaw(
    "a read's attention rows are non-negative and sum to one: the usage grows by one per "
    "key, and a key's result is the memory weighted by that growth",
    check_read_weights,
)


def snapshot_only(build: Callable[..., Any]) -> EntryLaw:
    """The law ``snapshot_only`` of a memory built by ``build(impl, cfg, snapshot_only)``."""

    def check(subject: Subject, data: Any) -> None:
        """Writes then a read: a ``snapshot_only`` memory gives the values of one that keeps
        its history, and no gradient reaches the written content (nor through the usage);
        the one that keeps its history passes one."""
        case = subject.draw(data)
        cfg, batch = case.cfg, case.batch
        writes = data.draw(st.integers(1, cfg["size"] + 1), label="writes")
        rng = np.random.default_rng(case.seed)
        contents = _tensor(rng.standard_normal((writes, batch, cfg["dim"])))
        q = _tensor(rng.standard_normal((batch, max(cfg["keys"], 1), cfg["dim"])))
        for impl in (subject.reference, subject.candidate):
            seen = {}
            for snap in (False, True):
                mem = build(impl, cfg, snapshot_only=snap)
                c = contents.clone().requires_grad_(True)
                for t in range(writes):
                    mem.write(c[t])
                r = mem.read(q)
                first = mem.read(q).sum() + r.sum()  # the second read sees the first's usage
                grad = (
                    torch.autograd.grad(first, c, allow_unused=True)[0]
                    if first.requires_grad
                    else None
                )
                seen[snap] = (first.detach(), grad)
            (kept, g_kept), (snapped, g_snap) = seen[False], seen[True]
            assert torch.allclose(kept, snapped, rtol=1e-9, atol=1e-10), (
                f"{impl}: snapshot_only changes the read values: {snapped} vs {kept}"
            )
            assert g_snap is None or not bool(g_snap.any()), (
                f"{impl}: a snapshot_only memory passed a gradient to its writer: "
                f"{g_snap.flatten()[:6]}"
            )
            assert g_kept is not None and bool(g_kept.any()), (
                f"{impl}: the memory that keeps its history passed no gradient to its writer"
            )

    return EntryLaw(
        "a snapshot_only memory reads the same values but passes no gradient to its writer",
        check,
    )


# -- memory_base ---------------------------------------------------------------------------
def check_memory_base(subject: Subject, data: Any) -> None:
    """``Memory`` is abstract (building it raises ``TypeError``); ``FIFOMemory`` and
    ``MemoryWithUsage`` derive from it and report the ``dim``, ``size`` and ``state_spec``
    their constructor arguments give."""
    case = subject.draw(data)
    dim, size = case.cfg["dim"], case.cfg["size"]
    for impl in (subject.reference, subject.candidate):
        base = impl.alf.Memory
        try:
            base(dim, size, ())
        except TypeError:
            pass
        else:
            raise AssertionError(f"{impl}: Memory(dim, size, state_spec) built an abstract base")
        specs = {
            "FIFOMemory": [((size, dim), torch.float32), ((), torch.int64)],
            "MemoryWithUsage": [((size, dim), torch.float32), ((size,), torch.float32)],
        }
        for name, want in specs.items():
            mem = getattr(impl.alf, name)(dim, size)
            assert isinstance(mem, base), f"{impl}: {name} is not a Memory"
            assert (mem.dim, mem.size) == (dim, size), (
                f"{impl}: {name}({dim}, {size}) reports dim, size {(mem.dim, mem.size)}"
            )
            got = [(tuple(s.shape), s.dtype) for s in specs_data(mem.state_spec)]
            assert got == want, f"{impl}: {name} state_spec {got}, expected {want}"


MEMORY_BASE = EntryLaw(
    "Memory is abstract; the memories derived from it report dim, size and state_spec",
    check_memory_base,
)
