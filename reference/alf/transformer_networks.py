"""ALF's attention networks (``alf.networks.transformer_networks``).

``SocialAttentionNetwork`` (Leurent et al., arXiv:1911.12250): ego-attention over a set of
``N`` entities ``x_1 .. x_N`` (entity 1 is the ego vehicle). Every entity is embedded by the
same FC stack, ``e_n = FC_L(... FC_1(x_n))``; head ``h`` of ``H`` (feature size
``d = d' / H``) attends from the ego::

    q_h = e_1 Wq_h,   k_{n,h} = e_n Wk_h,   v_{n,h} = e_n Wv_h       (no biases)
    a_{n,h} = softmax_n(q_h . k_{n,h} / sqrt(d))
    y = [sum_n a_{n,1} v_{n,1}, ..., sum_n a_{n,H} v_{n,H}]            ([d'] per batch row)

As upstream, the projections use the embedding layers' kernel initializer (by default ALF's
variance scaling with the activation's gain). Upstream divides by ``sqrt(d)`` computed in
float32 (``torch.sqrt(torch.tensor(d))``); twinnet uses the exact ``sqrt(d)`` in the
computation's dtype.

``TransformerNetwork``: see its docstring.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from reference.alf.initializers import variance_scaling_init
from reference.alf.layers import FC, Initializer, check_activation
from reference.alf.preprocessors import PreprocessorNetwork
from reference.specs import Nest, TensorSpec


class SocialAttentionNetwork(PreprocessorNetwork):
    """Ego-attention over ``[B, N, d]`` entities -> ``[B, fc_layer_params[-1]]`` (module doc).

    State_dict as upstream: ``_embedding_layers.<i>.*`` (FC), ``_value_proj._weight``,
    ``_key_proj._weight``, ``_query_proj._weight``. The ``last_*`` arguments are accepted
    and unused, as upstream documents.
    """

    def __init__(
        self,
        input_tensor_spec: Nest,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        fc_layer_params: Sequence[int] = (128, 128),
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        use_fc_bn: bool = False,
        num_of_heads: int = 1,
        last_layer_size: int | None = None,
        last_activation: Callable | None = None,
        last_kernel_initializer: Initializer | None = None,
        name: str = "SocialAttentionNetwork",
    ):
        super().__init__(input_tensor_spec, input_preprocessors, preprocessing_combiner, name)
        check_activation(activation, f"{name} activation")
        spec = self._processed_input_tensor_spec
        if not isinstance(spec, TensorSpec) or spec.ndim != 2:
            raise ValueError(
                f"{name}: expected the processed input spec to be [entity_num, feature_dim], "
                f"got {spec}"
            )
        if not isinstance(num_of_heads, int) or isinstance(num_of_heads, bool) or num_of_heads < 1:
            raise ValueError(f"{name} num_of_heads: expected a positive int, got {num_of_heads!r}")
        params = tuple(fc_layer_params)
        if not params:
            raise ValueError(f"{name} fc_layer_params: expected at least one layer, got ()")
        if kernel_initializer is None:
            kernel_initializer = functools.partial(variance_scaling_init, nonlinearity=activation)
        size = spec.shape[-1]
        layers = []
        for out in params:
            layers.append(
                FC(
                    size,
                    out,
                    activation=activation,
                    use_bn=use_fc_bn,
                    kernel_initializer=kernel_initializer,
                )
            )
            size = out
        self._embedding_layers = nn.ModuleList(layers)
        if size % num_of_heads != 0:
            raise ValueError(
                f"{name}: expected fc_layer_params[-1] ({size}) divisible by num_of_heads "
                f"({num_of_heads})"
            )
        self._num_of_heads = num_of_heads
        self._fea_dim_per_head = size // num_of_heads
        proj = functools.partial(
            FC, size, size, use_bias=False, kernel_initializer=kernel_initializer
        )
        self._value_proj = proj()
        self._key_proj = proj()
        self._query_proj = proj()

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, N, d] -> [B, N, d']``: the shared FC stack on every entity."""
        b, n, d = x.shape
        e = x.reshape(b * n, d)
        for layer in self._embedding_layers:
            e = layer(e)
        return e.reshape(b, n, e.shape[-1])

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        x, _ = super().forward(inputs, state)
        e = self.embed(x)
        b, n, width = e.shape
        d = self._fea_dim_per_head
        query = self._query_proj(e[:, 0])
        keys = self._key_proj(e.reshape(b * n, width)).reshape(b, n, width)
        values = self._value_proj(e.reshape(b * n, width)).reshape(b, n, width)
        heads = []
        for h in range(self._num_of_heads):
            cols = slice(h * d, (h + 1) * d)
            scores = torch.einsum("bd,bnd->bn", query[:, cols], keys[:, :, cols]) / math.sqrt(d)
            weights = torch.softmax(scores, dim=-1)
            heads.append(torch.einsum("bn,bnd->bd", weights, values[:, :, cols]))
        return torch.cat(heads, dim=-1), state
