"""Independent statements of AMAGO's timestep-encoder laws, written from upstream's
formulas rather than from either implementation: the DrQ-v2 shift augmentation's support
(every crop of the edge-replicated padded image), and the input normaliser's bias-corrected
EMA statistics and normalisation (``augmentation`` and ``input_norm`` check them through
the entries of ``properties/entries/amago/tstep_encoders.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from reference.amago.utils import MAGIC_PAD_VAL

#: DrQ-v2's padding: every one of the (2 pad + 1)^2 = 81 integer shifts equally likely.
PAD = 4


def shifted_crops(cfg: dict, image: torch.Tensor) -> torch.Tensor:
    """Every integer crop of the edge-replicated, ``PAD``-padded image:
    ``[(2 pad + 1)^2, *image.shape]``."""
    chw = image if cfg["channels_first"] else image.permute(2, 0, 1)
    h, w = chw.shape[1:]
    padded = F.pad(chw.unsqueeze(0), (PAD,) * 4, mode="replicate")[0]
    offsets = range(2 * PAD + 1)
    crops = torch.stack([padded[:, y : y + h, x : x + w] for y in offsets for x in offsets])
    return crops if cfg["channels_first"] else crops.permute(0, 2, 3, 1)


#: Upstream's smoothing parameter of the input normaliser's moving averages.
NORM_BETA = 1e-4


def ema_statistics(batches: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """Upstream's bias-corrected EMA, written from its formula: start at mu = 0, nu = 1,
    t = 1; for every batch with a usable timestep (not all features ``MAGIC_PAD_VAL``, all
    finite) t += 1, w = beta / (1 - (1 - beta)^t) and mu, nu move by the fraction w towards
    the batch's mean of x and of x^2; a batch without one changes nothing."""
    dim = batches[0].shape[-1]
    mu, nu, t = np.zeros(dim), np.ones(dim), 1
    for batch in batches:
        seen = batch[~(batch == MAGIC_PAD_VAL).all(-1) & np.isfinite(batch).all(-1)]
        if len(seen) == 0:
            continue
        t += 1
        w = NORM_BETA / (1.0 - (1.0 - NORM_BETA) ** t)
        mu = (1.0 - w) * mu + w * seen.mean(0)
        nu = (1.0 - w) * nu + w * (seen**2).mean(0)
    return {"mu": mu, "nu": nu, "_t": np.array([float(t)])}


def normalise_model(stats: Mapping[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """sigma = clip(sqrt(nu - mu^2 + 1e-5), 1e-3, 1e6); (x - mu) / sigma clipped to
    +-1e4 where sigma > 0.01, else x - mu."""
    mu, nu = stats["mu"], stats["nu"]
    sigma = np.clip(np.nan_to_num(np.sqrt(nu - mu**2 + 1e-5)), 1e-3, 1e6)
    return np.where(sigma > 0.01, np.clip((x - mu) / sigma, -1e4, 1e4), x - mu)
