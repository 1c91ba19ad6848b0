"""The decaying trace, step by step: ``h_t = a h_{t-1} + W x_t + b``, ``y_t = tanh(h_t)``.

An ALF-style network: ``input_tensor_spec`` ``[d]``, ``state_spec`` and ``output_spec``
``[hidden]``, ``(y, h) = net(x, h)``; ``unroll(xs [T, B, d], h, first [T, B])`` resets the
state of row b to zeros before step t where ``first[t, b]``, then steps. Both check the
state against the input once per call (contract item 8); an unroll of T = 0 steps returns
no outputs and the state it was given.
"""

from __future__ import annotations

import torch
from torch import nn

from reference.alf.unroll import check_first_step, check_time_major
from reference.specs import TensorSpec, check_nest, check_state


class Trace(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, decay: float = 0.5):
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay: expected a value in [0, 1), got {decay}")
        self.decay = decay
        self.input_tensor_spec = TensorSpec((input_size,))
        self.state_spec = TensorSpec((hidden_size,))
        self.output_spec = TensorSpec((hidden_size,))
        self.linear = nn.Linear(input_size, hidden_size)

    def forward(self, x: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        dtype = self.linear.weight.dtype
        outer = check_nest(self.input_tensor_spec, x, 1, dtype, "Trace input")
        check_state(self.state_spec, state, outer, dtype, "Trace state")
        h = self.decay * state + self.linear(x)
        return torch.tanh(h), h

    def unroll(
        self, xs: torch.Tensor, state: torch.Tensor, first: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The literal loop over the time steps, with resets."""
        if self.check_sequence(xs, state, first) == 0:
            return xs.new_zeros(0, first.shape[1], *self.output_spec.shape), state
        outputs = []
        for t in range(xs.shape[0]):
            state = torch.where(first[t, :, None], torch.zeros_like(state), state)
            y, state = self(xs[t], state)
            outputs.append(y)
        return torch.stack(outputs), state

    def check_sequence(self, xs: torch.Tensor, state: torch.Tensor, first: torch.Tensor) -> int:
        """The checks of one unroll, before any step: ``first`` bool ``[T, B]``, ``xs``
        ``[T, B, d]``, the state ``[B, hidden]`` in the weights' dtype; returns T."""
        steps, batch = check_first_step(first, "Trace.unroll")
        check_time_major(xs, steps, batch, "Trace.unroll")
        dtype = self.linear.weight.dtype
        check_nest(self.input_tensor_spec, xs, 2, dtype, "Trace.unroll input")
        check_state(self.state_spec, state, (batch,), dtype, "Trace.unroll state")
        return steps
