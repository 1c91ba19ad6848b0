"""Twin of ``reference.pyrado.adn``: the ADN policy with the batched ``evaluate`` of
``optimized.pyrado.potential_based``. The dynamics functions are the reference's."""

from __future__ import annotations

from optimized.pyrado.potential_based import PotentialBasedPolicy
from reference.pyrado import adn as ref


class ADNPolicy(PotentialBasedPolicy, ref.ADNPolicy):
    """The reference's ADN step; ``evaluate`` steps all rollouts side by side, ``T_max``
    batched steps instead of ``sum T`` unbatched ones (:class:`PotentialBasedPolicy`)."""
