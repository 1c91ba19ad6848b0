"""Implementations and name lookup: the reference, and the candidate under test.

An implementation is an importable module that exposes inventory names per library:
``<module>.alf.EncodingNetwork``, ``<module>.amago.TanhGaussian`` and so on. The candidate
is ``optimized`` unless ``pytest --impl MODULE`` (``twinnet verify --impl MODULE``) names
another. A lookup never falls back to another implementation: a name the candidate lacks
raises :class:`NotProvided`. The harness reports that as *not provided* when it is the
name under test, and counts the example as *unsupported* when it is a helper the build
needs (``alf.FC`` for a preprocessor, say).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import traceback
from functools import cache
from types import ModuleType
from typing import Any

DEFAULT_CANDIDATE = "optimized"
REFERENCE_MODULE = "reference"


class NotProvided(LookupError):
    """``impl`` has no object under the inventory name ``dotted``."""

    def __init__(self, impl: str, dotted: str):
        super().__init__(f"{impl} does not provide {dotted}")
        self.impl, self.dotted = impl, dotted


class CandidateImportError(Exception):
    """A module of an implementation raised while being imported (a broken candidate,
    not a missing name): the message is one line, naming the module, the exception and
    where it was raised."""


def own_files(module: str) -> str | None:
    """Where ``module``'s own code lives, found without running it: a package's folder, a
    single module's file; None when it cannot be located."""
    try:
        spec = importlib.util.find_spec(module)
    except Exception:  # a parent package that raises, a bad name: nothing to locate
        return None
    if spec is None or not spec.origin or not os.path.exists(spec.origin):
        return None
    origin = os.path.realpath(spec.origin)
    return os.path.dirname(origin) if spec.submodule_search_locations else origin


def one_line(module: str, error: BaseException, own: str | None = None) -> str:
    """``error`` raised importing ``module``, in one line: its type and message, and the
    file:line of the innermost frame in the candidate's own files ``own`` (a folder or a
    file, :func:`own_files`), else of the innermost frame (the raise itself)."""
    text = f"{type(error).__name__}: {error}".splitlines()[0]
    # importlib's machinery around the import is nobody's code
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if not f.filename.startswith("<frozen ")
    ]
    if own is not None:
        inside = [f for f in frames if _under(f.filename, own)]
        frames = inside or frames
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{text}{where}"


def _under(filename: str, own: str) -> bool:
    path = os.path.realpath(filename)
    return path == own or path.startswith(own.rstrip(os.sep) + os.sep)


def _missing(error: BaseException, name: str) -> bool:
    """Whether ``error`` says that module ``name`` itself (or a package above it) does not
    exist, rather than that something it imports is broken."""
    if not isinstance(error, ModuleNotFoundError) or error.name is None:
        return False
    return name == error.name or name.startswith(f"{error.name}.")


class Impl:
    """Name lookup in one implementation module: ``Impl('optimized').alf.FC``."""

    def __init__(self, module_name: str):
        self.name = module_name

    @property
    def module(self) -> ModuleType:
        return _import(self.name)

    def find(self, dotted: str) -> Any | None:
        """The object named ``dotted`` (``'alf.FC'``), or None. A submodule that does not
        exist provides nothing; one that raises while importing (anything, an
        ``ImportError`` of something it imports included) raises
        :class:`CandidateImportError`."""
        obj: Any = self.module
        for part in dotted.split("."):
            if hasattr(obj, part):
                obj = getattr(obj, part)
                continue
            if not isinstance(obj, ModuleType):
                return None
            name = f"{obj.__name__}.{part}"
            try:
                obj = _import(name)
            except CandidateImportError:
                raise
            except Exception as error:  # a candidate's import may fail in any way
                if _missing(error, name):
                    return None
                raise CandidateImportError(
                    f"the candidate's module {name!r} raised while importing: "
                    f"{one_line(name, error, own_files(self.name))}"
                ) from error
        return obj

    def provides(self, dotted: str) -> bool:
        return self.find(dotted) is not None

    def get(self, dotted: str) -> Any:
        obj = self.find(dotted)
        if obj is None:
            raise NotProvided(self.name, dotted)
        return obj

    def same_object(self, other: Impl, dotted: str) -> bool:
        """Whether both implementations expose the very same object under ``dotted``."""
        mine = self.find(dotted)
        return mine is not None and mine is other.find(dotted)

    def __getattr__(self, library: str) -> _Library:
        if library.startswith("_"):
            raise AttributeError(library)
        return _Library(self, library)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Impl) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return self.name


class _Library:
    def __init__(self, impl: Impl, library: str):
        self._impl, self._library = impl, library

    def __getattr__(self, name: str) -> Any:
        return self._impl.get(f"{self._library}.{name}")


@cache
def _import(name: str) -> ModuleType:
    return importlib.import_module(name)


def importable(module_name: str) -> str | None:
    """None when ``module_name`` imports, else the import error in one line (with the
    file:line of the raise when the module exists but is broken)."""
    try:
        _import(module_name)
    except Exception as error:  # a candidate's import may fail in any way
        if _missing(error, module_name):
            return f"{type(error).__name__}: {error}".splitlines()[0]
        return one_line(module_name, error, own_files(module_name))
    return None
