"""ALF's containers: the spec's examples, upstream's state_dict keys, and AMPWrapper's
autocast on CUDA (when present)."""

from __future__ import annotations

import pytest
import torch

import optimized.alf
import reference.alf
from reference.specs import TensorSpec

PACKAGES = [reference.alf, optimized.alf]


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_sequential_example_2(alf) -> None:
    """``Sequential(m1, a=m2, b=(('input', 'a'), m3), output=('a', 'b'))``."""
    m1, m2 = alf.FC(3, 4, torch.tanh), alf.GRUCell(4, 2)
    m3 = alf.Sequential(
        alf.NestConcat(), alf.FC(5, 1), input_tensor_spec=(TensorSpec((3,)), TensorSpec((2,)))
    )
    net = alf.Sequential(m1, a=m2, b=(("input", "a"), m3), output=("a", "b"))
    x, h = torch.randn(2, 3), torch.randn(2, 2)
    (a, b), state = net(x, ((), h, ()))
    want_a, want_h = m2(m1(x), h)
    torch.testing.assert_close(a, want_a)
    torch.testing.assert_close(b, m3((x, want_a))[0])
    assert state[0] == () and state[2] == ()
    torch.testing.assert_close(state[1], want_h)
    assert next(iter(net.state_dict())) == "_nets.0._weight"


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_upstream_state_dict_keys(alf) -> None:
    spec = TensorSpec((3,))
    branch = alf.Branch(a=alf.FC(3, 2), b=alf.GRUCell(3, 2))
    assert list(branch.state_dict())[:2] == ["_nets.a._module._weight", "_nets.a._module._bias"]
    assert "_nets.b._cell.weight_ih" in branch.state_dict()
    single = alf.Parallel(alf.LSTMCell(3, 2))
    assert next(iter(single.state_dict())) == "_networks._cell.weight_ih"
    residue = alf.Residue(alf.FC(3, 3), spec)
    assert list(residue.state_dict()) == ["_block._module._weight", "_block._module._bias"]
    amp = alf.AMPWrapper(False, alf.GRUCell(3, 2))
    assert next(iter(amp.state_dict())) == "_net._cell.weight_ih"
    assert amp.name == "GRUCell"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_amp_wrapper_on_cuda(alf) -> None:
    inner = alf.Sequential(alf.FC(3, 4), input_tensor_spec=TensorSpec((3,)))
    x = torch.randn(2, 3, device="cuda")
    on = alf.AMPWrapper(True, inner).cuda()
    assert on(x, ())[0].dtype == torch.float16
    off = alf.AMPWrapper(False, inner).cuda()
    with torch.autocast("cuda"):
        assert off(x, ())[0].dtype == torch.float32


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_amp_wrapper_on_cpu_is_the_network(alf) -> None:
    inner = alf.GRUCell(3, 2)
    x, h = torch.randn(2, 3), torch.randn(2, 2)
    y, _s = alf.AMPWrapper(True, inner)(x, h)
    torch.testing.assert_close(y, inner(x, h)[0])
