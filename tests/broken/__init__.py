"""Deliberately broken candidates: the property suite must report each as a failure.

Every module exposes ``alf`` (or ``amago``) like a real candidate (``twinnet verify --impl
tests.broken.<module>``): the optimized package with one defect planted.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from torch import nn

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


def swap_class(module: nn.Module, old: type, new: type) -> None:
    """Give every module of ``module``'s tree whose class is ``old`` the class ``new`` (the
    way ``optimized.twin.convert`` builds a twin, here planting a defect)."""
    for m in module.modules():
        if type(m) is old:
            m.__class__ = new


def parallel_encoding(encoding_class: type) -> Any:
    """A ``ParallelEncodingNetwork`` factory that replicates ``encoding_class``."""

    def factory(input_tensor_spec: Any, n: int, **kwargs: Any) -> Any:
        if kwargs.get("input_preprocessors") is not None:
            raise ValueError("ParallelEncodingNetwork: input_preprocessors must be None")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"ParallelEncodingNetwork: n must be a positive int, got {n!r}")
        kwargs.setdefault("name", "ParallelEncodingNetwork")
        single = encoding_class(input_tensor_spec, **kwargs)
        return single.make_parallel(n, allow_non_parallel_input=True)

    return factory
