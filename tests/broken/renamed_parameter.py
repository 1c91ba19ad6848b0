"""NormalProjectionNetwork's ``projection_output_init_gain`` renamed ``output_init_gain``,
with the same default and place.

Positional calls and the numbers are unchanged; a caller passing the spec's keyword gets a
``TypeError``. The renamed parameter has a default, so ``signature`` must not take it for
an accepted extra option.
"""

from collections.abc import Callable

import torch.distributions as td
import torch.nn.functional as F

from optimized.alf import projection
from reference.alf.initializers import identity
from reference.alf.projection import DEFAULT_SQUASHING
from reference.specs import TensorSpec
from tests.broken import candidate


class NormalProjectionNetwork(projection.NormalProjectionNetwork):
    def __init__(
        self,
        input_size: int,
        action_spec: TensorSpec,
        parallelism: int | None = None,
        activation: Callable = identity,
        output_init_gain: float = 0.3,
        std_bias_initializer_value: float = 0.0,
        squash_mean: bool = True,
        state_dependent_std: bool = False,
        std_transform: Callable | None = F.softplus,
        scale_distribution: bool = False,
        dist_squashing_transform: td.Transform = DEFAULT_SQUASHING,
        name: str = "NormalProjectionNetwork",
    ):
        super().__init__(
            input_size,
            action_spec,
            parallelism,
            activation,
            output_init_gain,
            std_bias_initializer_value,
            squash_mean,
            state_dependent_std,
            std_transform,
            scale_distribution,
            dist_squashing_transform,
            name,
        )


alf = candidate(NormalProjectionNetwork=NormalProjectionNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.NormalProjectionNetwork", "signature")]
