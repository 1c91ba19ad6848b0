"""Twins of the encoding networks (``optimized.twin``): the reference builds the stack, and
conversion swaps its layers for the fused ones (``FC``: one ``addmm``; ``Conv2D`` /
``ParallelConv2D``: one grouped convolution) and its parallel stack for the replica-major
``ParallelSequential`` (one ``bmm`` per layer for all replicas). State_dicts are the
reference's."""

from __future__ import annotations

import optimized.alf.sequential  # noqa: F401  (registers the ParallelSequential twin)
from optimized.alf.routing import InputCheck
from optimized.twin import Twin, converting
from reference.alf import encoding as ref
from reference.specs import Nest

__all__ = ["EncodingNetwork", "ImageEncodingNetwork", "ParallelEncodingNetwork"]


class ImageEncodingNetwork(Twin, ref.ImageEncodingNetwork):
    """Conv stack of fused conv layers; its parallel form is one grouped convolution per
    layer."""


class EncodingNetwork(Twin, ref.EncodingNetwork):
    """Encoder of fused FC layers, its input checked by the compiled check (a few attribute
    reads, not the reference's nest walk and parameter scan); its parallel form runs all
    replicas per layer as one batched GEMM."""

    def fuse(self) -> None:
        self._check = InputCheck(self)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """The compiled input check, then the stack."""
        self._check(inputs)
        return self.run(inputs), state


#: ``reference.alf.encoding.ParallelEncodingNetwork``, its result converted.
ParallelEncodingNetwork = converting(ref.ParallelEncodingNetwork)
