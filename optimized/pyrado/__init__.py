"""Optimized twins of ``reference.pyrado``: same names, signatures and state_dict layouts.

Every twin follows the one pattern of ``optimized/twin.py``: ``class X(Twin, reference.X)``
(or a subclass of another twin), no constructor of its own, overriding computation only;
the reference's constructor builds the policy and ``convert`` swaps its ``RecurrentLayers``
for the twin below. Module for module (each reference module with a twin has it at the
same path):

* ``recurrent_layers.RecurrentLayers``: a step is one fused cell kernel per layer
  (``torch.lstm_cell`` ...), and ``unroll`` runs packed sequences through torch's
  multi-layer sequence kernel (oneDNN / cuDNN), reading the reference's parameters as
  they are;
* ``rnn`` and ``two_headed_rnn``: ``evaluate`` packs all rollouts into one ``unroll`` call
  and applies the output layer / heads as one GEMM over every step;
* ``potential_based.PotentialBasedPolicy``, and through it ``adn.ADNPolicy`` and
  ``neural_fields.NFPolicy``: ``evaluate`` advances all rollouts side by side, one
  batched step per time index.

``rollouts`` holds what those ``evaluate``s share (no reference counterpart). Names the
reference already states at full speed (spaces, the rollout container, the recurrent base
class, the packing helpers and the dynamics functions) are the reference's own objects.
"""

from optimized.pyrado.adn import ADNPolicy
from optimized.pyrado.neural_fields import NFPolicy
from optimized.pyrado.potential_based import PotentialBasedPolicy
from optimized.pyrado.rnn import GRUPolicy, LSTMPolicy, RNNPolicy, RNNPolicyBase
from optimized.pyrado.two_headed_rnn import (
    TwoHeadedGRUPolicy,
    TwoHeadedLSTMPolicy,
    TwoHeadedRNNPolicy,
    TwoHeadedRNNPolicyBase,
)
from reference.pyrado import (
    BoxSpace,
    EnvSpec,
    RecurrentPolicy,
    StatefulRecurrentNetwork,
    StepSequence,
    default_pack_hidden,
    default_unpack_hidden,
    pd_capacity_21,
    pd_capacity_21_abs,
    pd_capacity_32,
    pd_capacity_32_abs,
    pd_cubic,
    pd_linear,
)

__all__ = [
    "ADNPolicy",
    "BoxSpace",
    "EnvSpec",
    "GRUPolicy",
    "LSTMPolicy",
    "NFPolicy",
    "PotentialBasedPolicy",
    "RNNPolicy",
    "RNNPolicyBase",
    "RecurrentPolicy",
    "StatefulRecurrentNetwork",
    "StepSequence",
    "TwoHeadedGRUPolicy",
    "TwoHeadedLSTMPolicy",
    "TwoHeadedRNNPolicy",
    "TwoHeadedRNNPolicyBase",
    "default_pack_hidden",
    "default_unpack_hidden",
    "pd_capacity_21",
    "pd_capacity_21_abs",
    "pd_capacity_32",
    "pd_capacity_32_abs",
    "pd_cubic",
    "pd_linear",
]
