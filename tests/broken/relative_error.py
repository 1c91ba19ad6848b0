"""Outputs carry a 1e-3 relative error (e.g. a lossy fused kernel)."""

from optimized.alf import encoding
from tests.broken import candidate


class EncodingNetwork(encoding.EncodingNetwork):
    def forward(self, inputs, state=()):
        out, state = super().forward(inputs, state)
        return out * (1 + 1e-3), state


alf = candidate(EncodingNetwork=EncodingNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.EncodingNetwork", "parity"),
]
