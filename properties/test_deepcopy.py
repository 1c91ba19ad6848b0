"""deepcopy (hardening): ``copy.deepcopy`` works at any time (contract item 7), also right
after a call whose autograd graph is still alive (floating inputs that require gradients, in
eval and in training mode). That is when an object that keeps a tensor of its last call with
the call's graph attached (a recorded activation, a cached intermediate) cannot be copied:
torch copies graph leaves only. The copy, in eval mode, computes what the original computes,
same seed, same inputs. Checked for the reference and the candidate. The spec documents do
not ask for this; twinnet adds it."""

from __future__ import annotations

import copy
from typing import Any

import torch

from properties.compare import same_values
from properties.harness import Subject, spec_property
from properties.kinds.base import set_training
from reference.specs import flatten, map_structure


def _same(a: Any, b: Any) -> bool:
    """Equal tensors, NaN matching NaN; anything else is not compared."""
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return True
    return a.shape == b.shape and a.dtype == b.dtype and bool(same_values(a, b).all())


def _live(x: Any) -> Any:
    """``x`` with its floating tensors as fresh leaves that require gradients."""
    return map_structure(
        lambda t: (
            t.detach().clone().requires_grad_()
            if isinstance(t, torch.Tensor) and t.is_floating_point()
            else t
        ),
        x,
    )


@spec_property
def test_deepcopy(subject: Subject, data) -> None:
    case = subject.draw(data, min_batch=2)
    x = subject.inputs(case)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, seed=case.seed)
        for training in (False, True):
            set_training(net, training)
            mode = "training" if training else "eval"
            with torch.enable_grad():
                alive = subject.observe(net, _live(x), case)  # its graph lives until the copy
                try:
                    twin = copy.deepcopy(net)
                except Exception as error:
                    raise AssertionError(
                        f"{impl}: copy.deepcopy right after a {mode}-mode call with gradients "
                        f"raised {type(error).__name__}: {error}"
                    ) from error
            del alive
            set_training(net, False)
            set_training(twin, False)
            with torch.no_grad():
                want, got = subject.observe(net, x, case), subject.observe(twin, x, case)
            for w, g in zip(flatten(want), flatten(got)):
                assert _same(w, g), (
                    f"{impl}: the copy made after a {mode}-mode call computes other results "
                    "than the original"
                )
