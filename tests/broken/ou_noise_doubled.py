"""OUProcess adds twice the spec's noise: ``x' = a x + 2 s z``. Its deterministic part is
right (the parity cells, which compare it with ``s = 0``, pass); the law of its noise fails."""

from typing import Any

from optimized.alf import stateful
from reference.specs import map_structure
from tests.broken import candidate


class OUProcess(stateful.OUProcess):
    def forward(self, state: Any) -> tuple[Any, Any]:
        new, _ = super().forward(state)
        keep = 1.0 - self._damping
        doubled = map_structure(lambda x, y: y + (y - keep * x), state, new)
        return doubled, doubled


alf = candidate(OUProcess=OUProcess)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.OUProcess", "process_noise")]
