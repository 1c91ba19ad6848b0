"""A candidate whose NormalProjectionNetwork takes two keyword options the spec does not
list, both with defaults (as upstream ALF adds ``use_batch_ensemble`` or ``mean_transform``
to its constructors): every documented call is unchanged, so ``signature`` passes and the
cell counts them (``pass (2 extra)``)."""

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
        projection_output_init_gain: float = 0.3,
        std_bias_initializer_value: float = 0.0,
        squash_mean: bool = True,
        state_dependent_std: bool = False,
        std_transform: Callable | None = F.softplus,
        scale_distribution: bool = False,
        dist_squashing_transform: td.Transform = DEFAULT_SQUASHING,
        use_fc_ln: bool = False,
        name: str = "NormalProjectionNetwork",
        *,
        mean_transform: Callable | None = None,
    ):
        if use_fc_ln or mean_transform is not None:
            raise ValueError(
                "NormalProjectionNetwork: use_fc_ln and mean_transform: expected their "
                f"defaults in this candidate, got {use_fc_ln!r} and {mean_transform!r}"
            )
        super().__init__(
            input_size,
            action_spec,
            parallelism,
            activation,
            projection_output_init_gain,
            std_bias_initializer_value,
            squash_mean,
            state_dependent_std,
            std_transform,
            scale_distribution,
            dist_squashing_transform,
            name,
        )


alf = candidate(NormalProjectionNetwork=NormalProjectionNetwork)
