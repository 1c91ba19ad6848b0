"""Recurrent cells and the LSTM encoding network: ``GRUCell``, ``LSTMCell``,
``LSTMEncodingNetwork``.

The cells keep their weights in a ``torch.nn`` cell registered as ``_cell`` (upstream's
layout: ``_cell.weight_ih [G*H, D]``, ``_cell.weight_hh [G*H, H]``, ``_cell.bias_ih``,
``_cell.bias_hh``, gates stacked in PyTorch's order: GRU ``r, z, n``; LSTM ``i, f, g, o``)
and initialised as torch does (``U(-1/sqrt(H), 1/sqrt(H))``). The reference computes the
gates as the spec writes them; ``unroll`` is the literal step loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from reference import checks
from reference.alf.containers import ReplicateInput, Sequential, _Sequential
from reference.alf.encoding import EncodingNetwork
from reference.alf.layers import Initializer, Reshape, check_activation
from reference.alf.nest_utils import NestConcat
from reference.alf.network import Network
from reference.alf.unroll import StepUnroll
from reference.specs import Nest, TensorSpec


def _positive(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what}: expected a positive int, got {value!r}")
    return value


class GRUCell(StepUnroll, Network):
    r"""A GRU cell; the state is ``h [hidden_size]`` and the output is ``h'``:

    ``r = sigma(W_ir x + b_ir + W_hr h + b_hr)``, ``z = sigma(W_iz x + b_iz + W_hz h + b_hz)``,
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.
    """

    def __init__(self, input_size: int, hidden_size: int, name: str = "GRUCell"):
        _positive(input_size, f"{name} input_size")
        _positive(hidden_size, f"{name} hidden_size")
        super().__init__(TensorSpec((input_size,)), TensorSpec((hidden_size,)), name)
        self._cell = nn.GRUCell(input_size, hidden_size)

    def forward(self, input: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, Any]:
        outer = self.check_inputs(input)
        self.check_state(state, outer, input)
        c = self._cell
        x_r, x_z, x_n = (input @ c.weight_ih.T + c.bias_ih).chunk(3, dim=1)
        h_r, h_z, h_n = (state @ c.weight_hh.T + c.bias_hh).chunk(3, dim=1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        h = (1 - z) * n + z * state
        return h, h


class LSTMCell(StepUnroll, Network):
    r"""An LSTM cell; the state is ``(h, c)`` (ALF's order), the output is ``h'``:

    ``i = sigma(W_ii x + b_ii + W_hi h + b_hi)``, ``f = sigma(W_if x + ... )``,
    ``g = tanh(W_ig x + ...)``, ``o = sigma(W_io x + ...)``, ``c' = f * c + i * g``,
    ``h' = o * tanh(c')``.
    """

    def __init__(self, input_size: int, hidden_size: int, name: str = "LSTMCell"):
        _positive(input_size, f"{name} input_size")
        _positive(hidden_size, f"{name} hidden_size")
        super().__init__(
            TensorSpec((input_size,)),
            (TensorSpec((hidden_size,)), TensorSpec((hidden_size,))),
            name,
        )
        self._cell = nn.LSTMCell(input_size, hidden_size)

    def forward(self, input: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        outer = self.check_inputs(input)
        self.check_state(state, outer, input)
        h, c = state
        cell = self._cell
        gates = input @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh
        g_i, g_f, g_g, g_o = gates.chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(g_i), torch.sigmoid(g_f), torch.tanh(g_g), torch.sigmoid(g_o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        return h, (h, c)


def lstm_encoding_elements(
    input_tensor_spec: Nest,
    output_tensor_spec: TensorSpec | None,
    input_preprocessors: Nest | None,
    preprocessing_combiner: Callable | None,
    conv_layer_params: Sequence[Sequence[int]] | None,
    pre_fc_layer_params: Sequence[int] | None,
    hidden_size: int | Sequence[int],
    lstm_output_layers: int | Sequence[int] | None,
    post_fc_layer_params: Sequence[int] | None,
    activation: Callable,
    kernel_initializer: Initializer | None,
    last_layer_size: int | None,
    last_activation: Callable | None,
    last_kernel_initializer: Initializer | None,
    name: str,
) -> list[Any]:
    """The members of an ``LSTMEncodingNetwork``, in order:

    1. an ``EncodingNetwork`` (preprocessors, combiner, conv, ``pre_fc_layer_params``) when
       any of those is given;
    2. one ``LSTMCell`` per ``hidden_size``, stacked; when ``lstm_output_layers`` selects
       other layers than the last one (``None``: all), the cells go into a
       ``Sequential(lstm0=..., lstm1=..., o=(('lstm0', ...), NestConcat()))`` named
       ``lstm_block`` whose output concatenates the selected layers' outputs;
    3. an ``EncodingNetwork`` of ``post_fc_layer_params`` and the last layer, when either
       is given;
    4. a ``Reshape`` to ``output_tensor_spec``'s shape when it is given.
    """
    check_activation(activation, f"{name} activation")  # even where no layer uses it
    elements: list[Any] = []
    if input_preprocessors or preprocessing_combiner or conv_layer_params or pre_fc_layer_params:
        pre = EncodingNetwork(
            input_tensor_spec=input_tensor_spec,
            input_preprocessors=input_preprocessors,
            preprocessing_combiner=preprocessing_combiner,
            conv_layer_params=conv_layer_params,
            fc_layer_params=pre_fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
        )
        size = pre.output_spec.shape[0]
        elements.append(pre)
    else:
        if not isinstance(input_tensor_spec, TensorSpec) or input_tensor_spec.ndim != 1:
            raise ValueError(
                f"{name}: expected a flat TensorSpec input [D] without preprocessing, got "
                f"{input_tensor_spec}"
            )
        size = input_tensor_spec.shape[0]
    sizes = checks.sizes(hidden_size, f"{name} hidden_size")
    cells = []
    for h in sizes:
        cells.append(LSTMCell(size, h))
        size = h
    if lstm_output_layers is None:
        layers = list(range(len(cells)))
    elif isinstance(lstm_output_layers, int):
        layers = [lstm_output_layers]
    else:
        layers = list(lstm_output_layers)
    if not layers or not all(-len(cells) <= i < len(cells) for i in layers):
        raise ValueError(
            f"{name} lstm_output_layers: expected layer indices in [-{len(cells)}, "
            f"{len(cells)}), got {lstm_output_layers!r}"
        )
    layers = [len(cells) + i if i < 0 else i for i in layers]
    if layers == [len(cells) - 1]:
        elements.extend(cells)
    else:
        named: dict[str, Any] = {f"lstm{i}": cell for i, cell in enumerate(cells)}
        named["o"] = (tuple(f"lstm{i}" for i in layers), NestConcat())
        elements.append(Sequential(name="lstm_block", **named))
        size = sum(sizes[i] for i in layers)
    if post_fc_layer_params is not None or last_layer_size is not None:
        post = EncodingNetwork(
            input_tensor_spec=TensorSpec((size,)),
            fc_layer_params=post_fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
            last_layer_size=last_layer_size,
            last_activation=last_activation,
            last_kernel_initializer=last_kernel_initializer,
        )
        elements.append(post)
        size = post.output_spec.numel
    if output_tensor_spec is not None:
        if output_tensor_spec.numel != size:
            raise ValueError(
                f"{name}: expected an output_tensor_spec of {size} values (the network's "
                f"output size), got {output_tensor_spec}"
            )
        elements.append(Reshape(output_tensor_spec.shape))
    return elements


class LSTMEncodingNetwork(_Sequential):
    """Encoding layers, stacked LSTM cells, more encoding layers (see
    :func:`lstm_encoding_elements` for the members). The state is the Sequential's: one
    entry per member, ``(h, c)`` per cell (``()`` for stateless members), the ``lstm_block``'s
    own tuple when there is one."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        output_tensor_spec: TensorSpec | None = None,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        conv_layer_params: Sequence[Sequence[int]] | None = None,
        pre_fc_layer_params: Sequence[int] | None = None,
        hidden_size: int | Sequence[int] = (100,),
        lstm_output_layers: int | Sequence[int] | None = -1,
        post_fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        last_layer_size: int | None = None,
        last_activation: Callable | None = None,
        last_kernel_initializer: Initializer | None = None,
        name: str = "LSTMEncodingNetwork",
    ):
        if last_layer_size is not None:
            checks.size(last_layer_size, f"{name} last_layer_size")
        elements = lstm_encoding_elements(
            input_tensor_spec,
            output_tensor_spec,
            input_preprocessors,
            preprocessing_combiner,
            conv_layer_params,
            pre_fc_layer_params,
            hidden_size,
            lstm_output_layers,
            post_fc_layer_params,
            activation,
            kernel_initializer,
            last_layer_size,
            last_activation,
            last_kernel_initializer,
            name,
        )
        super().__init__(elements, None, "", input_tensor_spec, name)

    def make_parallel(self, n: int, allow_non_parallel_input: bool = False) -> Network:
        """n replicas over ``[B, n, ...]`` inputs (each member by its own parallel form);
        with ``allow_non_parallel_input`` a ``[B, ...]`` input is shared by all replicas."""
        pnet = super().make_parallel(n)
        if allow_non_parallel_input:
            return ReplicateInput(self._input_tensor_spec, n, pnet, pnet.name)
        return pnet


__all__ = ["GRUCell", "LSTMCell", "LSTMEncodingNetwork"]
