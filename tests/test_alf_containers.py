"""ALF's containers: the spec's examples, upstream's state_dict keys, and AMPWrapper's
autocast on CUDA (when present)."""

from __future__ import annotations

import pytest
import torch

import optimized.alf
import reference.alf
from reference.alf.replicas import replica_state, stack_replica_states
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


def _keys(net: torch.nn.Module) -> dict[str, list[int]]:
    return {k: list(v.shape) for k, v in net.state_dict().items()}


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_parallel_sequential_keys_are_upstreams(alf) -> None:
    """A function member takes a ``_nets`` slot in the parallel form (a naive parallel layer
    without tensors), a module without ``make_parallel`` becomes n fresh copies; the keys
    and shapes were printed by upstream ALF @23aca49 for the same networks."""
    spec = TensorSpec((3,))
    net = alf.Sequential(torch.tanh, alf.LSTMCell(3, 2), input_tensor_spec=spec)
    cell = {"weight_ih": [8, 3], "weight_hh": [8, 2], "bias_ih": [8], "bias_hh": [8]}
    assert _keys(net.make_parallel(2)) == {
        f"_nets.1._networks.{i}._cell.{k}": s for i in range(2) for k, s in cell.items()
    }
    net = alf.Sequential(torch.nn.Linear(3, 2), alf.FC(2, 2), input_tensor_spec=spec)
    assert _keys(net.make_parallel(2)) == {
        "_nets.0._networks.0.weight": [2, 3],
        "_nets.0._networks.0.bias": [2],
        "_nets.0._networks.1.weight": [2, 3],
        "_nets.0._networks.1.bias": [2],
        "_nets.1._weight": [2, 2, 2],
        "_nets.1._bias": [2, 2],
    }


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_parallel_sequential_replicas_move_by_rank(alf) -> None:
    """Weights move between the parallel Sequential and its replicas although a function
    shifts the parallel ``_nets`` numbers; replica i computes the parallel network's slot i."""
    spec = TensorSpec((3,))
    single = alf.Sequential(
        torch.tanh, torch.nn.Linear(3, 3), torch.relu, alf.GRUCell(3, 2), input_tensor_spec=spec
    )
    parallel = single.make_parallel(2)
    replicas = [single.copy() for _ in range(2)]
    parallel.load_state_dict(
        stack_replica_states(parallel.state_dict(), [r.state_dict() for r in replicas])
    )
    x, h = torch.randn(4, 2, 3), torch.randn(4, 2, 2)
    y, (_, _, _, h1) = parallel(x, ((), (), (), h))
    for i, replica in enumerate(replicas):
        y_i, (_, _, _, h1_i) = replica(x[:, i], ((), (), (), h[:, i]))
        torch.testing.assert_close(y[:, i], y_i)
        torch.testing.assert_close(h1[:, i], h1_i)
        back = replica_state(parallel.state_dict(), single.state_dict(), i, 2)
        assert back.keys() == replica.state_dict().keys()
        for k, v in back.items():
            torch.testing.assert_close(v, replica.state_dict()[k])


def _naive(prefix: str, n: int, shapes: dict[str, list[int]]) -> dict[str, list[int]]:
    """The keys of a ``NaiveParallelLayer`` of n copies held at ``prefix``."""
    return {f"{prefix}._networks.{i}.{k}": s for i in range(n) for k, s in shapes.items()}


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_parallel_wrapped_module_keys_are_upstreams(alf) -> None:
    """A wrapped module without ``make_parallel`` (``nn.Linear``, ``nn.Sequential``) becomes
    a NetworkWrapper around a naive parallel layer (``_module._networks.<i>.``), in a
    Branch and a Parallel too; keys and shapes printed by upstream ALF @23aca49."""
    spec = TensorSpec((3,))
    linear = lambda k: {"weight": [k, 3], "bias": [k]}  # noqa: E731
    wrapper = alf.NetworkWrapper(torch.nn.Linear(3, 4), spec).make_parallel(3)
    assert _keys(wrapper) == _naive("_module", 3, linear(4))
    assert wrapper.input_tensor_spec == TensorSpec((3, 3))
    body = torch.nn.Sequential(alf.FC(3, 4), torch.nn.Linear(4, 2))
    inner = {"0._weight": [4, 3], "0._bias": [4], "1.weight": [2, 4], "1.bias": [2]}
    assert _keys(alf.NetworkWrapper(body, spec).make_parallel(2)) == _naive("_module", 2, inner)
    assert _keys(alf.NetworkWrapper(torch.tanh, spec).make_parallel(2)) == {}
    branch = alf.Branch(
        torch.nn.Linear(3, 2), alf.FC(3, 2), torch.nn.Linear(3, 4), input_tensor_spec=spec
    )
    assert _keys(branch.make_parallel(2)) == {
        **_naive("_nets.0._module", 2, linear(2)),
        "_nets.1._module._weight": [2, 2, 3],
        "_nets.1._module._bias": [2, 2],
        **_naive("_nets.2._module", 2, linear(4)),
    }
    parallel = alf.Parallel((torch.nn.Linear(3, 2), alf.FC(2, 2)), (spec, TensorSpec((2,))))
    assert _keys(parallel.make_parallel(2)) == {
        **_naive("_nets.0._module", 2, linear(2)),
        "_nets.1._module._weight": [2, 2, 2],
        "_nets.1._module._bias": [2, 2],
    }
    single = alf.Parallel(torch.nn.Linear(3, 2), spec).make_parallel(2)
    assert _keys(single) == _naive("_networks._module", 2, linear(2))


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_parallel_wrapped_module_replicas_move_both_ways(alf) -> None:
    """Replica i of a parallel Branch with wrapped ``nn.Linear`` members is copy i of each
    naive parallel layer: weights stack into the parallel form and split back unchanged, and
    replica i computes slot i (a parallel wrapper also on a shared ``[B, ...]`` input)."""
    spec = TensorSpec((3,))
    single = alf.Branch(
        a=torch.nn.Linear(3, 2), b=alf.FC(3, 2), c=torch.nn.Linear(3, 1), input_tensor_spec=spec
    )
    parallel = single.make_parallel(3)
    replicas = [single.copy() for _ in range(3)]
    parallel.load_state_dict(
        stack_replica_states(parallel.state_dict(), [r.state_dict() for r in replicas])
    )
    x = torch.randn(4, 3, 3)
    y = parallel(x)[0]
    for i, replica in enumerate(replicas):
        for name, y_i in replica(x[:, i])[0].items():
            torch.testing.assert_close(y[name][:, i], y_i)
        back = replica_state(parallel.state_dict(), single.state_dict(), i, 3)
        assert back.keys() == replica.state_dict().keys()
        for k, v in back.items():
            torch.testing.assert_close(v, replica.state_dict()[k])
    wrapper = alf.NetworkWrapper(torch.nn.Linear(3, 2), spec).make_parallel(3)
    y = wrapper(x[:, 0])[0]
    for i in range(3):
        torch.testing.assert_close(y[:, i], wrapper.replica(i)(x[:, 0])[0])


def test_naive_parallel_copies_are_fresh() -> None:
    """Each copy of a naive parallel layer is re-initialised (an ``nn.Sequential`` layer by
    layer, and again by the layer's own ``reset_parameters``); a module with parameters and
    no ``reset_parameters`` cannot be copied so."""
    body = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh())
    layer = reference.alf.NetworkWrapper(body, TensorSpec((3,))).make_parallel(2)._module
    weights = [body[0].weight] + [net[0].weight for net in layer._networks]
    assert all(not torch.equal(a, b) for a in weights for b in weights if a is not b)
    before = layer._networks[0][0].weight.clone()
    layer.reset_parameters()
    assert not torch.equal(before, layer._networks[0][0].weight)

    class Bare(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * self.w

    with pytest.raises(TypeError, match="reset_parameters"):
        reference.alf.NetworkWrapper(Bare(), TensorSpec((3,))).make_parallel(2)


def test_parallel_stateful_wrapper_slices_the_state() -> None:
    """A stateful wrapped module keeps upstream's layout, and each copy steps on its own
    slice of the state (upstream's naive layer takes no state, a deliberate deviation)."""

    class Cell(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = torch.nn.GRUCell(3, 2)

        def reset_parameters(self) -> None:
            self.cell.reset_parameters()

        def forward(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            h = self.cell(x, h)
            return torch.tanh(h), h

    wrapper = reference.alf.NetworkWrapper(Cell(), TensorSpec((3,)), TensorSpec((2,)))
    parallel = wrapper.make_parallel(2)
    assert parallel.state_spec == TensorSpec((2, 2))
    assert {k.split(".cell.")[0] for k in parallel.state_dict()} == {
        "_module._networks.0",
        "_module._networks.1",
    }
    x, h = torch.randn(4, 2, 3), torch.randn(4, 2, 2)
    y, h1 = parallel(x, h)
    for i in range(2):
        y_i, h1_i = parallel.replica(i)(x[:, i], h[:, i])
        torch.testing.assert_close(y[:, i], y_i)
        torch.testing.assert_close(h1[:, i], h1_i)


def test_optimized_input_check_is_the_references() -> None:
    """The optimized containers check the input once, with the reference's errors, and
    follow the parameters' dtype after ``.double()``."""
    spec = TensorSpec((3,))
    nets = [
        alf.Sequential(alf.FC(3, 2), alf.GRUCell(2, 2), input_tensor_spec=spec) for alf in PACKAGES
    ]
    bad = [torch.randn(2, 4), torch.randn(2, 3).double(), torch.ones(2, 3, dtype=torch.int64)]
    bad += [torch.randn(3), [torch.randn(2, 3)], (torch.randn(2, 3),)]
    state = ((), torch.zeros(2, 2))
    for x in bad:
        errors = []
        for net in nets:
            with pytest.raises((TypeError, ValueError)) as info:
                net(x, state)
            errors.append((info.type, str(info.value)))
        assert errors[0] == errors[1]
    reference, optimized = (net.double() for net in nets)
    optimized.load_state_dict(reference.state_dict())
    x, state = torch.randn(2, 3, dtype=torch.float64), ((), torch.zeros(2, 2).double())
    torch.testing.assert_close(optimized(x, state)[0], reference(x, state)[0])
    with pytest.raises(TypeError, match="float64"):
        optimized(x.float(), state)
