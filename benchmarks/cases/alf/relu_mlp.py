"""Benchmark cases of ``alf.ReluMLP``: a Jacobian method (``cfg['op']``: ``jac`` or
``jac_diag``) rather than the forward pass, with the FLOPs its math needs credited. Peers:
``vmap_jacrev`` (``torch.func.vmap(jacrev(f))`` of the given network) and ``jac_then_diag``
(the diagonal read off the full Jacobian)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch
from torch import nn

from properties.candidate import Impl
from properties.entry import Bench, BenchCase, NotApplicable, Target
from reference.specs import Nest, TensorSpec

TARGETS = {"jac 64-256-256-64 B=256": (Target("fwd", 1.5, "vmap_jacrev"),)}


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


def _jac_then_diag(build: Callable[[Impl, dict], nn.Module]) -> Callable[[Impl, dict], nn.Module]:
    """``impl``'s ``compute_jac`` then ``torch.diagonal`` (``jac_diag`` cases only: for other
    ops it would be the implementation itself)."""

    def peer(impl: Impl, cfg: dict) -> nn.Module:
        if cfg.get("op") != "jac_diag":
            raise NotApplicable("jac_then_diag times the jac_diag cases only")
        return JacThenDiag(build(impl, cfg))

    return peer


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


def relu_mlp_bench(build: Callable[[Impl, dict], nn.Module]) -> Bench:
    """Jacobians and their diagonals of 64-in, 64-out MLPs (``build``: the entry's); the
    target of issue 10: ``jac`` 64-256-256-64 at B=256, 1.5x ``vmap(jacrev)``."""

    def case(op: str, hidden: tuple[int, ...], batch: int) -> BenchCase:
        cfg = {
            "input_tensor_spec": TensorSpec((64,)),
            "output_size": 64,
            "hidden_layers": hidden,
            "op": op,
        }
        label = f"{op} 64-{'-'.join(map(str, hidden))}-64 B={batch}"
        flops = {"fwd": relu_mlp_flops(op, 64, hidden, 64, batch)}
        targets = TARGETS.get(label, ())
        return BenchCase(label, cfg, batch, modes=("fwd",), flops=flops, targets=targets)

    return Bench(
        (
            case("jac", (256, 256), 256),
            case("jac", (256, 256), 16),
            case("jac_diag", (256, 256), 256),
            case("jac_diag", (64, 64), 256),
            case("jac_diag", (256,), 256),
        ),
        peers={
            # torch.func on the given implementation's network (the benchmarks pass the reference)
            "vmap_jacrev": lambda impl, cfg: VmapJacrev(build(impl, cfg)),
            "jac_then_diag": _jac_then_diag(build),
        },
    )
