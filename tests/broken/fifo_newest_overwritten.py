"""FIFOMemory's write overwrites the newest slots in place instead of shifting the memory
back: what was written k steps ago is lost, the oldest content stays."""

import torch

from optimized.alf import memory
from tests.broken import candidate


class FIFOMemory(memory.FIFOMemory):
    def write(self, content: torch.Tensor) -> None:
        content = self._check_content(content)
        self._build_like(content)
        assert self._memory is not None and self._current_size is not None
        k = content.shape[1]
        self._memory = torch.cat([content, self._memory[:, k:]], dim=1)
        self._current_size = self._current_size + k


alf = candidate(FIFOMemory=FIFOMemory)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.FIFOMemory", "fifo_order"), ("alf.FIFOMemory", "recurrent_steps")]
