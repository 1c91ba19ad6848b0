"""The ALF memory kind: an ALF network kind whose step is a memory's documented methods.

An ALF memory (``alf.networks.memory``) is not a module and is not called: the object holds
its slots, ``write(content)`` changes them, ``read(keys)`` (or, for a memory read whole,
``memory()``) reads them, and ``states`` / ``from_states(states)`` carry them in a
network's state, zeros of ``state_spec`` being the empty memory. One step of the kind is

    from_states(state); write(content); output = read(keys) or memory(); new state = states

so that everything the ALF network kind does with ``(output, new_state) = net(x, state)``
holds as it is: parity, gradients, batch invariance and devices of one step, and
``recurrent_steps`` (the memory carried across steps, emptied where ``first_step`` marks
an episode start; a memory's own ``unroll`` is twinnet's sequence API of the same step).
The smallest extension of :class:`AlfNetwork` that serves every memory: ``reads`` says
whether the inputs are ``(content, keys)`` read by content, or the content alone with the
whole memory as the output. A memory has no parameters, no parallel form and draws no
random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from properties.kinds.alf_network import AlfNetwork
from properties.kinds.base import BadInput
from properties.specs import specs_data
from reference.specs import Nest, assert_same_structure, flatten

_NOT_A_MODULE = "a memory is not a module: it has no parameters or buffers, its slots are its state"


def _rows(x: torch.Tensor) -> torch.Tensor:
    """``x`` with one row more than its batch (the first row repeated)."""
    return torch.cat([x, x[:1]]) if x.shape[0] else torch.zeros(1, *x.shape[1:], dtype=x.dtype)


@dataclass(frozen=True)
class AlfMemory(AlfNetwork):
    """An ALF memory (module doc). ``spec(cfg)``: the input spec, the content's ``(dim,)`` or
    ``(k, dim)``, or with ``reads`` the pair ``(content, keys)``."""

    title: ClassVar[str] = "ALF memory"
    supports: ClassVar[frozenset[str]] = AlfNetwork.supports - {
        "parallel",
        "state_dict",
        "init",
        "determinism",
    }
    not_applicable: ClassVar[dict[str, str]] = {
        **AlfNetwork.not_applicable,
        "parallel": "the spec gives a memory no parallel form",
        "state_dict": _NOT_A_MODULE,
        "init": _NOT_A_MODULE,
        "determinism": "a memory draws no random numbers",
    }

    stateful: bool = True
    reads: bool = False

    def needs_reason(self) -> frozenset[str]:
        return frozenset()

    def instance_reasons(self) -> dict[str, str]:
        return {}

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        net.from_states(state)
        if self.reads:
            content, keys = inputs
            net.write(content)
            return net.read(keys), net.states
        net.write(inputs)
        return net.memory(), net.states

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        want, got = specs_data(ref.state_spec), specs_data(cand.state_spec)
        assert got == want, f"state_spec {got}, the reference's is {want}"
        assert (cand.dim, cand.size) == (ref.dim, ref.size), (
            f"(dim, size) = {(cand.dim, cand.size)}, the reference's is {(ref.dim, ref.size)}"
        )
        out, state = self.call(cand, inputs, self.initial_state(cand, inputs, cfg))
        floats = [t for t in flatten(inputs) if t.is_floating_point()]
        shape = tuple(inputs[1].shape) if self.reads else (batch, ref.size, ref.dim)
        assert isinstance(out, torch.Tensor), f"output: got {type(out).__name__}"
        assert tuple(out.shape) == shape, f"output shape {list(out.shape)}, expected {list(shape)}"
        assert out.dtype == floats[0].dtype, (
            f"output dtype {out.dtype}, the input's {floats[0].dtype}"
        )
        assert_same_structure(specs_data(want), state, "new state")
        for s, v in zip(flatten(want), flatten(state)):
            assert tuple(v.shape) == (batch, *s.shape), (
                f"state shape {list(v.shape)}, expected {[batch, *s.shape]}"
            )

    def bad_inputs(self, net: Any, cfg: dict, x: Nest) -> list[BadInput]:
        """Content (and keys) with the last dim one too long, one batch row too many for
        the memory's state, an integer or the other floating dtype (the state's fixes it)."""
        leaves = {"content": x[0], "keys": x[1]} if self.reads else {"content": x}

        def replaced(name: str, t: torch.Tensor) -> Nest:
            if not self.reads:
                return t
            return (t, x[1]) if name == "content" else (x[0], t)

        out: list[BadInput] = []
        for name, t in leaves.items():
            other = torch.float64 if t.dtype == torch.float32 else torch.float32
            out += [
                (f"{name} last dim +1", replaced(name, torch.cat([t, t[..., :1]], -1)), ValueError),
                (f"{name} one row too many", replaced(name, _rows(t)), ValueError),
                (f"{name} as int32", replaced(name, t.to(torch.int32)), TypeError),
                (f"{name} as {other}", replaced(name, t.to(other)), TypeError),
            ]
        return out
