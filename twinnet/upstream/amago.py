"""Upstream AMAGO as a candidate: ``twinnet verify --impl twinnet.upstream.amago``.

Importing this module imports ``amago.nets`` (an ``ImportError`` when it is not
installed) and maps the inventory names onto upstream's objects. AMAGO's CNN is
``torch.compile``'d at import; set ``TORCHDYNAMO_DISABLE=1`` where no compiler is at hand
(the module sets it unless the environment says otherwise).
"""

from __future__ import annotations

import os
from types import SimpleNamespace

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")

import amago.nets.cnn as _cnn
import amago.nets.policy_dists as _policy_dists
import amago.nets.tstep_encoders as _tstep_encoders

#: The upstream commit the known-differences file of this adapter was made with.
COMMIT = "2d85600"

amago = SimpleNamespace(
    **{
        name: getattr(_policy_dists, name)
        for name in (
            "PolicyOutput",
            "TanhGaussian",
            "Beta",
            "GMM",
            "Discrete",
            "DiscreteLikeContinuous",
            "Multibinary",
            "softplus_bounded_positive",
            "tanh_bounded_positive",
        )
    },
    **{
        name: getattr(_tstep_encoders, name)
        for name in ("TstepEncoder", "FFTstepEncoder", "CNNTstepEncoder")
    },
    NatureishCNN=_cnn.NatureishCNN,
)

__all__ = ["COMMIT", "amago"]
