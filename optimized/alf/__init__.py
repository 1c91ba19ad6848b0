"""Optimized twins of ``reference.alf``: same names, signatures and state_dict layouts.

How a twin is built: :mod:`optimized.twin` (one pattern for the whole package). Each class
here is ``class X(Twin, reference.alf.X)``: the reference constructor builds the network,
``convert`` swaps its reference submodules for their twins in place, ``fuse()`` derives
what the fast computation needs, and the twin overrides the computation only. The result
of a twin's ``make_parallel`` is converted too, and ``Sequential``, ``Branch`` and
``ParallelEncodingNetwork`` (reference functions) are those functions with their result
converted.

What each twin fuses:

* ``FC``: bias and GEMM as one ``addmm``. ``ParallelFC``: all n replicas as one
  ``bmm``/``baddbmm``; ``ParallelSequential`` (the parallel stack of an encoder) keeps runs
  of them in the replica-major layout. ``Conv2D`` / ``ParallelConv2D``: all replicas as one
  grouped convolution (channels-last).
* ``EncodingNetwork`` / ``ImageEncodingNetwork`` / ``EmbeddingPreprocessor``: nothing of
  their own; their layers and parallel stacks are the fused ones above.
* Projection networks (``NormalProjectionNetwork`` ... ``MixtureProjectionNetwork``): two
  heads of one input as one GEMM, and the closed-form distributions of
  ``optimized.distributions``.
* Actors (``ActorNetwork``, ``ActorRNNNetwork``, ``ActorDistribution*Network``,
  ``ParallelActorDistributionNetwork``): the fused encoders and projections above; the
  deterministic heads as ``addmm`` + ``addcmul`` with cached bounds; the RNN actors'
  ``unroll`` through the LSTM encoder's fused sequence kernel with the heads run once over
  all steps (``optimized.alf.actor_networks``, ``optimized.alf.actor_distribution_networks``).
* ``RealNVPNetwork`` / ``LatentActorDistributionNetwork``: coupling layers that keep each
  map's log-det with its ``(x, y)`` pair (no second pass of the scale networks) and run
  each scale/translation pair as one GEMM chain (``optimized.alf.flows``).
  ``NormalizingFlowNetwork`` is the reference base class: it only dispatches to the
  transform a subclass builds.
* ``ReluMLP``: closed-form Jacobians, diagonals, JVPs and VJPs as tall GEMM chains over
  all samples at once, without autograd (``optimized.alf.relu_mlp``).
* Containers (``Sequential``, ``Branch``, ``Parallel``, ``Residue``, ``Echo``,
  ``AMPWrapper``): routing compiled once in ``fuse()``; ``unroll`` member by member over the
  whole sequence (``optimized.alf.containers``).
* ``GRUCell`` / ``LSTMCell`` / ``LSTMEncodingNetwork``: fused cell kernels per step and
  ``unroll`` through fused ``torch.gru`` / ``torch.lstm`` kernels across episode resets;
  a cell's parallel form is ``ParallelCell`` (``optimized.alf.recurrent``).
* ``Delay`` / ``OUProcess`` / ``TemporalPool``: tensor-op unrolls; ``NoisyFC``: fused
  affine maps (``optimized.alf.stateful``).
* Q and dynamics networks (``QNetwork`` ... ``ParallelDynamicsNetwork``): fused encoders
  and last layers, critic ensembles as one batched GEMM per layer; ``unroll`` through the
  encoder's fused sequence path with the last layer folded over time; a shared ensemble
  input concatenated once. ``MdqCriticNetwork``: the advantage form's padded inputs from one
  mask, one gather and a ``cumsum`` (``optimized.alf.mdq_critic_networks``).
* ``ParamNetwork`` / ``ParamConvNet``: the handed weights of all G parameter groups as one
  ``baddbmm`` per FC layer and one grouped convolution per conv layer, instead of a loop
  over the groups (``optimized.alf.param_networks``).
* PPG (``optimized.alf.ppg``): ``DisjointPolicyValueNetwork`` shares the dual encoders'
  first GEMM; ``PPGAuxPhaseLoss`` takes GAE as a log-depth scan and KLs in closed form;
  ``PPGAuxAlgorithm`` evaluates a mini-batch's steps as one network call.

* Attention (``optimized.alf.transformer_block``, ``optimized.alf.transformer_networks``):
  ``TransformerBlock`` runs all heads in one ``scaled_dot_product_attention`` call with the
  absolute positional terms folded into it; ``SocialAttentionNetwork`` one key/value GEMM
  and one attention call; ``TransformerNetwork`` those blocks with the FIFO memory twins,
  its ``unroll`` running the state-free prememory blocks once over the whole sequence.

``SimpleFC`` is the reference's class: it is ``nn.Linear`` (already one ``addmm``) plus
recording its pre-activation, so there is nothing to fuse.

The plumbing (``Network``, ``NetworkWrapper``, ``NaiveParallelNetwork``,
``BatchSquashNetwork``, ``PreprocessorNetwork``, ``get_input_tensor_spec``,
``wrap_as_network``) and the parameterless ``SimpleActionEncoder`` are the reference's own
objects: they only route tensors to the networks they wrap, so there is nothing of their
own to fuse, and sharing them keeps one definition of the routing rules.
"""

from optimized.alf.actor_distribution_networks import (
    ActorDistributionNetwork,
    ActorDistributionNetworkBase,
    ActorDistributionRNNNetwork,
    ParallelActorDistributionNetwork,
)
from optimized.alf.actor_networks import ActorNetwork, ActorNetworkBase, ActorRNNNetwork
from optimized.alf.containers import AMPWrapper, Branch, Echo, Parallel, Residue, Sequential
from optimized.alf.critic_networks import CriticNetwork, CriticRNNNetwork
from optimized.alf.decoding import (
    AutoShapeImageDeconvNetwork,
    ImageDecodingNetwork,
    ImageDecodingNetworkV2,
    SpatialBroadcastDecodingNetwork,
)
from optimized.alf.dynamics_networks import DynamicsNetwork, ParallelDynamicsNetwork
from optimized.alf.encoding import EncodingNetwork, ImageEncodingNetwork, ParallelEncodingNetwork
from optimized.alf.flows import RealNVPNetwork
from optimized.alf.latent_actor import (
    LatentActorDistributionNetwork,
    UnitNormalActorDistributionNetwork,
)
from optimized.alf.layers import FC, Conv2D, ParallelConv2D, ParallelFC, Reshape
from optimized.alf.mdq_critic_networks import MdqCriticNetwork
from optimized.alf.memory import FIFOMemory, MemoryWithUsage
from optimized.alf.param_networks import ParamConvNet, ParamNetwork
from optimized.alf.ppg import (
    DisjointPolicyValueNetwork,
    PPGAuxAlgorithm,
    PPGAuxOptions,
    PPGAuxPhaseLoss,
    PPGAuxPhaseLossInfo,
    PPGRolloutInfo,
    PPGTrainInfo,
    ppg_network_forward,
)
from optimized.alf.preprocessors import EmbeddingPreprocessor, PreprocessorNetwork
from optimized.alf.projection import (
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
from optimized.alf.q_networks import ParallelQNetwork, QNetwork, QNetworkBase, QRNNNetwork
from optimized.alf.recurrent import GRUCell, LSTMCell, LSTMEncodingNetwork
from optimized.alf.relu_mlp import ReluMLP, SimpleFC
from optimized.alf.stateful import Delay, NoisyFC, OUProcess, TemporalPool
from optimized.alf.transformer_block import TransformerBlock
from optimized.alf.transformer_networks import SocialAttentionNetwork, TransformerNetwork
from optimized.alf.value_networks import (
    ParallelValueNetwork,
    ValueNetwork,
    ValueNetworkBase,
    ValueRNNNetwork,
)
from reference.alf.action_encoder import SimpleActionEncoder
from reference.alf.flows import NormalizingFlowNetwork
from reference.alf.initializers import identity, variance_scaling_init
from reference.alf.memory import Memory
from reference.alf.nest_utils import NestConcat
from reference.alf.network import (
    BatchSquashNetwork,
    NaiveParallelNetwork,
    Network,
    NetworkWrapper,
    get_input_tensor_spec,
    wrap_as_network,
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
