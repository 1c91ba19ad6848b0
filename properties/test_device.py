"""device: CPU == CUDA for the same weights and inputs (skipped without CUDA), within the
condition-aware tolerance of the CPU evaluation."""

import copy

import pytest
import torch

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import moved, to_device


@spec_property
def test_device(subject: Subject, dtype: torch.dtype, data) -> None:
    if not torch.cuda.is_available():
        pytest.skip("CUDA is not available")
    case = subject.draw(data)
    net = subject.build(subject.candidate, case.cfg, dtype, seed=case.seed, perturbed=True)
    x = subject.inputs(case, dtype)

    def observed(net, x):
        with torch.no_grad():
            return subject.observe(net, x, case)

    expected = expect(observed, (net, x), dtype)
    gpu = observed(moved(copy.deepcopy(net), "cuda"), to_device(x, "cuda"))
    assert_expected(to_device(gpu, "cpu"), expected, f"{subject.name} cuda vs cpu")
