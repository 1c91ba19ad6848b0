"""The candidate of ``twinnet selfcheck``: ``optimized`` with one slowdown planted.

Its ``alf.EncodingNetwork`` applies its last FC layer a second time to its output; every
other name is ``optimized``'s own. On the self-check's encoder (``L`` equal 256-wide
layers on a 256-wide input) that is ``1/L`` more work, forward and backward alike.
"""

from __future__ import annotations

from types import SimpleNamespace

import optimized.alf
import optimized.amago
from optimized.alf import encoding, layers
from reference.specs import Nest


class EncodingNetwork(encoding.EncodingNetwork):
    """``optimized.alf.EncodingNetwork`` whose last FC layer runs twice."""

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        out, state = super().forward(inputs, state)
        last = [m for m in self.modules() if isinstance(m, layers.FC)][-1]
        return last(out), state


alf = SimpleNamespace(
    **{
        **{n: getattr(optimized.alf, n) for n in optimized.alf.__all__},
        "EncodingNetwork": EncodingNetwork,
    }
)
amago = SimpleNamespace(**{n: getattr(optimized.amago, n) for n in optimized.amago.__all__})
