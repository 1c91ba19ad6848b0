"""A critic ensemble whose replicas share one observation encoder: every replica reads the
observation encoding of replica 0 (its own action encoder and joint layers stay)."""

from optimized.alf import critic_networks
from optimized.alf.sequential import ParallelSequential
from tests.broken import candidate


class _SharedEncoder(ParallelSequential):
    def run(self, x):
        out = super().run(x)
        return out[:, :1].expand_as(out)


class CriticNetwork(critic_networks.CriticNetwork):
    def make_parallel(self, n):
        parallel = super().make_parallel(n)
        for name, module in parallel.named_modules():
            # the parallel stack's first member holds (observation encoder, action encoder)
            if name.endswith("_nets.0._nets.0") and type(module) is ParallelSequential:
                module.__class__ = _SharedEncoder
        return parallel


alf = candidate(CriticNetwork=CriticNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.CriticNetwork", "parallel")]
