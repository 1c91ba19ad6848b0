"""ReluMLP / SimpleFC details the generic properties do not pin: the upstream layout and
conventions (state_dict keys, recorded pre-activations, flag precedence, the vjp reading of
a vec of the output size) and the reference's own Jacobians against ``torch.func``."""

from __future__ import annotations

import pytest
import torch

import optimized.alf as opt
import reference.alf as ref
from reference.specs import TensorSpec


def _twins(d: int, out: int | None, hidden: tuple[int, ...]) -> tuple[ref.ReluMLP, ref.ReluMLP]:
    torch.manual_seed(0)
    r = ref.ReluMLP(TensorSpec((d,)), out, hidden).double()
    o = opt.ReluMLP(TensorSpec((d,)), out, hidden).double()
    o.load_state_dict(r.state_dict())
    return r, o


def test_state_dict_layout_is_upstreams() -> None:
    net = ref.ReluMLP(TensorSpec((3,)), 2, (5, 4))
    shapes = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    assert shapes == {
        "_fc_layers.0.weight": (5, 3),
        "_fc_layers.0.bias": (5,),
        "_fc_layers.1.weight": (4, 5),
        "_fc_layers.1.bias": (4,),
        "_fc_layers.2.weight": (2, 4),
        "_fc_layers.2.bias": (2,),
    }
    assert list(opt.ReluMLP(TensorSpec((3,)), 2, (5, 4)).state_dict()) == list(shapes)
    assert ref.ReluMLP(TensorSpec((3,)), hidden_layers=()).output_size == 3


def test_simple_fc_records_pre_activation() -> None:
    assert opt.SimpleFC is ref.SimpleFC
    layer = ref.SimpleFC(3, 2, torch.relu)
    assert isinstance(layer, torch.nn.Linear)
    assert layer.hidden_neurons is None
    x = torch.randn(4, 3)
    y = layer(x)
    pre = x @ layer.weight.T + layer.bias
    torch.testing.assert_close(layer.hidden_neurons, pre)
    torch.testing.assert_close(y, pre.relu())
    assert layer(torch.randn(2, 5, 3)).shape == (2, 5, 2)  # any leading dims, like nn.Linear


@pytest.mark.parametrize("net_index", [0, 1])
def test_layers_record_pre_activations(net_index: int) -> None:
    net = _twins(3, 2, (4,))[net_index]
    x = torch.randn(5, 3, dtype=torch.float64)
    net.compute_jac(x)
    pre = x @ net[0].weight.T + net[0].bias
    torch.testing.assert_close(net[0].hidden_neurons, pre)


@pytest.mark.parametrize("hidden", [(), (4,), (3, 5), (2, 6, 3)])
@pytest.mark.parametrize("shape", [(3, None), (3, 5), (5, 2)])
def test_reference_and_optimized_match_torch_func(
    hidden: tuple[int, ...], shape: tuple[int, int | None]
) -> None:
    d, out = shape
    for net in _twins(d, out, hidden):
        n = net.output_size
        x = torch.randn(6, d, dtype=torch.float64)
        jac = torch.func.vmap(torch.func.jacrev(lambda x1, net=net: net(x1)[0]))(x)
        torch.testing.assert_close(net.compute_jac(x), jac)
        idx = [n - 1, 0, n - 1]
        torch.testing.assert_close(net.compute_jac(x, idx), jac[:, idx])
        torch.testing.assert_close(net.compute_jac(x[2], idx), jac[2, idx])
        if n == d:
            torch.testing.assert_close(net.compute_jac_diag(x), torch.diagonal(jac, 0, 1, 2))
        v, u = torch.randn(6, d, dtype=torch.float64), torch.randn(6, n, dtype=torch.float64)
        jvp, y = net.compute_jvp(x, v, idx)
        torch.testing.assert_close(jvp, torch.einsum("bki,bi->bk", jac[:, idx], v))
        torch.testing.assert_close(y, net(x)[0])
        vjp, _ = net.compute_vjp(x, u)
        torch.testing.assert_close(vjp, torch.einsum("bk,bki->bi", u, jac))


def test_vjp_vec_of_output_size_is_indexed() -> None:
    """Upstream's rule: with idx, a vec of the output size is read as ``vec[..., idx]``, also
    when ``len(idx)`` equals the output size."""
    for net in _twins(3, 3, (4,)):
        x, u = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 3, dtype=torch.float64)
        idx = [2, 2, 0]
        jac = net.compute_jac(x, idx)
        vjp, _ = net.compute_vjp(x, u, idx)
        torch.testing.assert_close(vjp, torch.einsum("bk,bki->bi", u[:, idx], jac))


def test_forward_flags_and_unbatched_results() -> None:
    for net in _twins(3, 3, (4, 2)):
        x = torch.randn(3, dtype=torch.float64)
        (y, jac), state = net(x, requires_jac=True, requires_jac_diag=True)  # jac wins
        assert state == () and y.shape == (3,) and jac.shape == (3, 3)
        (y, diag), _ = net(x, requires_jac_diag=True)
        assert diag.shape == (3,)
        torch.testing.assert_close(diag, torch.diagonal(jac))
        y2, _ = net(x)
        torch.testing.assert_close(y2, y)


def test_jacobians_are_differentiable_in_the_weights() -> None:
    r, o = _twins(3, 3, (4, 5))
    x = torch.randn(4, 3, dtype=torch.float64)
    for method in ("compute_jac", "compute_jac_diag"):
        grads = []
        for net in (r, o):
            loss = (getattr(net, method)(x) ** 2).sum()
            grads.append(torch.autograd.grad(loss, list(net.parameters()), allow_unused=True))
        for a, b in zip(*grads):
            if a is None or b is None:
                assert a is None or torch.count_nonzero(a) == 0
                assert b is None or torch.count_nonzero(b) == 0
            else:
                torch.testing.assert_close(b, a)


@pytest.mark.parametrize("hidden", [(3,), (4, 2), (2, 5, 3)])
@pytest.mark.parametrize("shape", [(3, None), (2, 6), (6, 2)])
@pytest.mark.parametrize("batch", [0, 1, 13])
def test_optimized_fold_and_chain_agree(
    hidden: tuple[int, ...], shape: tuple[int, int | None], batch: int
) -> None:
    """Batches of 13 take the folded top pair (``H_{h-1} <= B / 2``), 0 and 1 the stacked
    masked rows; both give the reference's numbers."""
    r, o = _twins(shape[0], shape[1], hidden)
    x = torch.randn(batch, shape[0], dtype=torch.float64)
    n = r.output_size
    idx = [n - 1, 0]
    torch.testing.assert_close(o.compute_jac(x), r.compute_jac(x))
    torch.testing.assert_close(o.compute_jac(x, idx), r.compute_jac(x, idx))
    if n == shape[0]:
        torch.testing.assert_close(o.compute_jac_diag(x), r.compute_jac_diag(x))
