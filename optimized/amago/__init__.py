"""Optimized twins of ``reference.amago``: same names, signatures and state_dict layouts.

What is faster, and how:

* policy heads (``TanhGaussian``, ``Beta``, ``GMM``, ``Discrete``...): closed-form
  log densities and reparameterised samples as short fused op chains, distributions built
  without argument validation, ``log_prob(rsample())`` reusing the pre-tanh sample;
* ``FFTstepEncoder`` / ``CNNTstepEncoder``: one ``addmm`` per layer on the flattened
  ``[Batch * Length, d]`` batch, in-place activations, a cached input normaliser,
  channels-last convolutions fed ``[N, H, W, C]`` images without a layout copy, and the
  DrQ-v2 shift as one batched gather.

``PolicyOutput`` and ``TstepEncoder`` (abstract bases: input checks and routing only) are
the reference's own classes, so candidates subclassing them behave alike.
"""

from optimized.amago.cnn import DrQv2Aug, NatureishCNN
from optimized.amago.policy_dists import (
    GMM,
    Beta,
    Discrete,
    DiscreteLikeContinuous,
    Multibinary,
    TanhGaussian,
    softplus_bounded_positive,
    tanh_bounded_positive,
)
from optimized.amago.tstep_encoders import CNNTstepEncoder, FFTstepEncoder
from reference.amago.cnn import CNN
from reference.amago.ff import MLP, Normalization, RMSNorm
from reference.amago.policy_dists import PolicyOutput
from reference.amago.tstep_encoders import TstepEncoder
from reference.amago.utils import InputNorm, symlog

__all__ = [
    "CNN",
    "GMM",
    "MLP",
    "Beta",
    "CNNTstepEncoder",
    "Discrete",
    "DiscreteLikeContinuous",
    "DrQv2Aug",
    "FFTstepEncoder",
    "InputNorm",
    "Multibinary",
    "NatureishCNN",
    "Normalization",
    "PolicyOutput",
    "RMSNorm",
    "TanhGaussian",
    "TstepEncoder",
    "softplus_bounded_positive",
    "symlog",
    "tanh_bounded_positive",
]
