"""A candidate that knows nothing of twinnet: plain torch and numpy, its own spec classes.

It provides ``alf.EncodingNetwork`` for flat inputs and FC layers only (other configs raise
``NotImplementedError`` at construction), ``alf.SimpleActionEncoder``, and the spec classes
``alf.TensorSpec`` / ``alf.BoundedTensorSpec``. Its spec classes share only the public
fields ``shape``, ``dtype``, ``minimum`` and ``maximum`` with twinnet's; the rest of their
API differs on purpose (no ``sample``, bounds as tensors, equality only within the class),
so a harness that relied on twinnet's spec API would break on it.

Use: ``twinnet verify --impl tests.candidates.foreign --entries
'alf.EncodingNetwork,alf.SimpleActionEncoder'``.
"""

from . import alf

__all__ = ["alf"]
