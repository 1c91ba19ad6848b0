"""Twin of ``reference.pyrado.neural_fields``: the Neural Fields policy with the batched
``evaluate`` of ``optimized.pyrado.potential_based``."""

from __future__ import annotations

from optimized.pyrado.potential_based import PotentialBasedPolicy
from reference.pyrado import neural_fields as ref


class NFPolicy(PotentialBasedPolicy, ref.NFPolicy):
    """The reference's NF step; ``evaluate`` steps all rollouts side by side, ``T_max``
    batched steps instead of ``sum T`` unbatched ones (:class:`PotentialBasedPolicy`)."""
