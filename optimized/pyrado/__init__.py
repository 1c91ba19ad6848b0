"""Pyrado's recurrent policies, fused: torch's multi-layer RNN kernels for the RNN family
(one call per ``evaluate``), rollouts stepped side by side for the potential-based ones.
Names the reference already states at full speed (spaces, the rollout container, the base
classes, the packing helpers and the elementwise dynamics) are the reference's own objects.
"""

from optimized.pyrado.potential_based import ADNPolicy, NFPolicy
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
    PotentialBasedPolicy,
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
