"""Vectorized layer stacks.

``ParallelSequential`` runs maximal runs of batch-norm-free ``ParallelFC`` layers in the
replica-major layout ``[n, B, d]``: one transpose in, one ``baddbmm`` per layer, one
transpose out, where a layer-by-layer evaluation would transpose around every GEMM.
"""

from __future__ import annotations

from optimized.alf.layers import ParallelFC
from optimized.twin import Twin
from reference.alf import sequential as ref
from reference.alf.network import Network
from reference.specs import Nest


class ParallelSequential(Twin, ref.ParallelSequential):
    """The replicated stack with its BN-free ``ParallelFC`` runs in the replica-major layout
    (module doc): one transpose in and out per run instead of one around every GEMM."""

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
