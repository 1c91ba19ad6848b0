"""The decaying trace, step by step: ``h_t = a h_{t-1} + W x_t + b``, ``y_t = tanh(h_t)``.

An ALF-style network: ``input_tensor_spec`` ``[d]``, ``state_spec`` and ``output_spec``
``[hidden]``, ``(y, h) = net(x, h)``; ``unroll(xs [T, B, d], h, first [T, B])`` resets the
state of row b to zeros before step t where ``first[t, b]``, then steps.
"""

from __future__ import annotations

import torch
from torch import nn

from reference.specs import TensorSpec, check_nest


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
        check_nest(self.input_tensor_spec, x, 1, self.linear.weight.dtype, "Trace input")
        h = self.decay * state + self.linear(x)
        return torch.tanh(h), h

    def unroll(
        self, xs: torch.Tensor, state: torch.Tensor, first: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The literal loop over the time steps, with resets."""
        outputs = []
        for t in range(xs.shape[0]):
            state = torch.where(first[t, :, None], torch.zeros_like(state), state)
            y, state = self(xs[t], state)
            outputs.append(y)
        return torch.stack(outputs), state
