"""How every optimized twin is built from its reference: one pattern for the whole package.

The reference never knows it has a twin. An optimized class subclasses :class:`Twin` and
exactly one reference class, overrides only the computation (``forward``, ``unroll``,
``make_parallel``, a distribution's math) and registers no parameter or buffer of its own,
so its ``state_dict`` is the reference's by construction.

Construction is the reference's: ``Twin.__init__`` runs the reference constructor, then
:func:`convert` walks the module tree it built and swaps, in place, the class of every
module that has a twin for that twin (the idea of ``torch.ao.quantization.convert`` with
its module mapping; the swap is ``module.__class__ = twin``, as
``torch.nn.utils.parametrize`` does it). Parameters, buffers, hooks and attributes stay
exactly as the reference built them. A twin that needs derived data (a compiled routing
table, a view of fused weights) computes it in ``fuse()``, which :func:`convert` calls
after every swap, children before parents; ``fuse`` must be idempotent.
The walk covers the whole tree, members a caller passed in included: a reference module
handed to an optimized container becomes its twin in place, with the same weights.

A twin's constructor signature is its reference's (``__signature__``), its ``copy()``
rebuilds the twin, and the modules a reference ``make_parallel`` builds are converted too.

A class derived from a twin (a candidate with one change planted, say) is not itself a
twin: it is not registered, and it keeps the twin's signature unless it states its own
``__init__``. A reference *function* that builds modules (``Sequential``, ``Branch``,
``ParallelEncodingNetwork``) has as twin :func:`converting` of it: the same function, its
result converted.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from torch import nn

M = TypeVar("M", bound=nn.Module)

#: reference class -> its optimized twin, filled as the twins are defined.
TWINS: dict[type, type] = {}


def reference_of(cls: type) -> type:
    """The one reference class ``cls`` is the twin of (a direct base from ``reference``)."""
    bases = [b for b in cls.__bases__ if b.__module__.split(".")[0] == "reference"]
    if len(bases) != 1:
        raise TypeError(
            f"twin {cls.__qualname__} must subclass exactly one reference class, "
            f"got {[b.__qualname__ for b in bases]}"
        )
    return bases[0]


def convert(module: M) -> M:
    """Swap, in place, every module of ``module``'s tree whose class has a twin, then call
    each twin's ``fuse()`` (children first). Returns ``module`` (its class may be swapped).
    An object that is not an ``nn.Module`` (a policy head) is a tree of itself alone."""
    tree = list(module.modules()) if isinstance(module, nn.Module) else [module]
    for m in tree:
        twin = TWINS.get(type(m))
        if twin is not None:
            m.__class__ = twin
    for m in reversed(tree):
        if isinstance(m, Twin):
            m.fuse()
    return module


def converting(build: Callable[..., M]) -> Callable[..., M]:
    """The twin of a reference function that builds a module: ``convert(build(...))``, with
    ``build``'s name, signature and docstring."""

    @functools.wraps(build)
    def converted(*args: Any, **kwargs: Any) -> M:
        return convert(build(*args, **kwargs))

    return converted


class Twin:
    """Base of every optimized twin (module docstring): the reference's constructor, then
    :func:`convert`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not any(b.__module__.split(".")[0] == "reference" for b in cls.__bases__):
            # derived from a twin: not a twin itself; its own constructor, if it has one
            if "__init__" in cls.__dict__:
                cls.__signature__ = None  # type: ignore[attr-defined]
            return
        reference = reference_of(cls)
        if cls.__mro__.index(Twin) > cls.__mro__.index(reference):
            raise TypeError(f"twin {cls.__qualname__}: list Twin before {reference.__qualname__}")
        TWINS[reference] = cls
        cls.__signature__ = inspect.signature(reference)  # type: ignore[attr-defined]
        if "make_parallel" not in cls.__dict__ and hasattr(reference, "make_parallel"):

            def make_parallel(self: nn.Module, *args: Any, **kwargs: Any) -> nn.Module:
                return convert(super(cls, self).make_parallel(*args, **kwargs))  # type: ignore[misc]

            make_parallel.__doc__ = reference.make_parallel.__doc__
            make_parallel.__signature__ = inspect.signature(reference.make_parallel)  # type: ignore[attr-defined]
            cls.make_parallel = make_parallel  # type: ignore[attr-defined]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        convert(self)  # type: ignore[type-var]

    def fuse(self) -> None:
        """Derive what the twin's computation needs from the reference's modules (no-op)."""
