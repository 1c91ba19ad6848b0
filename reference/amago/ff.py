"""Feed-forward pieces of AMAGO's timestep encoders. Upstream: ``amago/nets/ff.py``."""

from __future__ import annotations

import torch
from torch import nn

from reference.alf.layers import BatchNorm1d
from reference.amago.utils import activation_switch, check_positive_int

NORMS = ("layer", "batch", "rmsnorm", "unitball", "unitball-detach", "none")


class RMSNorm(nn.Module):
    """y = scale * x / sqrt(mean(x**2, last dim) + eps), scale initialised to ones."""

    def __init__(self, size: int, eps: float = 1e-5):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * (x * torch.rsqrt((x * x).mean(-1, keepdim=True) + self.eps))


class Normalization(nn.Module):
    """Normalisation over the last (feature) dim, chosen by name:

    * ``layer``: ``nn.LayerNorm(d)``; ``rmsnorm``: :class:`RMSNorm`;
    * ``batch``: ``nn.BatchNorm1d(d)`` over every leading (batch and time) position, whose
      running statistics never take in a non-finite batch statistic (a feature with a NaN
      or inf keeps its old ones: skipped, not raised; upstream's are NaN from then on) via
      ``reference.alf.layers.BatchNorm1d`` (same state_dict);
    * ``unitball``: x / (||x||_2 + 1e-5); ``unitball-detach``: the same with the norm
      detached from the graph; ``none``, or ``None`` (upstream's "no normalisation" default
      of an MLP's hidden layers): identity.

    The parameterised norms live in the submodule ``norm`` (upstream's state_dict keys).
    """

    def __init__(self, method: str | None, d_model: int):
        super().__init__()
        if method is not None and method not in NORMS:
            raise ValueError(f"norm: expected None or one of {list(NORMS)}, got {method!r}")
        self.method = method
        if method == "layer":
            self.norm: nn.Module | None = nn.LayerNorm(d_model)
        elif method == "batch":
            self.norm = BatchNorm1d(d_model)
        elif method == "rmsnorm":
            self.norm = RMSNorm(d_model)
        else:
            self.norm = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.method == "batch":
            assert self.norm is not None
            return self.norm(x.reshape(-1, x.shape[-1])).reshape(x.shape)
        if self.norm is not None:
            return self.norm(x)
        if self.method is None or self.method == "none":
            return x
        length = torch.linalg.vector_norm(x, ord=2, dim=-1, keepdim=True) + 1e-5
        if self.method == "unitball-detach":
            length = length.detach()
        return x / length


class MLP(nn.Module):
    """``n_layers`` hidden layers, each normalised, then a linear output:

        h_1 = act(norm_in(W_in x + b_in)),  h_{k+1} = act(norm_k(W_k h_k + b_k)),
        y = W_out h_n + b_out,

    with ``norm = Normalization(normalization, d_hidden)`` (``None``: identity, upstream's
    default). Layers are ``nn.Linear`` with PyTorch's default initialisation (upstream's);
    the norms are ``in_norm`` and ``norms.<k>`` (upstream's state_dict keys).
    """

    def __init__(
        self,
        d_inp: int,
        d_hidden: int,
        n_layers: int,
        d_output: int,
        activation: str,
        normalization: str | None = None,
    ):
        super().__init__()
        check_positive_int("n_layers", n_layers)
        self.in_layer = nn.Linear(d_inp, d_hidden)
        self.in_norm = Normalization(normalization, d_hidden)
        self.layers = nn.ModuleList(nn.Linear(d_hidden, d_hidden) for _ in range(n_layers - 1))
        self.norms = nn.ModuleList(
            Normalization(normalization, d_hidden) for _ in range(n_layers - 1)
        )
        self.out_layer = nn.Linear(d_hidden, d_output)
        self.activation = activation_switch(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.activation(self.in_norm(self.in_layer(x)))
        for layer, norm in zip(self.layers, self.norms):
            x = self.activation(norm(layer(x)))
        return self.out_layer(x)
