"""The Sequential returns its members' states as a tuple where upstream's (and the
reference's) is a list: the same values in another nest structure, which ALF's nest code
treats as a different state."""

from typing import Any

from optimized.alf import containers
from tests.broken import candidate


class _Sequential(containers._Sequential):
    def forward(self, inputs: Any, state: Any = ()) -> tuple[Any, Any]:
        out, new_state = super().forward(inputs, state)
        return out, (tuple(new_state) if isinstance(new_state, list) else new_state)


def Sequential(*modules: Any, output: Any = "", input_tensor_spec: Any = None, **named: Any):
    name = named.pop("name", "Sequential")
    return _Sequential(modules, named, output, input_tensor_spec, name)


alf = candidate(Sequential=Sequential)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.Sequential", "shape"), ("alf.Sequential", "parity")]
