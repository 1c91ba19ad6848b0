"""parity: candidate == reference with shared weights, float32 and float64, in eval and in
training mode: the outputs, the new state and the persistent buffers a training step
changes (batch-norm statistics), within the condition-aware tolerance of
``properties.compare``. A stochastic entry is compared on its deterministic part, its noise
made explicit as zero through the kind (``Kind.deterministic``); its noise has laws of its
own, checked by distribution.

A config that takes activations is compared a second time with every activation replaced
by one that is not elementwise (``strategies.mixing_activation``): the spec takes any
callable, and a candidate that applies an activation to another layout of the layer's
output (replicas, groups or heads side by side, the batch moved) computes another
function."""

import torch

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import floating_buffers, set_training
from properties.strategies import activations_replaced, mixing_activation


@spec_property
def test_parity(subject: Subject, dtype: torch.dtype, device: str, data) -> None:
    case = subject.draw(data, min_batch=2)
    x = subject.inputs(case, dtype, device)

    def observed(net, x):
        with torch.no_grad():
            return {"call": subject.observe(net, x, case), "buffers": floating_buffers(net)}

    def compare(ref, cand, what: str) -> None:
        for training in (False, True):
            set_training(ref, training)
            set_training(cand, training)
            expected = expect(observed, (ref, x), dtype)
            mode = "training" if training else "eval"
            assert_expected(observed(cand, x), expected, f"{subject.name} ({mode} mode{what})")

    compare(*subject.twins(case, dtype, device), "")
    with activations_replaced(mixing_activation) as replaced:
        twins = subject.twins(case, dtype, device)
    if replaced.resolved:
        compare(*twins, ", every activation a softmax over dims 1 and -1")
