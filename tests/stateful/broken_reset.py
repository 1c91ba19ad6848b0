"""A broken candidate: its unroll never resets the state at episode starts (the step
itself is right, so only ``recurrent_steps`` can see it)."""

from types import SimpleNamespace

import torch

from tests.stateful import fast


class Trace(fast.Trace):
    def unroll(
        self, xs: torch.Tensor, state: torch.Tensor, first: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return super().unroll(xs, state, torch.zeros_like(first))


toy = SimpleNamespace(Trace=Trace)
