"""The squashed normal's rsample passes back 1.5x the gradient of its squashing (tanh and
the affine map onto the action box): forward values and log_prob are right, the actor
gradient of a reparameterised action is wrong."""

import torch

from optimized import distributions
from optimized.alf import projection
from tests.broken import candidate


class _ScaledSquash(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, m, s, low, high):
        ctx.save_for_backward(x, s)
        return torch.clamp(torch.addcmul(m, s, torch.tanh(x)), low, high)

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        t = torch.tanh(x)
        return 1.5 * grad * s * (1 - t * t), None, None, None, None


class _ScaledSquashedNormal(distributions.SquashedNormal):
    def rsample(self, sample_shape=()):
        e = self._noise(self._shape(sample_shape))
        x = torch.addcmul(self.loc, self._scale, e)
        y = _ScaledSquash.apply(x, self.action_mean, self.action_magnitude, self.low, self.high)
        self._cache = (y, (x, e))
        return y


class NormalProjectionNetwork(projection.NormalProjectionNetwork):
    def _normal_dist(self, means, stds):
        dist = super()._normal_dist(means, stds)
        if isinstance(dist, distributions.SquashedNormal):
            return self._squashed(_ScaledSquashedNormal, means, stds)
        return dist


alf = candidate(NormalProjectionNetwork=NormalProjectionNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.NormalProjectionNetwork", "reparam_grad"),
]
