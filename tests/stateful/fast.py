"""A fast candidate: the whole sequence of the trace as one masked matrix product.

With ``u_t = W x_t + b`` and ``s_t`` the number of episode starts up to step t, the state is
``h_t = sum_{s <= t, s_s = s_t} a^{t-s} u_s + [s_t = 0] a^{t+1} h_{-1}``: a ``[T, T]``
lower-triangular decay matrix per batch row, masked to the row's episode segments. A mask
inside a matrix product multiplies (``0 * nan = nan``), so a sequence with a NaN/inf input
or state takes the step loop, which resets by selection (``nan_isolation``).
"""

from types import SimpleNamespace

import torch

from tests.stateful import trace


class Trace(trace.Trace):
    def unroll(
        self, xs: torch.Tensor, state: torch.Tensor, first: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        steps = self.check_sequence(xs, state, first)
        if steps == 0:
            return super().unroll(xs, state, first)
        u = self.linear(xs)  # [T, B, H]
        if not bool(torch.isfinite(u).all() and torch.isfinite(state).all()):
            return super().unroll(xs, state, first)
        t = torch.arange(steps, device=xs.device, dtype=u.dtype)
        lag = t[:, None] - t[None, :]  # [T, T]: t - s
        segment = torch.cumsum(first.long(), 0)  # [T, B]
        same = segment[:, None, :] == segment[None, :, :]  # [T, S, B]
        causal = (lag >= 0)[:, :, None]
        decay = torch.where(causal & same, self.decay ** lag.clamp(min=0)[:, :, None], 0.0)
        h = torch.einsum("tsb,sbh->tbh", decay.to(u.dtype), u)
        carried = (self.decay ** (t + 1))[:, None, None] * state[None]
        h = h + torch.where((segment == 0)[:, :, None], carried, 0.0)
        return torch.tanh(h), h[-1]


toy = SimpleNamespace(Trace=Trace)
