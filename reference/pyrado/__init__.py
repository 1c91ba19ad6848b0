"""Pyrado's recurrent policies (``pyrado.policies.recurrent``), the reference twins.

Upstream: SimuRLacra's Pyrado @7c48d66. Besides the 21 names of the spec document, the
package has the small classes a policy needs from the rest of Pyrado: ``EnvSpec`` and
``BoxSpace`` (``spaces.py``) and the rollout container ``StepSequence``.
"""

from reference.pyrado.adn import (
    ADNPolicy,
    pd_capacity_21,
    pd_capacity_21_abs,
    pd_capacity_32,
    pd_capacity_32_abs,
    pd_cubic,
    pd_linear,
)
from reference.pyrado.base import (
    RecurrentPolicy,
    StatefulRecurrentNetwork,
    default_pack_hidden,
    default_unpack_hidden,
)
from reference.pyrado.neural_fields import NFPolicy
from reference.pyrado.potential_based import PotentialBasedPolicy
from reference.pyrado.rnn import GRUPolicy, LSTMPolicy, RNNPolicy, RNNPolicyBase
from reference.pyrado.spaces import BoxSpace, EnvSpec
from reference.pyrado.step_sequence import StepSequence
from reference.pyrado.two_headed_rnn import (
    TwoHeadedGRUPolicy,
    TwoHeadedLSTMPolicy,
    TwoHeadedRNNPolicy,
    TwoHeadedRNNPolicyBase,
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
