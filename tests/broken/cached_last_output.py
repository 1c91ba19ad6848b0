"""EncodingNetwork keeps its last output on itself, autograd graph and all: a
``copy.deepcopy`` right after a call with gradients raises (torch copies graph leaves
only)."""

from typing import Any

from optimized.alf import encoding
from tests.broken import candidate


class EncodingNetwork(encoding.EncodingNetwork):
    def forward(self, inputs: Any, state: Any = ()) -> Any:
        output, state = super().forward(inputs, state)
        self._last_output = output
        return output, state


alf = candidate(EncodingNetwork=EncodingNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.EncodingNetwork", "deepcopy")]
