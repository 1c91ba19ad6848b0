"""Catalog entries of ``alf.networks.relu_mlp``: ReluMLP and its SimpleFC layer.

``ReluMLP`` is an ALF network with closed-form Jacobians (the ``jacobian`` property checks
them against autograd). ``SimpleFC`` is an ``nn.Linear`` called as ``layer(x)``; its
observation includes the pre-activation it records (``hidden_neurons``, in the spec).

Benchmark cases time a Jacobian method (``cfg['op']``: ``jac`` or ``jac_diag``) rather than
the forward pass; peers: ``vmap_jacrev`` (``torch.func.vmap(jacrev(f))`` of the given
implementation's plain forward, its diagonal for ``jac_diag``) and ``jac_then_diag`` (the
given implementation's ``compute_jac`` followed by ``torch.diagonal``; ``jac_diag`` cases
only).
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from hypothesis import strategies as st
from torch import nn

from properties import strategies as S
from properties.candidate import Impl
from properties.entry import BadConfig, Bench, BenchCase, Entry, NotApplicable
from properties.kinds.jacobian import JacobianNetwork
from properties.kinds.layer import Layer
from properties.specs import alf_specs
from reference.specs import Nest, TensorSpec

NO_PARALLEL = "the spec gives ReluMLP no parallel form of its own"

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


def build_relu_mlp(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ReluMLP(
        alf_specs(impl, cfg["input_tensor_spec"]), cfg["output_size"], cfg["hidden_layers"]
    )


def relu_mlp_output_size(cfg: dict) -> int:
    """The spec's default output size is the input's."""
    size = cfg["output_size"]
    return cfg["input_tensor_spec"].shape[0] if size is None else size


def relu_mlp_first_bias(cfg: dict) -> str:
    """Upstream's state_dict key of the first layer's bias (``_fc_layers``, SimpleFCs)."""
    return "_fc_layers.0.bias"


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


def vmap_jacrev_peer(impl: Impl, cfg: dict) -> nn.Module:
    """``torch.func`` on ``impl``'s network (the benchmarks pass the reference)."""
    return VmapJacrev(build_relu_mlp(impl, cfg))


def jac_then_diag_peer(impl: Impl, cfg: dict) -> nn.Module:
    """``impl``'s ``compute_jac`` then ``torch.diagonal`` (``jac_diag`` cases only: for other
    ops it would be the implementation itself)."""
    if cfg.get("op") != "jac_diag":
        raise NotApplicable("jac_then_diag times the jac_diag cases only")
    return JacThenDiag(build_relu_mlp(impl, cfg))


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


def _relu_mlp_bench() -> Bench:
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

    return Bench(
        (
            case("jac", (256, 256), 256),
            case("jac", (256, 256), 16),
            case("jac_diag", (256, 256), 256),
            case("jac_diag", (64, 64), 256),
            case("jac_diag", (256,), 256),
        ),
        peers={"vmap_jacrev": vmap_jacrev_peer, "jac_then_diag": jac_then_diag_peer},
    )


def _relu_mlp(impl: Impl, spec: TensorSpec, *args: Any) -> Any:
    return impl.alf.ReluMLP(alf_specs(impl, spec), *args)


_RELU_MLP_BAD = (
    BadConfig(
        "2-D input spec", lambda impl: _relu_mlp(impl, TensorSpec((2, 3))), ValueError, "1-D"
    ),
    BadConfig(
        "output_size 0",
        lambda impl: _relu_mlp(impl, TensorSpec((3,)), 0),
        ValueError,
        "output_size",
    ),
    BadConfig(
        "a hidden layer of 0 units",
        lambda impl: _relu_mlp(impl, TensorSpec((3,)), 2, (4, 0)),
        ValueError,
        "hidden_layers",
    ),
    BadConfig(
        "hidden_layers as an int",
        lambda impl: _relu_mlp(impl, TensorSpec((3,)), 2, 4),
        TypeError,
        "hidden_layers",
    ),
    BadConfig(
        "integer input spec",
        lambda impl: _relu_mlp(impl, TensorSpec((3,), torch.int64)),
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


def build_simple_fc(impl: Impl, cfg: dict) -> Any:
    return impl.alf.SimpleFC(
        cfg["input_size"], cfg["output_size"], S.resolve_activation(cfg["activation"])
    )


_SIMPLE_FC_BAD = (
    BadConfig("input_size 0", lambda impl: impl.alf.SimpleFC(0, 3), ValueError, "input_size"),
    BadConfig("output_size -1", lambda impl: impl.alf.SimpleFC(2, -1), ValueError, "output_size"),
)


#: Configs whose initializers depend on the fan-in of every layer (``nn.Linear``'s default):
#: the init property checks them in every profile.
RELU_MLP_FAN_IN = {"input_tensor_spec": TensorSpec((7,)), "output_size": 3, "hidden_layers": (9, 5)}
SIMPLE_FC_FAN_IN = {"input_size": 7, "output_size": 9, "activation": "relu"}


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.ReluMLP",
            JacobianNetwork(
                output_size=relu_mlp_output_size,
                hidden=lambda cfg: tuple(cfg["hidden_layers"]),
                first_bias=relu_mlp_first_bias,
            ),
            relu_mlp_configs,
            build_relu_mlp,
            left_out={"parallel": NO_PARALLEL},
            bad_configs=_RELU_MLP_BAD,
            examples=(RELU_MLP_FAN_IN,),
            bench=_relu_mlp_bench(),
        ),
        Entry(
            "alf.SimpleFC",
            Layer(
                in_size=lambda cfg: cfg["input_size"],
                out_size=lambda cfg: cfg["output_size"],
                recorded=("hidden_neurons",),
            ),
            simple_fc_configs,
            build_simple_fc,
            bad_configs=_SIMPLE_FC_BAD,
            examples=(SIMPLE_FC_FAN_IN,),
        ),
    ]
