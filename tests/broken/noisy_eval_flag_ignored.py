"""NoisyFC reads only its module's ``training`` flag and ignores ALF's global eval flag
(``common.is_eval()``), which is the spec's eval mode: with the flag set and the module in
training mode it still adds noise."""

from typing import Any

import torch

from optimized.alf import stateful
from reference.alf import common
from tests.broken import candidate


class NoisyFC(stateful.NoisyFC):
    def forward(self, input: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        mode = common.set_exe_mode(common.EXE_MODE_OTHER)
        try:
            return super().forward(input, state)
        finally:
            common.set_exe_mode(mode)


alf = candidate(NoisyFC=NoisyFC)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.NoisyFC", "eval_noiseless")]
