"""Upstream ALF as a candidate: ``twinnet verify --impl twinnet.upstream.alf``.

Importing this module imports ``alf`` (an ``ImportError`` when it is not installed) and
maps the inventory names onto upstream's objects. ALF's import replaces
``torch.nn.Module.register_buffer`` for the whole process with a version that drops
``persistent=``; that would add non-persistent buffers to every other module's
``state_dict`` (the reference's included), so the original method is put back right after
the import: upstream's own modules were already built with whichever method is current at
their construction, and from then on that is torch's. Importing ``alf.algorithms`` (which
the PPG names need) also installs ALF's own ``state_dict``, ``load_state_dict``,
``_save_to_state_dict``, ``_load_from_state_dict`` and ``__repr__`` on ``nn.Module``; those
skip a submodule already saved under another path, so the reference's ``state_dict`` in the
same process would lose keys. They are put back as well, on ``nn.Module`` and on ALF's
``Algorithm`` (which defines them in its body, without torch's ``keep_vars``, and adds its
optimizers' states), so every module, upstream's losses and algorithms too, saves and loads
as torch does. A checkpoint written by ALF's trainer, where the patch is in force, holds a
shared submodule (DisjointPolicyValueNetwork's encoders and heads) once only.

ALF reads ``ALF_USE_GIN`` at import: it is set to ``0`` (plain ``gin-config``) unless the
environment says otherwise.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

from torch import nn

_register_buffer = nn.Module.register_buffer
_TORCH_METHODS = {
    name: getattr(nn.Module, name)
    for name in (
        "state_dict",
        "load_state_dict",
        "_save_to_state_dict",
        "_load_from_state_dict",
        "__repr__",
    )
}
os.environ.setdefault("ALF_USE_GIN", "0")
try:
    import alf as _alf
    import alf.algorithms.algorithm as _algorithm
    import alf.algorithms.ppg as _ppg
    import alf.initializers as _initializers
    import alf.layers as _layers
    import alf.nest.utils as _nest_utils
    import alf.networks as _networks
    import alf.networks.action_encoder as _action_encoder
    import alf.networks.encoding_networks as _encoding
    import alf.networks.mdq_critic_networks as _mdq
    import alf.networks.memory as _memory
    import alf.networks.network as _network
    import alf.networks.param_networks as _param_networks
    import alf.networks.preprocessors as _preprocessors
    import alf.networks.relu_mlp as _relu_mlp
    import alf.utils.common as _common
    import alf.utils.math_ops as _math_ops
    from alf.tensor_specs import BoundedTensorSpec, TensorSpec
finally:
    nn.Module.register_buffer = _register_buffer  # type: ignore[method-assign]
    _ALF_METHODS = {name: getattr(nn.Module, name) for name in _TORCH_METHODS}
    for _name, _method in _TORCH_METHODS.items():
        setattr(nn.Module, _name, _method)
for _name, _method in _TORCH_METHODS.items():
    setattr(_algorithm.Algorithm, _name, _method)


def alf_state_dict(module: nn.Module) -> dict:
    """``module``'s state_dict as ALF's trainer saves it (ALF's own ``state_dict`` in force:
    a tensor reached by several paths is saved once)."""
    try:
        for name, method in _ALF_METHODS.items():
            setattr(nn.Module, name, method)
        return dict(module.state_dict())
    finally:
        for name, method in _TORCH_METHODS.items():
            setattr(nn.Module, name, method)


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
    "ImageDecodingNetwork",
    "ImageDecodingNetworkV2",
    "AutoShapeImageDeconvNetwork",
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
    "ActorNetworkBase",
    "ActorNetwork",
    "ActorRNNNetwork",
    "ActorDistributionNetworkBase",
    "ActorDistributionNetwork",
    "ActorDistributionRNNNetwork",
    "ParallelActorDistributionNetwork",
    "RealNVPNetwork",
    "ReluMLP",
    "Sequential",
    "Branch",
    "Parallel",
    "Echo",
    "Residue",
    "AMPWrapper",
    "Delay",
    "TemporalPool",
    "NoisyFC",
    "OUProcess",
    "GRUCell",
    "LSTMCell",
    "CriticNetwork",
    "CriticRNNNetwork",
    "ValueNetworkBase",
    "ValueNetwork",
    "ValueRNNNetwork",
    "ParallelValueNetwork",
    "QNetworkBase",
    "QNetwork",
    "QRNNNetwork",
    "ParallelQNetwork",
    "DynamicsNetwork",
    "ParallelDynamicsNetwork",
    "SocialAttentionNetwork",
    "TransformerNetwork",
)
_MDQ_NAMES = ("MdqCriticNetwork",)
_MEMORY_NAMES = ("Memory", "FIFOMemory", "MemoryWithUsage")
_PPG_NAMES = (
    "DisjointPolicyValueNetwork",
    "ppg_network_forward",
    "PPGAuxPhaseLoss",
    "PPGAuxPhaseLossInfo",
    "PPGAuxAlgorithm",
    "PPGAuxOptions",
    "PPGRolloutInfo",
    "PPGTrainInfo",
)

alf = SimpleNamespace(
    **{name: getattr(_networks, name) for name in _NETWORK_NAMES},
    **{name: getattr(_ppg, name) for name in _PPG_NAMES},
    **{name: getattr(_mdq, name) for name in _MDQ_NAMES},
    **{name: getattr(_memory, name) for name in _MEMORY_NAMES},
    SimpleActionEncoder=_action_encoder.SimpleActionEncoder,
    EmbeddingPreprocessor=_preprocessors.EmbeddingPreprocessor,
    NormalizingFlowNetwork=_networks.normalizing_flow_networks.NormalizingFlowNetwork,
    SimpleFC=_relu_mlp.SimpleFC,
    ParamNetwork=_param_networks.ParamNetwork,
    ParamConvNet=_param_networks.ParamConvNet,
    SpatialBroadcastDecodingNetwork=_encoding.SpatialBroadcastDecodingNetwork,
    get_input_tensor_spec=_network.get_input_tensor_spec,
    wrap_as_network=_network.wrap_as_network,
    FC=_layers.FC,
    Conv2D=_layers.Conv2D,
    ParallelFC=_layers.ParallelFC,
    ParallelConv2D=_layers.ParallelConv2D,
    Reshape=_layers.Reshape,
    NestConcat=_nest_utils.NestConcat,
    identity=_math_ops.identity,
    common=_common,
    variance_scaling_init=_initializers.variance_scaling_init,
    TensorSpec=TensorSpec,
    BoundedTensorSpec=BoundedTensorSpec,
)
__version__ = getattr(_alf, "__version__", COMMIT)

__all__ = ["COMMIT", "alf"]
