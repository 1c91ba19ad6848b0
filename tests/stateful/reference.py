"""The reference implementation of the toy library: ``toy.Trace``."""

from types import SimpleNamespace

from tests.stateful.trace import Trace

toy = SimpleNamespace(Trace=Trace)
