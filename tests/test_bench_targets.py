"""What the performance work of issue 10 changed, pinned beside the property suite: the
sliced Jacobian chain of the optimized ReluMLP (batches above its slice size, which the
properties' small configs never reach) equals the reference's; every row of the targets
table names a bench case, mode and baseline; and the FLOPs credited to the fused recurrent
unrolls of issue 13 are those the reference's step loop is counted to do."""

from __future__ import annotations

import pytest
import torch

from benchmarks.gemm_plan import Recorder, gemm_plan, record
from benchmarks.targets import TARGETS, credited_flops
from benchmarks.timing import count_flops
from benchmarks.workload import Workload, case_inputs, timed_in_parallel, workload
from optimized.alf import relu_mlp
from properties.candidate import Impl
from properties.catalog import CATALOG


def test_sliced_jacobian_chain_equals_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relu_mlp, "_SLICE_BYTES", 1 << 20)  # slices of 16 samples here
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


def test_gemm_plan_replays_the_calls_products_at_their_layouts() -> None:
    """The plan records every BLAS product and convolution of a call (forward and
    backward), with its operands' strides (a transposed or expanded operand stays so) and
    scalars, and replays them; its FLOPs are those of the products recorded."""
    w = torch.randn(5, 3, requires_grad=True)
    x = torch.randn(4, 3)
    stack = torch.randn(1, 3, 2).expand(6, 3, 2)
    kernel = torch.randn(2, 3, 3, 3, requires_grad=True)
    image = torch.randn(1, 3, 5, 5).contiguous(memory_format=torch.channels_last)

    def step() -> None:
        y = torch.addmm(torch.zeros(5), x, w.t(), beta=0.5)  # [4,3] x [3,5]
        z = torch.bmm(torch.randn(6, 4, 3), stack)  # [6,4,3] x [6,3,2]
        c = torch.nn.functional.conv2d(image, kernel, padding=1)
        (y.sum() + z.sum() + c.sum()).backward()  # w's gradient: one more product [5,4]x[4,3]

    plan = gemm_plan(record(Workload(step, (w, kernel), 0)))
    assert plan is not None and plan.count == 5
    convolutions = 2 * 2 * 3 * 9 * 25 * 2  # forward and the kernel's gradient
    assert plan.flops == 2 * 4 * 3 * 5 + 2 * 6 * 4 * 3 * 2 + 2 * 5 * 4 * 3 + convolutions
    recorder = Recorder()
    with recorder:
        step()
    calls = {packet.__name__: (layout, kwargs) for packet, layout, kwargs, _ in recorder.calls}
    assert sorted(calls) == ["addmm", "bmm", "convolution", "convolution_backward", "mm"]
    assert calls["addmm"][0][2].stride == (1, 3) and calls["addmm"][1] == {"beta": 0.5}
    assert calls["bmm"][0][1].stride == (0, 2, 1)  # the expanded operand's stride-0 batch
    assert calls["convolution"][0][0].stride == image.stride()  # channels-last kept
    plan.step()  # replays without error


def test_gemm_plan_of_a_call_without_products_is_none() -> None:
    recorder = record(Workload(lambda: torch.randn(3).exp(), (), 0))
    assert recorder is not None and recorder.ops == 2  # randn, exp
    assert gemm_plan(recorder) is None
