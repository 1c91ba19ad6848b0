"""AMAGO's CNNTstepEncoder: the DrQ-v2 augmentation also runs in eval mode."""

from optimized.amago import tstep_encoders
from tests.broken import amago_candidate


class CNNTstepEncoder(tstep_encoders.CNNTstepEncoder):
    def inner_forward(self, obs, rl2s, log_dict=None):
        if self.using_aug and not self.training:
            img = obs[self.obs_key].to(rl2s.dtype)
            obs = {**obs, self.obs_key: self.data_aug(img)}
        return super().inner_forward(obs, rl2s, log_dict)


amago = amago_candidate(CNNTstepEncoder=CNNTstepEncoder)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("amago.CNNTstepEncoder", "augmentation"),
    ("amago.CNNTstepEncoder", "parity"),
]
