"""Twin of ``reference.pyrado.two_headed_rnn``: the two-headed policies with a one-call
``evaluate``.

The step (``forward``) and ``script()`` are the reference's, on the twin ``shared`` body
(``optimized.pyrado.recurrent_layers``: one fused cell kernel per layer).
"""

from __future__ import annotations

import torch

from optimized.pyrado.rollouts import eval_mode, unroll_rollouts
from optimized.twin import Twin
from reference.pyrado import two_headed_rnn as ref
from reference.pyrado.step_sequence import StepSequence


class TwoHeadedRNNPolicyBase(Twin, ref.TwoHeadedRNNPolicyBase):
    """``evaluate`` packs all rollouts into one sequence-kernel call through the shared body
    and applies each head as one GEMM over every step, instead of ``sum T`` unbatched steps."""

    def evaluate(  # type: ignore[override]
        self, rollout: StepSequence, hidden_states_name: str = "hidden_states"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        with eval_mode(self):
            top = unroll_rollouts(self.shared, rollout, hidden_states_name, self)
            out_1, out_2 = self.head_1(top), self.head_2(top)
            if self.head_1_output_nonlin is not None:
                out_1 = self.head_1_output_nonlin(out_1)
            if self.head_2_output_nonlin is not None:
                out_2 = self.head_2_output_nonlin(out_2)
            return out_1, out_2


class TwoHeadedRNNPolicy(TwoHeadedRNNPolicyBase, ref.TwoHeadedRNNPolicy):
    """Elman RNN body; ``evaluate`` one sequence-kernel call (:class:`TwoHeadedRNNPolicyBase`)."""


class TwoHeadedGRUPolicy(TwoHeadedRNNPolicyBase, ref.TwoHeadedGRUPolicy):
    """GRU body; ``evaluate`` one sequence-kernel call (:class:`TwoHeadedRNNPolicyBase`)."""


class TwoHeadedLSTMPolicy(TwoHeadedRNNPolicyBase, ref.TwoHeadedLSTMPolicy):
    """LSTM body; ``evaluate`` one sequence-kernel call (:class:`TwoHeadedRNNPolicyBase`)."""
