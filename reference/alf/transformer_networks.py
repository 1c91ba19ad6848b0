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

``TransformerNetwork``: transformer blocks (``reference.alf.transformer_block``) over core
embeddings and the input, with FIFO memories of past cores carried in the state; see its
docstring.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from reference import checks
from reference.alf.initializers import variance_scaling_init
from reference.alf.layers import FC, Initializer, check_activation
from reference.alf.memory import FIFOMemory
from reference.alf.nest_utils import NestConcat
from reference.alf.preprocessors import PreprocessorNetwork
from reference.alf.transformer_block import TransformerBlock
from reference.alf.unroll import StepUnroll
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
        checks.flag(use_fc_bn, f"{name} use_fc_bn")
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

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:  # type: ignore[override]
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


class TransformerNetwork(StepUnroll, PreprocessorNetwork):
    """Transformer blocks over core embeddings and the input, with FIFO memories of past
    cores (upstream's pseudocode)::

        x = [core_embedding, inputs]          (inputs ``[input_size, d_model]``)
        for i < num_prememory_layers:   x = T_i(x)
        for j < num_memory_layers:      x' = TM_j(memory=[M_j, x], query=x)
                                        M_j.write(x[:core_size]);  x = x'
        return x[:core_size] (flattened) if return_core_only else x

    With ``centralized_memory`` there is one memory ``M`` for all memory layers, read by
    each of them and written once, after the last one, with the final core. The memories
    are ``FIFOMemory(d_model, memory_size)``: newest first, zeros where nothing was
    written yet (the blocks attend to every slot, as upstream); the state is the list of
    their ``(memory, current_size)`` pairs, reset to zeros where an episode starts. The
    first block of each group has an absolute positional encoding, over
    ``input_size + core_size`` (prememory) or ``memory_size + input_size + core_size``
    (memory) positions; the others none. Without ``use_core_embedding`` the first
    ``core_size`` input embeddings are the core.

    State_dict as upstream: ``_core_embedding`` ``[1, core_size, d_model]`` (U(-0.1, 0.1)),
    ``_transformers.<i>.*`` (``TransformerBlock``), and the preprocessors'.
    """

    def __init__(
        self,
        input_tensor_spec: Nest,
        num_prememory_layers: int,
        num_attention_heads: int,
        d_ff: int | None = None,
        core_size: int = 1,
        use_core_embedding: bool = True,
        memory_size: int = 0,
        num_memory_layers: int = 0,
        return_core_only: bool = True,
        centralized_memory: bool = True,
        input_preprocessors: Nest | None = None,
        name: str = "TransformerNetwork",
    ):
        combiner = NestConcat(dim=-2) if input_preprocessors is not None else None
        super().__init__(input_tensor_spec, input_preprocessors, combiner, name)
        spec = self._processed_input_tensor_spec
        if not isinstance(spec, TensorSpec) or spec.ndim != 2:
            raise ValueError(
                f"{name}: expected the processed input spec [input_size, d_model], got {spec}"
            )
        input_size, d_model = spec.shape
        for what, value, low in (
            ("num_prememory_layers", num_prememory_layers, 0),
            ("num_memory_layers", num_memory_layers, 0),
            ("memory_size", memory_size, 0),
            ("core_size", core_size, 1),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} {what}: expected an int >= {low}, got {value!r}")
        checks.flag(use_core_embedding, f"{name} use_core_embedding")
        checks.flag(return_core_only, f"{name} return_core_only")
        if num_memory_layers > 0 and not 1 <= core_size <= memory_size:
            raise ValueError(
                f"{name}: num_memory_layers > 0 needs memory_size >= core_size (each step "
                f"writes core_size slots), got memory_size={memory_size}, core_size={core_size}"
            )
        if not use_core_embedding and core_size > input_size:
            raise ValueError(
                f"{name}: without use_core_embedding the core is the first core_size inputs: "
                f"expected core_size <= input_size {input_size}, got {core_size}"
            )
        count = num_memory_layers if not centralized_memory else min(num_memory_layers, 1)
        self._memories = [FIFOMemory(d_model, memory_size) for _ in range(count)]
        self._state_spec = [m.state_spec for m in self._memories]
        self._centralized_memory = centralized_memory
        self._core_size = core_size
        self._d_model = d_model
        self._core_embedding: nn.Parameter | None = None
        if use_core_embedding:
            self._core_embedding = nn.Parameter(torch.empty(1, core_size, d_model))
            nn.init.uniform_(self._core_embedding, -0.1, 0.1)
        self._num_prememory_layers = num_prememory_layers
        self._num_memory_layers = num_memory_layers
        blocks = []
        for i in range(num_prememory_layers):
            blocks.append(
                TransformerBlock(
                    d_model,
                    num_attention_heads,
                    input_size + core_size,
                    d_ff=d_ff,
                    positional_encoding="abs" if i == 0 else "none",
                )
            )
        for i in range(num_memory_layers):
            blocks.append(
                TransformerBlock(
                    d_model,
                    num_attention_heads,
                    memory_size + input_size + core_size,
                    d_ff=d_ff,
                    positional_encoding="abs" if i == 0 else "none",
                )
            )
        self._transformers = nn.ModuleList(blocks)
        self._return_core_only = return_core_only

    def check_state(self, state: Nest, outer: Sequence[int], inputs: Nest = ()) -> None:
        """The state must be the list of memory states for the input's rows (contract item 8,
        :meth:`Network.check_state`); without memories it is not read (``()`` or ``[]``)."""
        if self._memories:
            super().check_state(state, outer, inputs)

    def embeddings(self, inputs: Nest) -> torch.Tensor:
        """``[B, core_size + input_size, d_model]`` (or ``input_size`` rows without core
        embedding) after the prememory blocks; the input checked."""
        z, _ = PreprocessorNetwork.forward(self, inputs)
        if self._core_embedding is not None:
            core = self._core_embedding.expand(z.shape[0], -1, -1)
            z = torch.cat([core, z], dim=1)
        for block in self._transformers[: self._num_prememory_layers]:
            z = block(z)
        return z

    def memory_layers(self, x: torch.Tensor, state: Nest) -> tuple[torch.Tensor, list]:
        """The memory blocks over ``x`` with the memories taken from ``state``: the result
        and the memories' new states."""
        k = self._core_size
        blocks = self._transformers[self._num_prememory_layers :]
        if self._memories and self._centralized_memory:
            memory = self._memories[0]
            memory.from_states(state[0])
            slots = memory.memory()
            for block in blocks:
                x = block(torch.cat([slots, x], dim=1), x)
            memory.write(x[:, :k])
        else:
            for memory, memory_state, block in zip(self._memories, state, blocks):
                memory.from_states(memory_state)
                new_x = block(torch.cat([memory.memory(), x], dim=1), x)
                memory.write(x[:, :k])
                x = new_x
        new_state = [m.states for m in self._memories]
        for memory in self._memories:  # the state is the caller's: nothing kept between calls
            memory.from_states(None)
        return x, new_state

    def output(self, x: torch.Tensor) -> torch.Tensor:
        if self._return_core_only:
            return x[:, : self._core_size].reshape(x.shape[0], self._core_size * self._d_model)
        return x

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:  # type: ignore[override]
        x = self.embeddings(inputs)
        self.check_state(state, (x.shape[0],))
        x, new_state = self.memory_layers(x, state)
        return self.output(x), new_state
