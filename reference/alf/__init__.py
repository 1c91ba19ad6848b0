"""Reference implementations of ALF's networks: plain PyTorch written to be read.

The reference knows nothing of its optimized twin: each class builds its parts from the
classes of this package by name (upstream's constructor arguments such as ``fc_ctor`` or
``encoding_network_ctor`` are simply called), and nothing here exists only so that
``optimized`` can swap a building block. ``optimized.twin`` builds the twins from outside.
"""

from reference.alf.action_encoder import SimpleActionEncoder
from reference.alf.actor_distribution_networks import (
    ActorDistributionNetwork,
    ActorDistributionNetworkBase,
    ActorDistributionRNNNetwork,
    ParallelActorDistributionNetwork,
)
from reference.alf.actor_networks import ActorNetwork, ActorNetworkBase, ActorRNNNetwork
from reference.alf.containers import AMPWrapper, Branch, Echo, Parallel, Residue, Sequential
from reference.alf.critic_networks import CriticNetwork, CriticRNNNetwork
from reference.alf.decoding import (
    AutoShapeImageDeconvNetwork,
    ImageDecodingNetwork,
    ImageDecodingNetworkV2,
    SpatialBroadcastDecodingNetwork,
)
from reference.alf.dynamics_networks import DynamicsNetwork, ParallelDynamicsNetwork
from reference.alf.encoding import EncodingNetwork, ImageEncodingNetwork, ParallelEncodingNetwork
from reference.alf.flows import NormalizingFlowNetwork, RealNVPNetwork
from reference.alf.initializers import identity, variance_scaling_init
from reference.alf.latent_actor import (
    LatentActorDistributionNetwork,
    UnitNormalActorDistributionNetwork,
)
from reference.alf.layers import FC, Conv2D, ParallelConv2D, ParallelFC, Reshape
from reference.alf.mdq_critic_networks import MdqCriticNetwork
from reference.alf.memory import FIFOMemory, Memory, MemoryWithUsage
from reference.alf.nest_utils import NestConcat
from reference.alf.network import (
    BatchSquashNetwork,
    NaiveParallelNetwork,
    Network,
    NetworkWrapper,
    get_input_tensor_spec,
    wrap_as_network,
)
from reference.alf.param_networks import ParamConvNet, ParamNetwork
from reference.alf.ppg import (
    DisjointPolicyValueNetwork,
    PPGAuxAlgorithm,
    PPGAuxOptions,
    PPGAuxPhaseLoss,
    PPGAuxPhaseLossInfo,
    PPGRolloutInfo,
    PPGTrainInfo,
    ppg_network_forward,
)
from reference.alf.preprocessors import EmbeddingPreprocessor, PreprocessorNetwork
from reference.alf.projection import (
    BetaProjectionNetwork,
    CategoricalProjectionNetwork,
    CauchyProjectionNetwork,
    MixtureProjectionNetwork,
    NormalProjectionNetwork,
    OnehotCategoricalProjectionNetwork,
    ParallelCategoricalProjectionNetwork,
    StableNormalProjectionNetwork,
    TruncatedProjectionNetwork,
)
from reference.alf.q_networks import ParallelQNetwork, QNetwork, QNetworkBase, QRNNNetwork
from reference.alf.recurrent import GRUCell, LSTMCell, LSTMEncodingNetwork
from reference.alf.relu_mlp import ReluMLP, SimpleFC
from reference.alf.stateful import Delay, NoisyFC, OUProcess, TemporalPool
from reference.alf.transformer_block import TransformerBlock
from reference.alf.transformer_networks import SocialAttentionNetwork, TransformerNetwork
from reference.alf.value_networks import (
    ParallelValueNetwork,
    ValueNetwork,
    ValueNetworkBase,
    ValueRNNNetwork,
)
from reference.specs import BoundedTensorSpec, TensorSpec

__all__ = [
    "FC",
    "AMPWrapper",
    "ActorDistributionNetwork",
    "ActorDistributionNetworkBase",
    "ActorDistributionRNNNetwork",
    "ActorNetwork",
    "ActorNetworkBase",
    "ActorRNNNetwork",
    "AutoShapeImageDeconvNetwork",
    "BatchSquashNetwork",
    "BetaProjectionNetwork",
    "BoundedTensorSpec",
    "Branch",
    "CategoricalProjectionNetwork",
    "CauchyProjectionNetwork",
    "Conv2D",
    "CriticNetwork",
    "CriticRNNNetwork",
    "Delay",
    "DisjointPolicyValueNetwork",
    "DynamicsNetwork",
    "Echo",
    "EmbeddingPreprocessor",
    "EncodingNetwork",
    "FIFOMemory",
    "GRUCell",
    "ImageDecodingNetwork",
    "ImageDecodingNetworkV2",
    "ImageEncodingNetwork",
    "LSTMCell",
    "LSTMEncodingNetwork",
    "LatentActorDistributionNetwork",
    "MdqCriticNetwork",
    "Memory",
    "MemoryWithUsage",
    "MixtureProjectionNetwork",
    "NaiveParallelNetwork",
    "NestConcat",
    "Network",
    "NetworkWrapper",
    "NoisyFC",
    "NormalProjectionNetwork",
    "NormalizingFlowNetwork",
    "OUProcess",
    "OnehotCategoricalProjectionNetwork",
    "PPGAuxAlgorithm",
    "PPGAuxOptions",
    "PPGAuxPhaseLoss",
    "PPGAuxPhaseLossInfo",
    "PPGRolloutInfo",
    "PPGTrainInfo",
    "Parallel",
    "ParallelActorDistributionNetwork",
    "ParallelCategoricalProjectionNetwork",
    "ParallelConv2D",
    "ParallelDynamicsNetwork",
    "ParallelEncodingNetwork",
    "ParallelFC",
    "ParallelQNetwork",
    "ParallelValueNetwork",
    "ParamConvNet",
    "ParamNetwork",
    "PreprocessorNetwork",
    "QNetwork",
    "QNetworkBase",
    "QRNNNetwork",
    "RealNVPNetwork",
    "ReluMLP",
    "Reshape",
    "Residue",
    "Sequential",
    "SimpleActionEncoder",
    "SimpleFC",
    "SocialAttentionNetwork",
    "SpatialBroadcastDecodingNetwork",
    "StableNormalProjectionNetwork",
    "TemporalPool",
    "TensorSpec",
    "TransformerBlock",
    "TransformerNetwork",
    "TruncatedProjectionNetwork",
    "UnitNormalActorDistributionNetwork",
    "ValueNetwork",
    "ValueNetworkBase",
    "ValueRNNNetwork",
    "get_input_tensor_spec",
    "identity",
    "ppg_network_forward",
    "variance_scaling_init",
    "wrap_as_network",
]
