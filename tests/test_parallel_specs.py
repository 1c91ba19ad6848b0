"""A parallel network reports the input spec upstream ALF reports (issue 12, seen with ALF
@23aca49): the single network's for ``NaiveParallelNetwork``, ``ParallelEncodingNetwork``,
``make_parallel(n, allow_non_parallel_input=True)``, the parallel projection networks and
``ParallelCategoricalProjectionNetwork``; ``[n, ...]`` for the plain
``EncodingNetwork.make_parallel(n)`` / ``ImageEncodingNetwork.make_parallel(n)`` stacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import optimized.alf
import reference.alf

N = 3
IMPLS = [reference.alf, optimized.alf]


def _cases(alf: Any) -> list[tuple[str, Callable[[], Any], tuple[int, ...]]]:
    x = alf.TensorSpec((4,))
    box = alf.BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)
    cats = alf.BoundedTensorSpec((2,), torch.int64, 0, 3)

    def encoder() -> Any:
        return alf.EncodingNetwork(x, fc_layer_params=(3,))

    return [
        ("NaiveParallelNetwork", lambda: alf.NaiveParallelNetwork(encoder(), N), (4,)),
        ("ParallelEncodingNetwork", lambda: alf.ParallelEncodingNetwork(x, N), (4,)),
        ("make_parallel(allow)", lambda: encoder().make_parallel(N, True), (4,)),
        ("make_parallel", lambda: encoder().make_parallel(N), (N, 4)),
        (
            "Image make_parallel",
            lambda: alf.ImageEncodingNetwork(2, (6, 6), ((2, 3, 1, 0),)).make_parallel(N),
            (N, 2, 6, 6),
        ),
        (
            "ParallelCategoricalProjectionNetwork",
            lambda: alf.ParallelCategoricalProjectionNetwork(4, cats, N),
            (4,),
        ),
        (
            "Categorical make_parallel",
            lambda: alf.CategoricalProjectionNetwork(4, cats).make_parallel(N),
            (4,),
        ),
        (
            "Normal make_parallel",
            lambda: alf.NormalProjectionNetwork(4, box).make_parallel(N),
            (4,),
        ),
        ("Beta make_parallel", lambda: alf.BetaProjectionNetwork(4, box).make_parallel(N), (4,)),
    ]


@pytest.mark.parametrize("alf", IMPLS, ids=lambda m: m.__name__)
def test_parallel_input_specs_are_upstreams(alf: Any) -> None:
    for what, build, shape in _cases(alf):
        got = tuple(build().input_tensor_spec.shape)
        assert got == shape, f"{what}: input_tensor_spec shape {got}, upstream's is {shape}"
