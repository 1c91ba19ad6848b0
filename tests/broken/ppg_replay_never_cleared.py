"""PPGAuxAlgorithm's auxiliary phase leaves its replay as it was (never cleared)."""

from optimized.alf import ppg
from tests.broken import candidate


class PPGAuxAlgorithm(ppg.PPGAuxAlgorithm):
    def train_from_replay(self):
        kept = list(self._replay._steps), self._replay.template
        losses = super().train_from_replay()
        self._replay._steps, self._replay._template = kept
        return losses


alf = candidate(PPGAuxAlgorithm=PPGAuxAlgorithm)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.PPGAuxAlgorithm", "aux_replay")]
