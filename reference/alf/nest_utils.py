"""Nest combiners: modules that turn a nest of tensors (or of specs) into one tensor."""

from __future__ import annotations

import torch
from torch import nn

from reference.specs import Nest, TensorSpec, flatten, is_nested, map_structure


class NestConcat(nn.Module):
    """Concatenate the leaves of a nest (sorted dict keys) along ``dim``.

    ``dim`` counts feature dims only (the batch dim is skipped), as in ALF; a non-negative
    ``dim`` is shifted past the outer dim. ``nest_mask`` (same structure, bools) keeps only
    the leaves where it is true. Called on a nest of specs it returns the combined spec.
    """

    def __init__(self, nest_mask: Nest | None = None, dim: int = -1, name: str = "NestConcat"):
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f"NestConcat dim must be an int, got {type(dim).__name__}")
        self._nest_mask = nest_mask
        self._dim = dim if dim < 0 else dim + 1
        self._name = name

    def _select(self, nest: Nest) -> list:
        leaves = flatten(nest)
        if self._nest_mask is None:
            return leaves
        mask = flatten(map_structure(lambda m, _: bool(m), self._nest_mask, nest))
        return [x for x, keep in zip(leaves, mask) if keep]

    def forward(self, nest: Nest):
        if not is_nested(nest) and not isinstance(nest, (torch.Tensor, TensorSpec)):
            raise TypeError(f"NestConcat expects a nest of tensors or specs, got {type(nest)}")
        selected = self._select(nest)
        if not selected:
            raise ValueError("NestConcat: nothing to concatenate (empty nest or all masked)")
        if isinstance(selected[0], TensorSpec):
            zeros = [s.zeros((1,)) for s in selected]
            return TensorSpec(tuple(torch.cat(zeros, self._dim).shape[1:]), selected[0].dtype)
        return torch.cat(selected, self._dim)

    def make_parallel(self, n: int) -> NestConcat:
        """Same concatenation on ``[B, n, ...]`` leaves (one more outer dim)."""
        parallel = NestConcat(self._nest_mask, name=self._name)
        parallel._dim = self._dim if self._dim < 0 else self._dim + 1
        return parallel
