"""Upstream Pyrado as a candidate: ``twinnet verify --impl twinnet.upstream.pyrado``.

Importing this module imports ``pyrado.policies.recurrent`` (an ``ImportError`` when it is
not installed) and maps the inventory names onto upstream's objects, unwrapped: the
recurrent policies and their base class, the scripted stateful wrapper, the hidden-state
packing helpers and ADN's dynamics functions, plus what a policy needs from the rest of
Pyrado (``EnvSpec``, ``BoxSpace``, the rollout container ``StepSequence``).
``tools/upstream_pyrado_env.sh`` builds an environment in which it imports (Pyrado's
``tasks``, ``plotting`` and ``pandas`` imports are type hints only and get stand-ins).
Importing Pyrado sets torch's default dtype to float32 (its own ``__init__``), which is
torch's default anyway.
"""

from __future__ import annotations

from types import SimpleNamespace

import pyrado.policies.recurrent.adn as _adn
import pyrado.policies.recurrent.base as _base
import pyrado.policies.recurrent.neural_fields as _neural_fields
import pyrado.policies.recurrent.potential_based as _potential_based
import pyrado.policies.recurrent.rnn as _rnn
import pyrado.policies.recurrent.two_headed_rnn as _two_headed_rnn
from pyrado.sampling.step_sequence import StepSequence as _StepSequence
from pyrado.spaces.box import BoxSpace as _BoxSpace
from pyrado.utils.data_types import EnvSpec as _EnvSpec

#: The upstream commit the known-differences file of this adapter was made with.
COMMIT = "7c48d66"

pyrado = SimpleNamespace(
    **{
        name: getattr(_adn, name)
        for name in (
            "ADNPolicy",
            "pd_capacity_21",
            "pd_capacity_21_abs",
            "pd_capacity_32",
            "pd_capacity_32_abs",
            "pd_cubic",
            "pd_linear",
        )
    },
    **{
        name: getattr(_base, name)
        for name in (
            "RecurrentPolicy",
            "StatefulRecurrentNetwork",
            "default_pack_hidden",
            "default_unpack_hidden",
        )
    },
    **{
        name: getattr(_rnn, name)
        for name in ("RNNPolicyBase", "RNNPolicy", "GRUPolicy", "LSTMPolicy")
    },
    **{
        name: getattr(_two_headed_rnn, name)
        for name in (
            "TwoHeadedRNNPolicyBase",
            "TwoHeadedRNNPolicy",
            "TwoHeadedGRUPolicy",
            "TwoHeadedLSTMPolicy",
        )
    },
    NFPolicy=_neural_fields.NFPolicy,
    PotentialBasedPolicy=_potential_based.PotentialBasedPolicy,
    BoxSpace=_BoxSpace,
    EnvSpec=_EnvSpec,
    StepSequence=_StepSequence,
)

__all__ = ["COMMIT", "pyrado"]
