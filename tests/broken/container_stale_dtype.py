"""The optimized Sequential's compiled input check reads the parameters' float dtype once,
at construction, so after ``.double()`` it rejects the float64 inputs it must accept."""

from typing import Any

import torch

from optimized.alf import containers
from tests.broken import candidate


class _Sequential(containers._Sequential):
    def fuse(self) -> None:
        super().fuse()
        self._dtype_at_build = self.float_dtype()

    def forward(self, inputs: Any, state: Any = ()) -> Any:
        dtype = self._dtype_at_build
        if isinstance(inputs, torch.Tensor) and dtype is not None and inputs.dtype != dtype:
            raise TypeError(f"expected dtype {dtype}, got {inputs.dtype}")
        return super().forward(inputs, state)


def Sequential(*modules: Any, output: Any = "", input_tensor_spec: Any = None, **named: Any):
    name = named.pop("name", "Sequential")
    return _Sequential(modules, named, output, input_tensor_spec, name)


alf = candidate(Sequential=Sequential)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.Sequential", "parity"),
]
