"""Vectorized layer stacks.

Their per-call checks are compiled once (``optimized.alf.routing``): the input check of
``ParallelSequential`` and ``NestedModules`` and the replication of
``ReplicateInputForParallel`` are a few attribute reads where the reference walks the
nest and iterates every parameter for the float dtype (at B = 1 that walk costs as much
as the GEMMs).

``ParallelSequential`` runs maximal runs of batch-norm-free ``ParallelFC`` layers in the
replica-major layout ``[n, B, d]``: one transpose in, one ``baddbmm`` per layer, one
transpose out, where a layer-by-layer evaluation would transpose around every GEMM.
"""

from __future__ import annotations

from optimized.alf.layers import ParallelFC
from optimized.alf.routing import InputCheck, ReplicaCheck
from optimized.twin import Twin
from reference.alf import sequential as ref
from reference.alf.network import Network, replicate_input
from reference.specs import Nest, map_structure_up_to


class ParallelSequential(Twin, ref.ParallelSequential):
    """The replicated stack with its BN-free ``ParallelFC`` runs in the replica-major layout
    (module doc): one transpose in and out per run instead of one around every GEMM."""

    def fuse(self) -> None:
        self._check = InputCheck(self)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """The compiled input check, then the stack (module doc)."""
        self._check(inputs)
        return self.run(inputs), state

    def run(self, x: Nest) -> Nest:
        replica_major = False
        for element in self._networks:
            if isinstance(element, ParallelFC) and element._bn is None:
                if not replica_major:
                    x, replica_major = x.transpose(0, 1), True
                x = element.forward_nbd(x)
                continue
            if replica_major:
                x, replica_major = x.transpose(0, 1), False
            x = element(x)[0] if isinstance(element, Network) else element(x)
        if replica_major:
            x = x.transpose(0, 1)
        return x


class ReplicateInputForParallel(Twin, ref.ReplicateInputForParallel):
    """The input replicated by the compiled check (module doc), then the parallel stack."""

    def fuse(self) -> None:
        self._replicate = ReplicaCheck(self, self._single_spec, self._n)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """``[B, n, ...]`` (or a shared ``[B, ...]`` expanded) through the parallel stack."""
        x = self._replicate(inputs)
        if x is None:  # the reference's check decides, and raises its error
            x = replicate_input(
                self._single_spec, inputs, self._n, f"{self.name} input", self.float_dtype()
            )
        return self._pnet.run(x), state


class NestedModules(Twin, ref.NestedModules):
    """Each network on its part of the input, checked by the compiled check (module doc)."""

    def fuse(self) -> None:
        self._check = InputCheck(self)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """The reference's forward with the input checked by the compiled check."""
        self._check(inputs)
        out = map_structure_up_to(self._structure, lambda net, x: net(x)[0], self._leaves(), inputs)
        return out, state
