"""Optimized twins of ``reference.amago``: same names, signatures and state_dict layouts.

Every twin follows the one pattern of ``optimized/twin.py``: ``class X(Twin, reference.X)``,
no constructor of its own, overriding computation only (``forward``, ``inner_forward``);
the reference's constructor builds it and ``convert`` swaps the reference submodules that
have twins (an encoder's ``NatureishCNN``, ``DrQv2Aug`` and ``InputNorm``), keeping their
parameters and buffers.
Module for module (each at its reference module's path):

* ``policy_dists`` (``TanhGaussian``, ``Beta``, ``GMM``, ``Discrete`` and the bounded
  activations): closed-form log densities and reparameterised samples as short fused op
  chains, distributions built without argument validation, ``log_prob(rsample())``
  reusing the pre-tanh sample;
* ``tstep_encoders`` (``FFTstepEncoder``, ``CNNTstepEncoder``): one ``addmm`` per layer on
  the flattened ``[Batch * Length, d]`` batch, in-place activations, a cached eval-mode
  input normaliser, the pixel scaling folded into the first convolution;
* ``utils`` (``InputNorm``): in eval mode one clamp of an affine map with per-feature
  constants cached until the statistics change;
* ``cnn`` (``NatureishCNN``, ``DrQv2Aug``): channels-last convolutions fed ``[N, H, W, C]``
  images without a layout copy, and the DrQ-v2 shift as one batched gather.

Shared, the reference's own objects: ``PolicyOutput`` and ``TstepEncoder`` (abstract bases:
input checks and routing only, so candidates subclassing them behave alike),
``Multibinary`` and ``DiscreteLikeContinuous`` (already one torch distribution each),
``CNN``, ``MLP``, ``Normalization``, ``RMSNorm`` and ``symlog``.
"""

from optimized.amago.cnn import DrQv2Aug, NatureishCNN
from optimized.amago.policy_dists import (
    GMM,
    Beta,
    Discrete,
    TanhGaussian,
    softplus_bounded_positive,
    tanh_bounded_positive,
)
from optimized.amago.tstep_encoders import CNNTstepEncoder, FFTstepEncoder
from optimized.amago.utils import InputNorm
from reference.amago.cnn import CNN
from reference.amago.ff import MLP, Normalization, RMSNorm
from reference.amago.policy_dists import DiscreteLikeContinuous, Multibinary, PolicyOutput
from reference.amago.tstep_encoders import TstepEncoder
from reference.amago.utils import symlog

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
