"""log_dict: calling with a dict as ``log_dict`` gives exactly the results of calling with
``log_dict=None``, in eval and in training mode, in the reference and in the candidate: the
same outputs (bit for bit, with the same ``requires_grad``), the same new state and the same
persistent buffers after the call (a training-mode call's statistics), with the call's
randomness seeded alike. Logging changes nothing. The spec names no log keys, so none is
required of the dict."""

from __future__ import annotations

import copy
from typing import Any

import torch

from properties.harness import Case, Subject, spec_property
from properties.kinds.base import device_of, floating_buffers, seeded, set_training
from reference.specs import Nest, assert_same_structure, flatten


def _identical(a: Nest, b: Nest, what: str) -> None:
    assert_same_structure(a, b, what)
    for i, (x, y) in enumerate(zip(flatten(a), flatten(b))):
        if not isinstance(x, torch.Tensor):
            assert x == y, f"{what}: leaf {i} is {y!r} with a log_dict, {x!r} without"
            continue
        assert isinstance(y, torch.Tensor) and x.shape == y.shape and x.dtype == y.dtype, (
            f"{what}: leaf {i} changed shape or dtype with a log_dict"
        )
        same = (x == y) | (torch.isnan(x) & torch.isnan(y)) if x.is_floating_point() else x == y
        assert bool(same.all()), f"{what}: leaf {i} differs with a log_dict"
        assert x.requires_grad == y.requires_grad, f"{what}: leaf {i} requires_grad differs"


def _results(subject: Subject, net: Any, x: Nest, case: Case, log: dict | None) -> Nest:
    """One seeded call of a copy of ``net``: its summarized outputs, new state and buffers."""
    kind = subject.kind
    net = copy.deepcopy(net)
    state = kind.initial_state(net, x, case.cfg)
    with seeded(case.seed, device_of(x)):
        outputs, new_state = kind.call_with_log(net, x, state, log)
        summary = kind.summarize(net, outputs, case.cfg)
    return {"output": summary, "state": new_state, "buffers": floating_buffers(net)}


@spec_property
def test_log_dict(subject: Subject, data) -> None:
    case = subject.draw(data, min_batch=2)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, seed=case.seed, perturbed=True)
        x = subject.inputs(case)
        for training in (False, True):
            set_training(net, training)
            plain = _results(subject, net, x, case, None)
            logged = _results(subject, net, x, case, {})
            mode = "training" if training else "eval"
            _identical(plain, logged, f"{impl} ({mode} mode)")
