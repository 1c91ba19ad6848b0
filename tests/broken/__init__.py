"""Deliberately broken candidates: the property suite must report each as a failure.

Every module exposes ``alf`` (or ``amago``) like a real candidate (``twinnet verify --impl
tests.broken.<module>``): the optimized package with one defect planted.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import optimized.alf


def candidate(**overrides: Any) -> SimpleNamespace:
    """``optimized.alf``'s public names with some of them replaced."""
    names = {n: getattr(optimized.alf, n) for n in optimized.alf.__all__}
    return SimpleNamespace(**{**names, **overrides})


def amago_candidate(**overrides: Any) -> SimpleNamespace:
    """``optimized.amago``'s public names with some of them replaced."""
    import optimized.amago

    names = {n: getattr(optimized.amago, n) for n in optimized.amago.__all__}
    return SimpleNamespace(**{**names, **overrides})


def parallel_encoding(encoding_class: type) -> Any:
    """A ``ParallelEncodingNetwork`` factory that replicates ``encoding_class``."""
    from reference.alf.encoding import parallel_encoding_network

    def factory(input_tensor_spec: Any, n: int, **kwargs: Any) -> Any:
        kwargs.setdefault("input_preprocessors", None)
        kwargs.setdefault("name", "ParallelEncodingNetwork")
        return parallel_encoding_network(
            encoding_class, n, input_tensor_spec=input_tensor_spec, **kwargs
        )

    return factory
