"""dist_logprob: the candidate's log-densities agree, in float64, with an independent formula:
the entry's model (scipy.stats, or a change of variables with autograd Jacobians for a
flow) of the reference distribution with the same weights, at

* probe points inside the support (the spec's ``log_prob`` of arbitrary values);
* the distribution's own fresh samples and reparameterised samples, passed back as the
  very tensors it returned (the cached path: a squashed or flow distribution may reuse
  their pre-image, and must give their exact density);
* clones of those samples (the inverse path);

and ``entropy`` agrees where the family has one in closed form. A sampled value is left out
of both sides where the model gives it no finite density (a sample rounded onto a bound)
or where its own rounding leaves its density undetermined at the contract's precision (a
sample next to a squashing bound: see :func:`comparable`). Tolerances are condition-aware
(``properties.compare``), in the precision the distribution computes in."""

from __future__ import annotations

import copy

import numpy as np
import torch

from properties.compare import CONDITION_FACTOR, assert_expected, expect, tolerance
from properties.distributions import rounding_scale, to_numpy
from properties.harness import Subject, spec_property
from properties.kinds.base import seeded
from properties.kinds.distribution import distributional

#: Draws of each sampler whose log-densities are checked.
DRAWS = 3


def _model_values(subject: Subject, net, x, cfg: dict, points, samples) -> dict:
    """The model's log-densities (and entropy) as float64 tensors."""
    kind = distributional(subject.kind)
    with torch.no_grad():
        model = kind.law.model(kind.distribution(net, x, cfg), cfg)
    out = {"probes": torch.as_tensor(model.log_prob(to_numpy(points)))}
    for key, y in samples.items():
        values = to_numpy(y)
        with np.errstate(all="ignore"):
            out[f"fresh {key}"] = torch.as_tensor(model.log_prob_of_samples(values))
            out[f"clone of {key}"] = torch.as_tensor(model.log_prob(values))
    if model.entropy is not None:
        out["entropy"] = torch.as_tensor(np.asarray(model.entropy, dtype=np.float64))
    return out


def comparable(
    subject: Subject, net, x, cfg: dict, points, samples, model: dict, dtype: torch.dtype
) -> dict:
    """Per sampled value: whether the model gives it a finite density that its own rounding
    leaves determined at the contract's precision (moving the sample by one ulp of the
    scale it is known at, ``rounding_scale``, moves the model value by at most
    ``(atol + rtol |value|) / CONDITION_FACTOR``). Next to a squashing bound a sample's
    density is as uncertain as its pre-image."""
    rtol, atol = tolerance(dtype)
    support = distributional(subject.kind).law.support(cfg)
    out = {k: torch.isfinite(v) for k, v in model.items() if k != "probes"}
    for sign in (1, -1):
        moved = {k: _moved(y, sign, support) for k, y in samples.items()}
        shifted = _model_values(subject, net, x, cfg, points, moved)
        for k, v in shifted.items():
            if k in ("probes", "entropy"):
                continue
            bound = (atol + rtol * model[k].abs()) / CONDITION_FACTOR
            out[k] = out[k] & ((v - model[k]).abs() <= bound)
    return out


def _moved(y: torch.Tensor, sign: int, support) -> torch.Tensor:
    """``y`` moved by one ulp of its rounding scale (category indices are exact)."""
    if not y.is_floating_point():
        return y
    return y + sign * torch.finfo(y.dtype).eps * rounding_scale(support, y)


@spec_property
def test_dist_logprob(subject: Subject, data) -> None:
    case = subject.draw(data)
    kind, cfg = distributional(subject.kind), case.cfg
    ref, cand = subject.twins(case, torch.float64)
    x = subject.inputs(case, torch.float64)
    with torch.no_grad():
        points = kind.probes(kind.distribution(ref, x, cfg), cfg)
        with seeded(case.seed):
            dist = kind.distribution(cand, x, cfg)
            got = {"probes": kind.log_prob(dist, points)}
            samples = {"sample": kind.samples(dist, DRAWS)}
            got["fresh sample"] = kind.log_prob(dist, samples["sample"])
            if kind.has_rsample(dist):
                samples["rsample"] = kind.rsamples(dist, DRAWS)
                got["fresh rsample"] = kind.log_prob(dist, samples["rsample"])
            for key, y in samples.items():
                got[f"clone of {key}"] = kind.log_prob(dist, y.clone())
        # on a copy: a model's autograd Jacobian may leave graphs in the transforms' caches,
        # which the copies ``expect`` makes of the reference could not copy
        copied = copy.deepcopy(ref)
        model = _model_values(subject, copied, x, cfg, points, samples)
        # the precision of the comparison is the distribution's own (a unit normal prior
        # of integer inputs stays float32)
        dtype = got["probes"].dtype
        masks = comparable(subject, copied, x, cfg, points, samples, model, dtype)
        if "entropy" in model:
            got["entropy"] = dist.entropy()

    def masked(values: dict) -> dict:
        return {
            k: torch.where(masks[k].to(v.device), v.double(), 0.0) if k in masks else v.double()
            for k, v in values.items()
        }

    expected = expect(
        lambda net, x, points, samples: masked(
            _model_values(subject, net, x, cfg, points, samples)
        ),
        (ref, x, points, samples),
        dtype,
    )
    assert_expected(masked(got), expected, f"{subject.name} log-densities vs the model")
