"""Encoding networks built from the fast layers; construction and layout are the
reference's (``reference.alf.encoding``), so state_dicts are interchangeable."""

from __future__ import annotations

import functools
import inspect

from optimized.alf import layers
from optimized.alf.sequential import ParallelSequential
from reference.alf import encoding as ref
from reference.alf.network import Network


class ImageEncodingNetwork(ref.ImageEncodingNetwork):
    """Conv stack whose parallel form is one grouped convolution per layer."""

    layers = layers
    parallel_class = ParallelSequential


class EncodingNetwork(ref.EncodingNetwork):
    """Encoder with fused FC layers; its parallel form batches all replicas per layer."""

    layers = layers
    image_encoding_network = ImageEncodingNetwork
    parallel_class = ParallelSequential


@functools.wraps(ref.ParallelEncodingNetwork)
def ParallelEncodingNetwork(*args, **kwargs) -> Network:
    bound = inspect.signature(ref.ParallelEncodingNetwork).bind(*args, **kwargs)
    bound.apply_defaults()
    kw = dict(bound.arguments)
    return ref.parallel_encoding_network(EncodingNetwork, kw.pop("n"), **kw)
