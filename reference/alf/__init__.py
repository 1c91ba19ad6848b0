"""Reference implementations of ALF's networks: plain PyTorch written to be read."""

from reference.alf.action_encoder import SimpleActionEncoder
from reference.alf.encoding import EncodingNetwork, ImageEncodingNetwork, ParallelEncodingNetwork
from reference.alf.flows import NormalizingFlowNetwork, RealNVPNetwork
from reference.alf.initializers import identity, variance_scaling_init
from reference.alf.latent_actor import (
    LatentActorDistributionNetwork,
    UnitNormalActorDistributionNetwork,
)
from reference.alf.layers import FC, Conv2D, ParallelConv2D, ParallelFC, Reshape
from reference.alf.nest_utils import NestConcat
from reference.alf.network import (
    BatchSquashNetwork,
    NaiveParallelNetwork,
    Network,
    NetworkWrapper,
    get_input_tensor_spec,
    wrap_as_network,
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
from reference.alf.relu_mlp import ReluMLP, SimpleFC
from reference.specs import BoundedTensorSpec, TensorSpec

__all__ = [
    "FC",
    "BatchSquashNetwork",
    "BetaProjectionNetwork",
    "BoundedTensorSpec",
    "CategoricalProjectionNetwork",
    "CauchyProjectionNetwork",
    "Conv2D",
    "EmbeddingPreprocessor",
    "EncodingNetwork",
    "ImageEncodingNetwork",
    "LatentActorDistributionNetwork",
    "MixtureProjectionNetwork",
    "NaiveParallelNetwork",
    "NestConcat",
    "Network",
    "NetworkWrapper",
    "NormalProjectionNetwork",
    "NormalizingFlowNetwork",
    "OnehotCategoricalProjectionNetwork",
    "ParallelCategoricalProjectionNetwork",
    "ParallelConv2D",
    "ParallelEncodingNetwork",
    "ParallelFC",
    "PreprocessorNetwork",
    "RealNVPNetwork",
    "ReluMLP",
    "Reshape",
    "SimpleActionEncoder",
    "SimpleFC",
    "StableNormalProjectionNetwork",
    "TensorSpec",
    "TruncatedProjectionNetwork",
    "UnitNormalActorDistributionNetwork",
    "get_input_tensor_spec",
    "identity",
    "variance_scaling_init",
    "wrap_as_network",
]
