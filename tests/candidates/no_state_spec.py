"""The independent fc-only encoder of ``tests/candidates/foreign``, without ``state_spec``
(part of ``alf.Network``'s documented API): one ``api`` cell must say so, and the other
cells must run, a stateless network's state being ``()``."""

import functools
from types import SimpleNamespace

from tests.candidates.foreign import encoding
from tests.candidates.foreign.specs import BoundedTensorSpec, TensorSpec


class EncodingNetwork(encoding.EncodingNetwork):
    @functools.wraps(encoding.EncodingNetwork.__init__)  # the documented signature
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.state_spec


alf = SimpleNamespace(
    EncodingNetwork=EncodingNetwork, TensorSpec=TensorSpec, BoundedTensorSpec=BoundedTensorSpec
)
