"""NetworkWrapper's parallel form is a NaiveParallelNetwork of wrappers: it computes the
right numbers and its weights convert, but its keys read ``_networks.<i>._module.*`` where
upstream's (and the reference's) read ``_module._networks.<i>.*``, so a parallel checkpoint
would not load by key."""

from typing import Any

from optimized import alf as optimized_alf
from reference.alf.network import NaiveParallelNetwork
from tests.broken import candidate


class NetworkWrapper(optimized_alf.NetworkWrapper):
    def make_parallel(self, n: int) -> Any:
        return NaiveParallelNetwork(self, n)


alf = candidate(NetworkWrapper=NetworkWrapper)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.NetworkWrapper", "parallel")]
