"""What the performance work of issue 10 changed, pinned beside the property suite: the
sliced Jacobian chain of the optimized ReluMLP (batches above its 1 MiB slice, which the
properties' small configs never reach) equals the reference's; every row of the targets
table names a bench case, mode and baseline; and the FLOPs credited to the fused recurrent
unrolls of issue 13 are those the reference's step loop is counted to do."""

from __future__ import annotations

import pytest
import torch

from benchmarks.targets import TARGETS, credited_flops
from benchmarks.timing import count_flops
from benchmarks.workload import case_inputs, timed_in_parallel, workload
from properties.candidate import Impl
from properties.catalog import CATALOG


def test_sliced_jacobian_chain_equals_the_reference() -> None:
    entry = CATALOG["alf.ReluMLP"]
    case = next(c for c in entry.bench.cases if c.label == "jac 64-256-256-64 B=256")
    optimized = entry.build(Impl("optimized"), case.cfg)
    reference = entry.build(Impl("reference"), case.cfg)
    reference.load_state_dict(optimized.state_dict())
    x = case_inputs(entry, case, torch.device("cpu"))[:40]  # 40 rows: slices of 16, 16, 8
    with torch.no_grad():
        for idx in (None, [0, 5, 63]):
            got = optimized.compute_jac(x, output_partial_idx=idx)
            want = reference.compute_jac(x, output_partial_idx=idx)
            torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_every_target_names_a_case_mode_and_baseline() -> None:
    for entry_name, label, mode, baseline, _ in TARGETS:
        entry = CATALOG[entry_name]
        case = next(c for c in entry.bench.cases if c.label == label)
        assert mode in case.modes
        assert baseline in ("reference", "vmap", *entry.bench.peers)
        if baseline == "vmap":  # the built-in peer: n replicas under torch.func.vmap
            assert timed_in_parallel(entry, case), (entry_name, label)


@pytest.mark.parametrize("name", ["alf.GRUCell", "alf.LSTMCell"])
@pytest.mark.parametrize("mode", ["fwd", "fwd+bwd"])
def test_credited_rnn_flops_are_the_reference_loops_gemms(name: str, mode: str) -> None:
    """The FLOPs credited to the fused unrolls (which FlopCounterMode cannot see) are those
    the reference's step loop is counted to do."""
    entry = CATALOG[name]
    case = next(c for c in entry.bench.cases if c.label == "T=100,B=1")
    reference = workload(entry, case, "reference", mode, torch.device("cpu"))
    optimized = workload(entry, case, "optimized", mode, torch.device("cpu"))
    assert credited_flops(case, mode, optimized) == count_flops(reference.step)


@pytest.mark.parametrize("name", ["alf.CriticRNNNetwork", "alf.ValueRNNNetwork"])
def test_credited_fc_lstm_flops_are_the_reference_loops_gemms(name: str) -> None:
    """Issue 22's recurrent critic and value unrolls: the FLOPs credited to the fused path are
    those the reference's step loop is counted to do (fwd+bwd, the case's mode)."""
    entry = CATALOG[name]
    (case,) = entry.bench.cases
    reference = workload(entry, case, "reference", "fwd+bwd", torch.device("cpu"))
    optimized = workload(entry, case, "optimized", "fwd+bwd", torch.device("cpu"))
    assert credited_flops(case, "fwd+bwd", optimized) == count_flops(reference.step)


@pytest.mark.parametrize("mode", ["fwd", "fwd+bwd"])
def test_declared_param_conv_flops_are_the_reference_loops(mode: str) -> None:
    """Issue 23's ParamConvNet: the FLOPs declared from the case's shapes are those counted in
    the reference's loop of per-group convolutions (FlopCounterMode overcounts the weight
    gradient of the optimized grouped convolution by the group count)."""
    entry = CATALOG["alf.ParamConvNet"]
    (case,) = entry.bench.cases
    assert case.flops is not None
    reference = workload(entry, case, "reference", mode, torch.device("cpu"))
    assert case.flops[mode] == count_flops(reference.step)


@pytest.mark.parametrize(
    "name",
    ["alf.ImageDecodingNetwork", "alf.ImageDecodingNetworkV2", "alf.AutoShapeImageDeconvNetwork"],
)
@pytest.mark.parametrize("mode", ["fwd", "fwd+bwd"])
def test_declared_parallel_decoder_flops_are_the_reference_loops(name: str, mode: str) -> None:
    """Issue 23's parallel decoders (n=8): the FLOPs declared from the layer shapes are those
    counted in the reference's loop over the replicas (FlopCounterMode overcounts the weight
    gradients of the optimized grouped convolutions by n)."""
    entry = CATALOG[name]
    case = next(c for c in entry.bench.cases if c.label == "B=16,n=8")
    assert case.flops is not None
    reference = workload(entry, case, "reference", mode, torch.device("cpu"))
    assert case.flops[mode] == count_flops(reference.step)
