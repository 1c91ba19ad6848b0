"""The optimized Branch's ``make_parallel`` hands its members on as positional modules,
so a one-member tuple ``Branch((m,))`` comes back as ``Branch(m)``: its parallel form
returns the bare output, not a one-member tuple. Six free ci examples rarely drew that
form; ci's variant coverage (a one-member tuple is a form of its own) always does."""

from typing import Any

from optimized.alf import containers
from reference.alf.network import make_parallel_spec
from reference.specs import map_structure
from tests.broken import candidate


class _Branch(containers._Branch):
    def make_parallel(self, n: int) -> Any:
        members = map_structure(lambda net: net.make_parallel(n), self.members)
        return _Branch(
            members, None, make_parallel_spec(self._input_tensor_spec, n), f"parallel_{self.name}"
        )


def Branch(*modules: Any, input_tensor_spec: Any = None, name: str = "Branch", **named: Any):
    return _Branch(modules, named, input_tensor_spec, name)


alf = candidate(Branch=Branch)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.Branch", "parallel"),
]
