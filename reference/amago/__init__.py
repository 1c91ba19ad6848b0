"""Reference implementations of AMAGO's policy distributions and timestep encoders."""

from reference.amago.cnn import CNN, DrQv2Aug, NatureishCNN
from reference.amago.ff import MLP, Normalization, RMSNorm
from reference.amago.policy_dists import (
    GMM,
    Beta,
    Discrete,
    DiscreteLikeContinuous,
    Multibinary,
    PolicyOutput,
    TanhGaussian,
    softplus_bounded_positive,
    tanh_bounded_positive,
)
from reference.amago.tstep_encoders import CNNTstepEncoder, FFTstepEncoder, TstepEncoder
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
