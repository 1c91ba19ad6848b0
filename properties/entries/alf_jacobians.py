"""Catalog entries of ALF's ``jacobians`` family: ``ReluMLP`` and its ``SimpleFC`` layer.

``ReluMLP`` is ALF-shaped (``net(x) -> (y, state)``); its Jacobian methods are checked by
the ``jacobian`` property (``properties/test_jacobian.py``). ``SimpleFC`` is an
``nn.Linear`` called as ``layer(x)``: its entry declares its specs, compares its output
together with the pre-activation it records (``hidden_neurons``), and lists its own bad
inputs (it takes any number of leading dims, like ``nn.Linear``).

Benchmark cases time a Jacobian method (``cfg['op']``: ``jac`` or ``jac_diag``) rather than
the forward pass; peers: ``vmap_jacrev`` (``torch.func.vmap(jacrev(f))`` of the reference
forward, its diagonal for ``jac_diag``) and ``jac_then_diag`` (the candidate's own
``compute_jac`` followed by ``torch.diagonal``; ``jac_diag`` cases only).
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from hypothesis import strategies as st
from torch import nn

from properties import strategies as S
from properties.entry import GENERIC, BadConfig, BenchCase, Entry, NotApplicable
from properties.impl import candidate
from reference.specs import Nest, TensorSpec, sample_nest

FAMILY = "jacobians"
OPS = ("jac", "jac_diag")

# --------------------------------------------------------------------------------------
# ReluMLP
# --------------------------------------------------------------------------------------


@st.composite
def relu_mlp_configs(draw: Any) -> dict:
    """Input 1..8; output None (= input), the input size, or 1..8, so that about two
    examples in three are square (``compute_jac_diag`` and transposition bugs need them);
    0..3 hidden layers of 1..12 units."""
    d = draw(st.integers(1, 8))
    output = draw(st.one_of(st.none(), st.just(d), st.integers(1, 8)))
    hidden = draw(st.lists(st.integers(1, 12), min_size=0, max_size=3).map(tuple))
    return {"input_tensor_spec": TensorSpec((d,)), "output_size": output, "hidden_layers": hidden}


def build_relu_mlp(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.ReluMLP(cfg["input_tensor_spec"], cfg["output_size"], cfg["hidden_layers"])


def relu_mlp_inputs(
    net: Any, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
) -> torch.Tensor:
    """Standard-normal ``[B, D]`` from the config's spec (the benchmark peers wrap the
    network, so the spec is not read off ``net``)."""
    return sample_nest(cfg["input_tensor_spec"], (batch,), generator, dtype)


def relu_mlp_timed(net: Any, inputs: torch.Tensor, cfg: dict) -> Nest:
    """What a benchmark step computes: ``cfg['op']`` of the network, else its forward."""
    op = cfg.get("op")
    if op == "jac":
        return net.compute_jac(inputs)
    if op == "jac_diag":
        return net.compute_jac_diag(inputs)
    return net(inputs)[0]


class VmapJacrev(nn.Module):
    """The generic autograd Jacobian: ``torch.func.vmap(jacrev(f))`` of a network's plain
    forward ``f(x) = net(x)[0]`` on one sample; ``compute_jac_diag`` is its diagonal."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def _f(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)[0]

    def compute_jac(self, inputs: torch.Tensor) -> torch.Tensor:
        return torch.func.vmap(torch.func.jacrev(self._f))(inputs)

    def compute_jac_diag(self, inputs: torch.Tensor) -> torch.Tensor:
        return torch.diagonal(self.compute_jac(inputs), 0, -2, -1)

    def forward(self, inputs: torch.Tensor, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        return self.net(inputs, state)


class JacThenDiag(nn.Module):
    """``torch.diagonal(net.compute_jac(x))``: the diagonal read off the full Jacobian."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def compute_jac_diag(self, inputs: torch.Tensor) -> torch.Tensor:
        return torch.diagonal(self.net.compute_jac(inputs), 0, -2, -1)  # type: ignore[operator]

    def forward(self, inputs: torch.Tensor, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        return self.net(inputs, state)


def vmap_jacrev_peer(impl: Any, cfg: dict) -> nn.Module:
    """``torch.func`` on the reference network (``impl`` is the reference here)."""
    return VmapJacrev(build_relu_mlp(impl, cfg))


def jac_then_diag_peer(impl: Any, cfg: dict) -> nn.Module:
    """The candidate package's ``compute_jac`` then ``torch.diagonal`` (``jac_diag`` cases
    only: for other ops it is the candidate itself)."""
    if cfg.get("op") != "jac_diag":
        raise NotApplicable("jac_then_diag times the jac_diag cases only")
    return JacThenDiag(build_relu_mlp(candidate(), cfg))


def relu_mlp_flops(op: str, d: int, hidden: tuple[int, ...], out: int, batch: int) -> int:
    """FLOPs the math of ``op`` needs (2 per multiply-add): the forward pass that finds the
    ReLU masks, plus for ``jac`` the chain of products from its cheaper end, for
    ``jac_diag`` that chain without its last GEMM plus a row-wise contraction (one
    ``[H, D]`` product for one hidden layer). The reference forms the whole Jacobian for
    the diagonal, which is not work the diagonal needs."""
    sizes = [d, *hidden, out]
    forward = sum(a * b for a, b in itertools.pairwise(sizes))
    h = len(hidden)
    inner = sum(sizes[i] * sizes[i - 1] for i in range(2, h + 1))
    if op == "jac":
        from_output = out * sum(sizes[i] * sizes[i - 1] for i in range(1, h + 1))
        chain = min(from_output, d * (inner + sizes[h] * out)) if h else 0
    else:
        chain = 0 if h == 0 else d * sizes[1] if h == 1 else out * inner + d * sizes[1]
    return 2 * batch * (forward + chain)


def _relu_mlp_bench() -> tuple[BenchCase, ...]:
    def case(op: str, hidden: tuple[int, ...], batch: int) -> BenchCase:
        cfg = {
            "input_tensor_spec": TensorSpec((64,)),
            "output_size": 64,
            "hidden_layers": hidden,
            "op": op,
        }
        label = f"{op} 64-{'-'.join(map(str, hidden))}-64 B={batch}"
        flops = {"fwd": relu_mlp_flops(op, 64, hidden, 64, batch)}
        return BenchCase(label, cfg, batch, modes=("fwd",), flops=flops)

    return (
        case("jac", (256, 256), 256),
        case("jac", (256, 256), 16),
        case("jac_diag", (256, 256), 256),
        case("jac_diag", (64, 64), 256),
        case("jac_diag", (256,), 256),
    )


_RELU_MLP_BAD = (
    BadConfig(
        "2-D input spec",
        lambda impl: impl.alf.ReluMLP(TensorSpec((2, 3))),
        ValueError,
        "1-D",
    ),
    BadConfig(
        "output_size 0",
        lambda impl: impl.alf.ReluMLP(TensorSpec((3,)), 0),
        ValueError,
        "output_size",
    ),
    BadConfig(
        "a hidden layer of 0 units",
        lambda impl: impl.alf.ReluMLP(TensorSpec((3,)), 2, (4, 0)),
        ValueError,
        "hidden_layers",
    ),
    BadConfig(
        "hidden_layers as an int",
        lambda impl: impl.alf.ReluMLP(TensorSpec((3,)), 2, 4),
        TypeError,
        "hidden_layers",
    ),
    BadConfig(
        "integer input spec",
        lambda impl: impl.alf.ReluMLP(TensorSpec((3,), torch.int64)),
        TypeError,
        "floating",
    ),
)

# --------------------------------------------------------------------------------------
# SimpleFC
# --------------------------------------------------------------------------------------


@st.composite
def simple_fc_configs(draw: Any) -> dict:
    return {
        "input_size": draw(st.integers(1, 8)),
        "output_size": draw(st.integers(1, 8)),
        "activation": draw(S.activations()),
    }


def build_simple_fc(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.SimpleFC(
        cfg["input_size"], cfg["output_size"], S.resolve_activation(cfg["activation"])
    )


def simple_fc_inputs(
    net: Any, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
) -> torch.Tensor:
    return torch.randn((batch, cfg["input_size"]), generator=generator, dtype=dtype)


def simple_fc_outputs(net: Any, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The activation's output and the pre-activation the layer recorded."""
    y = net(x)
    return y, net.hidden_neurons


def simple_fc_input_spec(net: Any, cfg: dict) -> TensorSpec:
    return TensorSpec((cfg["input_size"],))


def simple_fc_output_spec(net: Any, cfg: dict) -> tuple[TensorSpec, TensorSpec]:
    return (TensorSpec((cfg["output_size"],)), TensorSpec((cfg["output_size"],)))


def simple_fc_bad_inputs(net: Any, cfg: dict, x: torch.Tensor) -> list:
    other = torch.float64 if x.dtype == torch.float32 else torch.float32
    bad: list = [
        ("last dim +1", torch.cat([x, x[..., :1]], -1), ValueError),
        ("as int32", x.to(torch.int32), TypeError),
        (f"as {other}", x.to(other), TypeError),
        ("tensor inside a list", [x], TypeError),
        ("0-d tensor", x.reshape(-1)[0], ValueError),
    ]
    if x.shape[-1] > 1:
        bad.append(("last dim -1", x[..., :-1], ValueError))
    return bad


_SIMPLE_FC_BAD = (
    BadConfig("input_size 0", lambda impl: impl.alf.SimpleFC(0, 3), ValueError, "input_size"),
    BadConfig("output_size -1", lambda impl: impl.alf.SimpleFC(2, -1), ValueError, "output_size"),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.ReluMLP",
            FAMILY,
            relu_mlp_configs,
            build_relu_mlp,
            GENERIC | {"jacobian"},
            inputs=relu_mlp_inputs,
            bad_configs=_RELU_MLP_BAD,
            bench=_relu_mlp_bench(),
            peers={"vmap_jacrev": vmap_jacrev_peer, "jac_then_diag": jac_then_diag_peer},
            timed=relu_mlp_timed,
        ),
        Entry(
            "alf.SimpleFC",
            FAMILY,
            simple_fc_configs,
            build_simple_fc,
            GENERIC,
            inputs=simple_fc_inputs,
            outputs=simple_fc_outputs,
            input_spec=simple_fc_input_spec,
            output_spec=simple_fc_output_spec,
            bad_inputs=simple_fc_bad_inputs,
            bad_configs=_SIMPLE_FC_BAD,
        ),
    ]
