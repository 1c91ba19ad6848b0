"""The optimized Sequential's compiled plan drops the ``output`` selection: it returns the
last member's result where ``output=('c', 'm0')`` selects named results."""

from typing import Any

from optimized.alf import containers
from tests.broken import candidate


class _Sequential(containers._Sequential):
    def fuse(self) -> None:
        super().fuse()
        self._select = None


def Sequential(*modules: Any, output: Any = "", input_tensor_spec: Any = None, **named: Any):
    name = named.pop("name", "Sequential")
    return _Sequential(modules, named, output, input_tensor_spec, name)


alf = candidate(Sequential=Sequential)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.Sequential", "parity"),
]
