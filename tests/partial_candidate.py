"""A candidate that covers part of the catalog, and part of one entry.

* ``alf.EncodingNetwork``: optimized's, declining image inputs (``conv_layer_params``) with
  ``NotImplementedError``: those examples count as *unsupported*, the others are checked;
* ``alf.ParallelEncodingNetwork``: the reference's own object, so cells that compare the
  candidate with the reference read *same as reference*;
* ``alf.ImageEncodingNetwork``: declines every config (all its examples unsupported);
* no ``alf.SimpleActionEncoder``: *not provided*.
"""

from types import SimpleNamespace
from typing import Any

import optimized.alf
import reference.alf


class FcOnlyEncodingNetwork(optimized.alf.EncodingNetwork):
    def __init__(self, *args: Any, conv_layer_params: Any = None, **kwargs: Any):
        if conv_layer_params:
            raise NotImplementedError("convolutional encoders are not implemented")
        super().__init__(*args, **kwargs)


class NoImageEncodingNetwork:
    def __init__(self, *args: Any, **kwargs: Any):
        raise NotImplementedError("image encoders are not implemented")


alf = SimpleNamespace(
    EncodingNetwork=FcOnlyEncodingNetwork,
    ParallelEncodingNetwork=reference.alf.ParallelEncodingNetwork,
    ImageEncodingNetwork=NoImageEncodingNetwork,
    EmbeddingPreprocessor=optimized.alf.EmbeddingPreprocessor,
    FC=optimized.alf.FC,
    NestConcat=optimized.alf.NestConcat,
)
