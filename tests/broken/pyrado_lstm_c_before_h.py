"""An LSTM policy that packs its hidden state with the cell state before the hidden one
(``[c_1 .. c_L, h_1 .. h_L]`` instead of Pyrado's ``[h_1 .. h_L, c_1 .. c_L]``) in ``forward``."""

import torch

from optimized.pyrado import LSTMPolicy as _LSTMPolicy
from tests.broken._pyrado import pyrado_candidate


def _swap(hidden: torch.Tensor) -> torch.Tensor:
    half = hidden.shape[-1] // 2
    return torch.cat([hidden[..., half:], hidden[..., :half]], dim=-1)


class LSTMPolicy(_LSTMPolicy):
    def forward(self, obs, hidden=None):
        act, new = super().forward(obs, None if hidden is None else _swap(hidden))
        return act, _swap(new)


pyrado = pyrado_candidate(LSTMPolicy=LSTMPolicy)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("pyrado.LSTMPolicy", "parity"),
    ("pyrado.LSTMPolicy", "grad_parity"),
    ("pyrado.LSTMPolicy", "recurrent_steps"),
    ("pyrado.LSTMPolicy", "state_dict"),
]
