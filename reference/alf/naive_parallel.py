"""The parallel form of a module or function that has no ``make_parallel`` of its own.

ALF replicates such a member with ``alf.layers.NaiveParallelLayer``: n copies, each with
fresh parameters, called one after another on their slice of a ``[B, n, ...]`` input and
stacked on dim 1. ``NetworkWrapper.make_parallel`` and the parallel ``Sequential`` both
build it (``parallel_member``), so it lives below both of them.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from reference.specs import Nest, map_structure


def reset_parameters(module: nn.Module) -> None:
    """Re-initialise ``module`` in place by ALF's rule: its own ``reset_parameters()``, else
    each layer of an ``nn.Sequential``; a module with parameters and neither cannot be
    re-initialised (``TypeError``; upstream raises ``ValueError``)."""
    own = getattr(module, "reset_parameters", None)
    if callable(own):
        own()
    elif isinstance(module, nn.Sequential):
        for layer in module:
            reset_parameters(layer)
    elif any(True for _ in module.parameters()):
        raise TypeError(
            f"expected a module with reset_parameters() to replicate naively, got "
            f"{type(module).__name__}"
        )


def reset_copy(module: nn.Module) -> nn.Module:
    """A deep copy of ``module`` with fresh parameters (``reset_parameters``)."""
    copy = _copy.deepcopy(module)
    reset_parameters(copy)
    return copy


class NaiveParallelLayer(nn.Module):
    """n replicas of a module or function that has no ``make_parallel`` (ALF's
    ``alf.layers.NaiveParallelLayer``): ``y[:, i] = f_i(x[:, i])`` for ``x`` of shape
    ``[B, n, ...]``, replica by replica, stacked on dim 1. A module is copied n times with
    fresh parameters (``_networks.<i>``); a function is shared and holds no tensors.

    Every argument is sliced the same way, so a stateful module called as
    ``f_i(x[:, i], s[:, i]) -> (y_i, s_i')`` gives ``(y, s')`` stacked on dim 1. Upstream's
    layer takes the input only (a parallel stateful ``NetworkWrapper`` of a plain module
    fails at its first call there).
    """

    _networks: nn.ModuleList | list[Callable]

    def __init__(self, module: Callable, n: int):
        super().__init__()
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"NaiveParallelLayer: expected n as a positive int, got {n!r}")
        if isinstance(module, nn.Module):
            self._networks = nn.ModuleList([reset_copy(module) for _ in range(n)])
        else:
            self._networks = [module] * n
        self._n = n

    def forward(self, *args: Nest) -> Any:
        replicas: list[Callable] = list(self._networks)
        outputs = [
            f_i(*(map_structure(lambda x, i=i: x[:, i], a) for a in args))
            for i, f_i in enumerate(replicas)
        ]
        return map_structure(lambda *ys: torch.stack(ys, dim=1), *outputs)

    def reset_parameters(self) -> None:
        """Fresh parameters for every copy."""
        if isinstance(self._networks, nn.ModuleList):
            for copy in self._networks:
                reset_parameters(copy)


def parallel_member(module: Callable, n: int) -> Callable:
    """A member's parallel form: its own ``make_parallel(n)``, else a ``NaiveParallelLayer``."""
    if hasattr(module, "make_parallel"):
        return module.make_parallel(n)
    return NaiveParallelLayer(module, n)
