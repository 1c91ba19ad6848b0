"""Twin of ``reference.pyrado.rnn``: the RNN-backed policies with a one-call ``evaluate``.

The step (``forward``) is the reference's, on the twin ``rnn_layers``
(``optimized.pyrado.recurrent_layers``: one fused cell kernel per layer).
"""

from __future__ import annotations

import torch

from optimized.pyrado.rollouts import eval_mode, unroll_rollouts
from optimized.twin import Twin
from reference.pyrado import rnn as ref
from reference.pyrado.step_sequence import StepSequence


class RNNPolicyBase(Twin, ref.RNNPolicyBase):
    """``evaluate`` packs all rollouts into one sequence-kernel call and applies the output
    layer as one GEMM over every step, instead of ``sum T`` Python-level unbatched steps."""

    def evaluate(
        self, rollout: StepSequence, hidden_states_name: str = "hidden_states"
    ) -> torch.Tensor:
        with eval_mode(self):
            top = unroll_rollouts(self.rnn_layers, rollout, hidden_states_name, self)
            act = self.output_layer(top)
            return act if self.output_nonlin is None else self.output_nonlin(act)


class RNNPolicy(RNNPolicyBase, ref.RNNPolicy):
    """Elman RNN layers; ``evaluate`` one sequence-kernel call (:class:`RNNPolicyBase`)."""


class GRUPolicy(RNNPolicyBase, ref.GRUPolicy):
    """GRU layers; ``evaluate`` one sequence-kernel call (:class:`RNNPolicyBase`)."""


class LSTMPolicy(RNNPolicyBase, ref.LSTMPolicy):
    """LSTM layers; ``evaluate`` one sequence-kernel call (:class:`RNNPolicyBase`)."""
