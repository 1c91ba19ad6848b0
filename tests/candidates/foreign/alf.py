"""The candidate's ``alf`` namespace: the inventory names it provides."""

from .action_encoder import SimpleActionEncoder
from .encoding import EncodingNetwork
from .specs import BoundedTensorSpec, TensorSpec

__all__ = ["BoundedTensorSpec", "EncodingNetwork", "SimpleActionEncoder", "TensorSpec"]
