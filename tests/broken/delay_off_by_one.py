"""Delay's tensor-op unroll shifts the sequence by one step too few."""

from typing import Any

import torch

from optimized.alf import stateful
from tests.broken import candidate


class Delay(stateful.Delay):
    def unroll(self, inputs: Any, state: Any, first_step: torch.Tensor) -> Any:
        if self._delay < 2:
            return super().unroll(inputs, state, first_step)
        shorter = stateful.Delay(self.input_tensor_spec, self._delay - 1)
        rest = state[1] if self._delay == 2 else tuple(state[1:])
        return shorter.unroll(inputs, rest, first_step)[0], state


alf = candidate(Delay=Delay)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.Delay", "recurrent_steps")]
