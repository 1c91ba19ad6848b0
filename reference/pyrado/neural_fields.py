"""Pyrado's Neural Fields policy (Amari 1977).

Upstream: ``pyrado/policies/recurrent/neural_fields.py``. ``H = hidden_size`` potentials on
a ring; one step from potentials ``p`` (detached):

    a_prev = f(w * (p + b))                               (pot_to_activ: bias *added*)
    s_int[j] = sum_c sum_t k_c[t] a_prev[j + t - K // 2]  (conv_layer's kernels k_c, summed
                                                           over its output channels)
    s = W_obs obs + s_int                                 (obs_layer, no bias)
    p' = clamp(p + (s + h - p + kappa (h - p)^3) / tau, -100, 100)
    action = W_act f(w * (p' + b))                        (act_layer, no bias)

The kernel size defaults to ``H`` and is bumped to the next odd number when even. With
``mirrored_conv_weights`` the kernel is symmetric (:class:`MirrConv1d`: ``ceil(k / 2)``
free taps) and circular padding pads ``k // 2`` on each side; other padding modes pad
zeros (upstream's quirk, see ``layers.py``). Without mirroring it is ``nn.Conv1d`` with
``padding = k // 2`` in ``conv_padding_mode``. The step writes the convolution out as that
sum over the kernel taps (padded ``a_prev`` shifted once per tap; the output channels' sum
taken on the kernels, the same linear map), not through ``conv_layer.forward``.
``kappa_init = 0`` with ``kappa_learnable`` keeps ``kappa = 0``; a non-learnable 0 gives
``kappa = e`` (``potential_based.py``).

Deviations from upstream: no ``multiprocessing`` start-method change at construction; no
``squeeze()`` of the stimuli (upstream squeezes ``[1, H]`` to ``[H]`` and relies on
broadcasting; the numbers are the same); ``init_param(bell=True)`` is not supported
(``ValueError``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from reference.pyrado.layers import IndiNonlinLayer, MirrConv1d
from reference.pyrado.potential_based import POTENTIALS_MAX, PotentialBasedPolicy, cubic_term
from reference.pyrado.rnn import init_linear

PADDING_MODES = ("circular", "reflect", "zeros")


def odd_kernel_size(hidden_size: int, conv_kernel_size: int | None) -> int:
    """The kernel size NF uses: ``hidden_size`` by default, bumped to odd."""
    k = hidden_size if conv_kernel_size is None else conv_kernel_size
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"conv_kernel_size: expected a positive int or None, got {k!r}")
    return k if k % 2 == 1 else k + 1


def lateral_stimuli(a: torch.Tensor, kernels: torch.Tensor, pad_mode: str) -> torch.Tensor:
    """``s[b, j] = sum_c sum_t kernels[c, t] * a_pad[b, j + t]`` for ``a [B, H]``, ``kernels
    [C, K]`` (odd ``K``) and ``a_pad`` = ``a`` padded by ``K // 2`` on both sides in
    ``pad_mode`` (``circular``, ``reflect`` or ``constant`` zeros)."""
    size, taps = a.shape[-1], kernels.shape[-1]
    half = taps // 2
    padded = F.pad(a.unsqueeze(1), (half, half), mode=pad_mode).squeeze(1)
    kernel = kernels.sum(dim=0)
    s = torch.zeros_like(a)
    for t in range(taps):
        s = s + kernel[t] * padded[:, t : t + size]
    return s


class NFPolicy(PotentialBasedPolicy):
    """Neural Fields policy (module doc)."""

    name: str | None = "nf"

    def __init__(
        self,
        spec: Any,
        hidden_size: int,
        obs_layer: nn.Module | None = None,
        activation_nonlin: Callable = torch.sigmoid,
        mirrored_conv_weights: bool = True,
        conv_out_channels: int = 1,
        conv_kernel_size: int | None = None,
        conv_padding_mode: str = "circular",
        tau_init: float = 10.0,
        tau_learnable: bool = True,
        kappa_init: float = 0.0,
        kappa_learnable: bool = True,
        potential_init_learnable: bool = False,
        init_param_kwargs: dict | None = None,
        use_cuda: bool = False,
    ):
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size: expected an int, got {hidden_size!r}")
        if hidden_size < 2:
            raise ValueError(f"hidden_size: expected >= 2, got {hidden_size}")
        if conv_padding_mode not in PADDING_MODES:
            raise ValueError(
                f"conv_padding_mode: expected one of {list(PADDING_MODES)}, got "
                f"{conv_padding_mode!r}"
            )
        if not isinstance(conv_out_channels, int) or conv_out_channels < 1:
            raise ValueError(
                f"conv_out_channels: expected a positive int, got {conv_out_channels!r}"
            )
        k = odd_kernel_size(hidden_size, conv_kernel_size)
        super().__init__(
            spec,
            obs_layer,
            activation_nonlin,
            tau_init,
            tau_learnable,
            kappa_init,
            kappa_learnable,
            potential_init_learnable,
            use_cuda,
            hidden_size,
        )
        self.mirrored_conv_weights = mirrored_conv_weights
        self._pad_mode = "circular" if conv_padding_mode == "circular" else "constant"
        if conv_padding_mode == "reflect" and not mirrored_conv_weights:
            self._pad_mode = "reflect"
        self.conv_layer: nn.Module
        if mirrored_conv_weights:
            padding = k - 1 if conv_padding_mode == "circular" else k // 2
            self.conv_layer = MirrConv1d(1, conv_out_channels, k, padding, conv_padding_mode)
        else:
            self.conv_layer = nn.Conv1d(
                1,
                conv_out_channels,
                k,
                padding=k // 2,
                padding_mode=conv_padding_mode,  # type: ignore[arg-type]
                bias=False,
            )
        self.pot_to_activ = IndiNonlinLayer(hidden_size, activation_nonlin, bias=True, weight=True)
        self.act_layer = nn.Linear(hidden_size, spec.act_space.flat_dim, bias=False)
        self.init_param(None, **(init_param_kwargs or {}))
        if self._use_cuda:
            self.cuda()

    def conv_kernels(self) -> torch.Tensor:
        """The ``[C, K]`` kernels of ``conv_layer`` (mirrored to full width if so built)."""
        layer: Any = self.conv_layer
        full = layer.full_kernel() if isinstance(layer, MirrConv1d) else layer.weight
        return full[:, 0, :]

    def potentials_dot(self, potentials: torch.Tensor, stimuli: torch.Tensor) -> torch.Tensor:
        """``(s + h - p + kappa (h - p)^3) / tau``; the cubic term is 0 where ``kappa == 0``,
        even where ``(h - p)^3`` overflows (``cubic_term``)."""
        d = self.resting_level - potentials
        return (stimuli + d + cubic_term(self.kappa, d)) / self.tau

    def init_param(self, init_values: torch.Tensor | None = None, **kwargs: Any) -> None:
        """Random parameters (the convolution keeps torch's default draw, ``pot_to_activ``
        ``N(0, 1/H)``, ``act_layer`` torch's Linear default), or the vector ``init_values``."""
        if kwargs.get("bell", False):
            raise ValueError("init_param_kwargs: expected no 'bell' (not supported), got True")
        super().init_param(init_values, **kwargs)
        if init_values is not None:
            return
        self.pot_to_activ.reset_parameters()
        init_linear(self.act_layer)

    def forward(
        self, obs: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        _batch, p = self.start_potentials(obs, hidden)
        a_prev = self.pot_to_activ(p)
        external = self.obs_layer(obs)
        rows = a_prev.reshape(-1, self._hidden_size)
        internal = lateral_stimuli(rows, self.conv_kernels(), self._pad_mode).reshape(p.shape)
        self._stimuli_external, self._stimuli_internal = external.detach(), internal.detach()
        p = p + self.potentials_dot(p, external + internal)
        p = p.clamp(-POTENTIALS_MAX, POTENTIALS_MAX)
        return self.act_layer(self.pot_to_activ(p)), p
