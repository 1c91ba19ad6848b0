"""An auto-shape decoder that drops the output paddings it worked out (as if every
transposed convolution had ``output_padding=0``, the fixed-start decoder's setting): where
``H + 2P - K`` is not a multiple of the stride it decodes an image smaller than
``output_shape``."""

from typing import Any

from optimized.alf import decoding
from reference.alf.deconv import ConvTranspose2D
from tests.broken import candidate


class AutoShapeImageDeconvNetwork(decoding.AutoShapeImageDeconvNetwork):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for layer in self.modules():
            if isinstance(layer, ConvTranspose2D):
                layer._output_padding = (0, 0)


alf = candidate(AutoShapeImageDeconvNetwork=AutoShapeImageDeconvNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.AutoShapeImageDeconvNetwork", "decoded_shape"),
    ("alf.AutoShapeImageDeconvNetwork", "parity"),
]
