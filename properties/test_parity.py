"""parity: candidate == reference with shared weights, float32 and float64, in eval and in
training mode: the outputs, the new state and the persistent buffers a training step
changes (batch-norm statistics), within the condition-aware tolerance of
``properties.compare``. A stochastic entry is compared on its deterministic part, its noise
made explicit as zero through the kind (``Kind.deterministic``); its noise has laws of its
own, checked by distribution."""

import torch

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import floating_buffers, set_training


@spec_property
def test_parity(subject: Subject, dtype: torch.dtype, device: str, data) -> None:
    case = subject.draw(data, min_batch=2)
    ref, cand = subject.twins(case, dtype, device)
    x = subject.inputs(case, dtype, device)

    def observed(net, x):
        with torch.no_grad():
            return {"call": subject.observe(net, x, case), "buffers": floating_buffers(net)}

    for training in (False, True):
        set_training(ref, training)
        set_training(cand, training)
        expected = expect(observed, (ref, x), dtype)
        mode = "training" if training else "eval"
        assert_expected(observed(cand, x), expected, f"{subject.name} ({mode} mode)")
