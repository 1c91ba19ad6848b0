"""NoisyFC accepts a non-finite ``std_init``, silently taking the default instead (a
constructor that does not check its numbers)."""

import math
from typing import Any

from optimized.alf import stateful
from tests.broken import candidate


class NoisyFC(stateful.NoisyFC):
    def __init__(self, *args: Any, std_init: Any = 0.5, **kwargs: Any) -> None:
        ok = isinstance(std_init, (int, float)) and math.isfinite(std_init)
        super().__init__(*args, std_init=std_init if ok else 0.5, **kwargs)


alf = candidate(NoisyFC=NoisyFC)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.NoisyFC", "bad_input")]
