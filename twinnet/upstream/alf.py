"""Upstream ALF as a candidate: ``twinnet verify --impl twinnet.upstream.alf``.

Importing this module imports ``alf`` (an ``ImportError`` when it is not installed) and
maps the inventory names onto upstream's objects. ALF's import replaces
``torch.nn.Module.register_buffer`` for the whole process with a version that drops
``persistent=``; that would add non-persistent buffers to every other module's
``state_dict`` (the reference's included), so the original method is put back right after
the import: upstream's own modules were already built with whichever method is current at
their construction, and from then on that is torch's.

ALF reads ``ALF_USE_GIN`` at import: it is set to ``0`` (plain ``gin-config``) unless the
environment says otherwise.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

from torch import nn

_register_buffer = nn.Module.register_buffer
os.environ.setdefault("ALF_USE_GIN", "0")
try:
    import alf as _alf
    import alf.initializers as _initializers
    import alf.layers as _layers
    import alf.nest.utils as _nest_utils
    import alf.networks as _networks
    import alf.networks.action_encoder as _action_encoder
    import alf.networks.network as _network
    import alf.networks.preprocessors as _preprocessors
    import alf.networks.relu_mlp as _relu_mlp
    import alf.utils.math_ops as _math_ops
    from alf.tensor_specs import BoundedTensorSpec, TensorSpec
finally:
    nn.Module.register_buffer = _register_buffer  # type: ignore[method-assign]

#: The upstream commit the known-differences file of this adapter was made with.
COMMIT = "23aca49"

_NETWORK_NAMES = (
    "Network",
    "NetworkWrapper",
    "NaiveParallelNetwork",
    "BatchSquashNetwork",
    "EncodingNetwork",
    "ParallelEncodingNetwork",
    "ImageEncodingNetwork",
    "LSTMEncodingNetwork",
    "PreprocessorNetwork",
    "NormalProjectionNetwork",
    "StableNormalProjectionNetwork",
    "CauchyProjectionNetwork",
    "BetaProjectionNetwork",
    "TruncatedProjectionNetwork",
    "CategoricalProjectionNetwork",
    "ParallelCategoricalProjectionNetwork",
    "OnehotCategoricalProjectionNetwork",
    "MixtureProjectionNetwork",
    "UnitNormalActorDistributionNetwork",
    "LatentActorDistributionNetwork",
    "RealNVPNetwork",
    "ReluMLP",
)

alf = SimpleNamespace(
    **{name: getattr(_networks, name) for name in _NETWORK_NAMES},
    SimpleActionEncoder=_action_encoder.SimpleActionEncoder,
    EmbeddingPreprocessor=_preprocessors.EmbeddingPreprocessor,
    NormalizingFlowNetwork=_networks.normalizing_flow_networks.NormalizingFlowNetwork,
    SimpleFC=_relu_mlp.SimpleFC,
    get_input_tensor_spec=_network.get_input_tensor_spec,
    wrap_as_network=_network.wrap_as_network,
    FC=_layers.FC,
    Conv2D=_layers.Conv2D,
    ParallelFC=_layers.ParallelFC,
    ParallelConv2D=_layers.ParallelConv2D,
    Reshape=_layers.Reshape,
    NestConcat=_nest_utils.NestConcat,
    identity=_math_ops.identity,
    variance_scaling_init=_initializers.variance_scaling_init,
    TensorSpec=TensorSpec,
    BoundedTensorSpec=BoundedTensorSpec,
)
__version__ = getattr(_alf, "__version__", COMMIT)

__all__ = ["COMMIT", "alf"]
