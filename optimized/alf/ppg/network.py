"""``DisjointPolicyValueNetwork`` whose dual encoders, when their configs agree (plain FC
stacks of one config, the usual PPG setup), share their first layer's GEMM: both read the
same observation, so one ``[B, 2h]`` GEMM against the concatenated kernels reads it once
and launches once; the two feature halves then run their own ``addmm`` chains, and the
heads are ``addmm`` calls on them. (Stacking every layer pair into one ``baddbmm``, the
``make_parallel(2)`` form, measured 10-15% slower on CPU at B=1024 than two ``addmm``
chains, forward and backward: the work is GEMM-bound, so it is not used.) Construction,
parameters and the state_dict layout are the reference's; any other configuration (shared
encoder, recurrent or convolutional encoders) runs the reference's forward."""

from __future__ import annotations

from typing import Any, cast

import torch

from optimized.twin import Twin
from reference.alf.encoding import EncodingNetwork
from reference.alf.layers import FC
from reference.alf.network import Network
from reference.alf.ppg import network as ref
from reference.specs import Nest, TensorSpec, map_structure

#: Encoder arguments that must keep their defaults for the fused path (an FC stack only).
_PLAIN = {
    "input_preprocessors": None,
    "preprocessing_combiner": None,
    "output_tensor_spec": None,
    "last_layer_size": None,
    "use_fc_bn": False,
}


def fc_layers(module: torch.nn.Module) -> list[FC]:
    return [m for m in module.modules() if isinstance(m, FC)]


def kernel_and_bias(fc: FC) -> tuple[torch.Tensor, torch.Tensor]:
    """``W^T`` and ``b`` of an FC layer (with a bias: :func:`fusable` admits no
    batch-normalised layer, and only those drop it)."""
    return fc.weight.t(), cast(torch.Tensor, fc.bias)


def fusable(actor: Network, value: Network | None) -> bool:
    """Whether two encoders are FC stacks of one config over a flat observation."""
    if value is None or type(actor) is not type(value):
        return False
    if not isinstance(actor, EncodingNetwork):
        return False
    args = actor.saved_args
    if args != value.saved_args or not args.get("fc_layer_params"):
        return False
    if args.get("conv_layer_params") or any(args.get(k) != v for k, v in _PLAIN.items()):
        return False
    spec = args["input_tensor_spec"]
    return isinstance(spec, TensorSpec) and spec.ndim == 1 and spec.is_continuous


class DisjointPolicyValueNetwork(Twin, ref.DisjointPolicyValueNetwork):
    """The reference network with the fused dual encoders (module doc)."""

    def fuse(self) -> None:
        value_encoder = None if self._is_sharing_encoder else self._value_encoder
        self._fused = value_encoder is not None and fusable(self._actor_encoder, value_encoder)
        if value_encoder is not None and self._fused:
            self._activation = self._actor_encoder.saved_args["activation"]
            self._layer_pairs = tuple(
                zip(fc_layers(self._actor_encoder), fc_layers(value_encoder), strict=True)
            )
            self._heads_fc = (fc_layers(self._aux_head)[0], self._value_fc[0])

    def forward(
        self, observation: Nest, state: Nest, require_aux: bool = True
    ) -> tuple[tuple[Any, torch.Tensor, Any], Nest]:
        if not self._fused:
            return super().forward(observation, state, require_aux)
        self.split_state(state)
        self.check_inputs(observation)
        act = self._activation
        (pi_fc, v_fc), *rest = self._layer_pairs
        (w_pi, b_pi), (w_v, b_v) = kernel_and_bias(pi_fc), kernel_and_bias(v_fc)
        # both first layers read the observation: one [B, 2h] GEMM, then its two halves
        h = act(torch.addmm(torch.cat([b_pi, b_v]), observation, torch.cat([w_pi, w_v], 1)))
        # split, not two slices: its backward is one cat of the halves' gradients, where each
        # slice's would zero a whole [B, 2h] gradient and the two be added
        z_pi, z_v = h.split([w_pi.shape[1], w_v.shape[1]], dim=1)
        for pi_fc, v_fc in rest:
            (w_pi, b_pi), (w_v, b_v) = kernel_and_bias(pi_fc), kernel_and_bias(v_fc)
            z_pi, z_v = act(torch.addmm(b_pi, z_pi, w_pi)), act(torch.addmm(b_v, z_v, w_v))
        pi = map_structure(lambda head: head(z_pi)[0], self._policy_head)
        aux_fc, value_fc = self._heads_fc
        w, b = kernel_and_bias(value_fc)
        value = torch.addmm(b, z_v, w).reshape(-1)
        aux: Any = ()
        if require_aux:
            w, b = kernel_and_bias(aux_fc)
            aux = torch.addmm(b, z_pi, w).reshape(-1)
        return (pi, value, aux), ()
