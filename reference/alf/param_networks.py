"""ALF's parameter networks (``alf.networks.param_networks``): networks that keep no weights
of their own but are handed them, as one flat vector per parameter group, by a caller (a
hypernetwork, a particle-based method).

A network of ``G`` groups is ``G`` independent small networks of one architecture. Group
``g``'s weights are row ``g`` of ``theta [G, D]`` (``D = param_length``; a ``[D]`` vector
is one group), laid out as upstream ALF lays it out: the layers in order (a
``ParamNetwork``'s convolutions before its FC layers), and inside layer ``l``

    theta_g = [ vec(W_l) | b_l (if use_bias) | gamma_l, beta_l (if use_ln) | next layer ... ]

with ``vec`` row-major: an FC kernel is ``W_l [out, in]``, a conv kernel
``W_l [out, in, kh, kw]``. Group ``g`` then computes, for each FC layer,

    h = x_g W_{l,g}^T + b_{l,g},   h = LN_{gamma,beta}(h) (use_ln),   y_g = f(h),

and for each conv layer ``y_g = maxpool(f(LN(conv2d(x_g, W_{l,g}) + b_{l,g})))`` (the layer
norm over ``(C, H, W)`` with per-channel ``gamma, beta``, eps 1e-5; the pool where the layer
has a ``pooling_kernel``). ``x_g`` is the group's own input (``[B, G, ...]``) or the input
every group shares (``[B, ...]``). Outputs carry the group dim ``[B, G, ...]`` when
``G > 1`` and none when ``G == 1``, as upstream's.

The handed weights are views of ``theta``: gradients of the outputs flow back to the
caller's ``theta``. They are kept as non-persistent buffers, so ``state_dict()`` is empty,
as upstream's (which keeps them as plain attributes), and ``.to()`` moves them with the
module; they are read through ``_buffers`` (the ``weight``... getters), since ALF's import
patches ``nn.Module.__setattr__`` to shadow every buffer with an instance attribute that
``.to()`` leaves stale. ``set_parameters(theta, reinitialize=True)`` first overwrites
``theta`` in place with fresh initial values (kernels from ``kernel_initializer``, biases
``bias_init_value``) and sets layer-norm scales to 1 and shifts to 0, as upstream does.

Without ``use_ln`` the group count is whatever ``theta`` brings (``n_groups`` is then only a
constructor hint); with ``use_ln`` it is fixed to ``n_groups``. A new network holds
``N(0, 1)`` weights for ``n_groups`` (or 1) groups until it is handed its own.

Bad input raises at the start of ``set_parameters``/``forward`` (contract item 6): a
``theta`` of the wrong length or group count, an input of the wrong rank, size, group
count or dtype. Upstream asserts instead; with one group it also accepts a ``[B, 1, ...]``
input, which is rejected here as ambiguous with a batch of one (the spec gives one group
the ``[B, ...]`` form only).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from reference import checks
from reference.alf.initializers import variance_scaling_init
from reference.alf.network import Network
from reference.specs import TensorSpec

#: layer-norm epsilon of upstream's ParamLayerNorm (``F.group_norm``'s)
LN_EPS = 1e-5

Initializer = Callable[[torch.Tensor], Any]


def pair(value: int | Sequence[int], what: str) -> tuple[int, int]:
    """``value`` as ``(height, width)`` (an int is both); positive ints only."""
    out = (value, value) if isinstance(value, int) else tuple(value)
    if len(out) != 2 or not all(isinstance(v, int) and v > 0 for v in out):
        raise ValueError(f"{what}: expected a positive int or two of them, got {value!r}")
    return out  # type: ignore[return-value]


def check_theta(theta: Any, length: int, groups: int | None, what: str) -> torch.Tensor:
    """``theta`` as ``[G, length]`` (a ``[length]`` vector is one group); ``groups``: the
    group count it must have (None: any)."""
    if not isinstance(theta, torch.Tensor) or not theta.is_floating_point():
        raise TypeError(f"{what}: expected a floating torch.Tensor, got {theta!r:.80}")
    if theta.dim() == 1:
        theta = theta.unsqueeze(0)
    if theta.dim() != 2 or theta.shape[1] != length or theta.shape[0] < 1:
        raise ValueError(
            f"{what}: expected theta of shape [{length}] or [G, {length}] (param_length "
            f"{length}), got {list(theta.shape)}"
        )
    if groups is not None and theta.shape[0] != groups:
        raise ValueError(
            f"{what}: expected {groups} groups (n_groups, fixed by use_ln), got theta of "
            f"shape {list(theta.shape)}"
        )
    return theta


def check_grouped(
    x: Any, inner: tuple[int, ...], groups: int, dtype: torch.dtype, what: str
) -> bool:
    """Check ``x`` is ``[B, *inner]`` (shared by all groups) or, with ``groups > 1``,
    ``[B, groups, *inner]`` (one input per group); return whether it is per group."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{what}: expected a torch.Tensor, got {type(x).__name__}")
    if x.dtype != dtype:
        raise TypeError(f"{what}: expected dtype {dtype} (the handed weights'), got {x.dtype}")
    shared = x.dim() == len(inner) + 1 and tuple(x.shape[1:]) == inner
    grouped = groups > 1 and x.dim() == len(inner) + 2 and tuple(x.shape[1:]) == (groups, *inner)
    if not (shared or grouped):
        forms = f"[B, {', '.join(map(str, inner))}]"
        if groups > 1:
            forms += f" or [B, {groups}, {', '.join(map(str, inner))}]"
        raise ValueError(f"{what}: expected shape {forms}, got {list(x.shape)}")
    return grouped


class HandedWeights(nn.Module):
    """What ``ParamFC`` and ``ParamConv2D`` share: G groups' weights handed in as one flat
    vector per group, in upstream's layout (the kernel, row-major, then the bias, then the
    layer norm's scales and shifts), held as non-persistent buffers (views of ``theta``).
    A subclass sets ``_units`` (outputs per group), ``_weight_shape`` (one group's kernel)
    and the options below, then calls :meth:`hand_initial_weights`."""

    _what: str
    _units: int
    _weight_shape: tuple[int, ...]
    _activation: Callable
    _use_bias: bool
    _use_ln: bool
    _fixed_groups: int | None
    _kernel_initializer: Initializer | None
    _kernel_init_gain: float
    _bias_init_value: float

    def hand_initial_weights(self) -> None:
        for name in ("_weight", "_bias", "_ln_weight", "_ln_bias"):
            self.register_buffer(name, None, persistent=False)
        self.set_parameters(torch.randn(self._fixed_groups or 1, self.param_length))

    @property
    def n_groups(self) -> int:
        return int(self.weight.shape[0])

    @property
    def weight(self) -> torch.Tensor:
        """``[G, *weight shape]``."""
        return self._buffers["_weight"]  # type: ignore[return-value]

    @property
    def bias(self) -> torch.Tensor | None:
        """``[G, units]`` (None without ``use_bias``)."""
        return self._buffers["_bias"]

    @property
    def ln_weight(self) -> torch.Tensor:
        """``[G, units]``: the layer norm's scales (use_ln)."""
        return self._buffers["_ln_weight"]  # type: ignore[return-value]

    @property
    def ln_bias(self) -> torch.Tensor:
        """``[G, units]``: the layer norm's shifts (use_ln)."""
        return self._buffers["_ln_bias"]  # type: ignore[return-value]

    @property
    def weight_length(self) -> int:
        return math.prod(self._weight_shape)

    @property
    def bias_length(self) -> int:
        return self._units if self._use_bias else 0

    @property
    def param_length(self) -> int:
        ln = 2 * self._units if self._use_ln else 0
        return self.weight_length + self.bias_length + ln

    def set_parameters(self, theta: torch.Tensor, reinitialize: bool = False) -> None:
        """Take ``theta [G, param_length]`` (or ``[param_length]``) as the G groups' weights."""
        theta = check_theta(theta, self.param_length, self._fixed_groups, f"{self._what} theta")
        groups, out = theta.shape[0], self._units
        weight = theta[:, : self.weight_length].reshape(groups, *self._weight_shape)
        pos = self.weight_length
        bias = None
        if self._use_bias:
            bias = theta[:, pos : pos + out]
            pos += out
        if reinitialize:
            with torch.no_grad():
                for g in range(groups):
                    if self._kernel_initializer is None:
                        variance_scaling_init(
                            weight[g], gain=self._kernel_init_gain, nonlinearity=self._activation
                        )
                    else:
                        self._kernel_initializer(weight[g])
                if bias is not None:
                    bias.fill_(self._bias_init_value)
        self._weight, self._bias = weight, bias
        if self._use_ln:
            gamma, beta = theta[:, pos : pos + out], theta[:, pos + out : pos + 2 * out]
            if reinitialize:
                gamma, beta = torch.ones_like(gamma), torch.zeros_like(beta)
            self._ln_weight, self._ln_bias = gamma, beta


class ParamFC(HandedWeights):
    """A fully connected layer handed its weights (ALF's ``alf.layers.ParamFC``): group
    ``g`` computes ``f(LN(x_g W_g^T + b_g))`` (module doc), ``W_g [output_size,
    input_size]`` the first ``output_size * input_size`` entries of ``theta_g``."""

    def __init__(
        self,
        input_size: int,
        output_size: int,
        activation: Callable = torch.relu_,
        use_bias: bool = True,
        use_ln: bool = False,
        n_groups: int | None = None,
        kernel_initializer: Initializer | None = None,
        kernel_init_gain: float = 1.0,
        bias_init_value: float = 0.0,
    ):
        super().__init__()
        if use_ln and n_groups is None:
            raise ValueError("ParamFC: expected n_groups with use_ln=True, got None")
        self._input_size = input_size
        self._output_size = output_size
        self._activation = activation
        self._use_bias = use_bias
        self._use_ln = use_ln
        self._fixed_groups = n_groups if use_ln else None
        self._kernel_initializer = kernel_initializer
        self._kernel_init_gain = kernel_init_gain
        self._bias_init_value = bias_init_value
        self._units = output_size
        self._weight_shape = (output_size, input_size)
        self._what = "ParamFC"
        self.hand_initial_weights()

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """``[B, in]`` or ``[B, G, in]`` -> ``[B, G, out]`` (``[B, out]`` with one group)."""
        groups = self.n_groups
        grouped = check_grouped(
            inputs, (self._input_size,), groups, self.weight.dtype, "ParamFC input"
        )
        ys = []
        for g in range(groups):
            x_g = inputs[:, g] if grouped else inputs
            h = x_g @ self.weight[g].T
            if self.bias is not None:
                h = h + self.bias[g]
            if self._use_ln:
                mean = h.mean(-1, keepdim=True)
                var = ((h - mean) ** 2).mean(-1, keepdim=True)
                h = (h - mean) / torch.sqrt(var + LN_EPS) * self.ln_weight[g] + self.ln_bias[g]
            ys.append(h)
        y = torch.stack(ys, dim=1) if groups > 1 else ys[0]
        return self._activation(y)


class ParamConv2D(HandedWeights):
    """A 2-D convolution handed its weights (ALF's ``alf.layers.ParamConv2D``): group ``g``
    computes ``maxpool(f(LN(conv2d(x_g, W_g, stride, padding) + b_g)))`` (module doc),
    ``W_g [out_channels, in_channels, kh, kw]``. As in upstream's code, ``f`` is applied to
    the groups' maps side by side, ``[B, G*C', H', W']`` (the same for an elementwise ``f``;
    a softmax over dim 1 sees every group's channels)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        activation: Callable = torch.relu_,
        strides: int | Sequence[int] = 1,
        pooling_kernel: int | tuple[int, int] | None = None,
        padding: int | Sequence[int] = 0,
        use_bias: bool = False,
        use_ln: bool = False,
        n_groups: int | None = None,
        kernel_initializer: Initializer | None = None,
        kernel_init_gain: float = 1.0,
        bias_init_value: float = 0.0,
    ):
        super().__init__()
        if use_ln and n_groups is None:
            raise ValueError("ParamConv2D: expected n_groups with use_ln=True, got None")
        self._in_channels = in_channels
        self._out_channels = out_channels
        self._kernel_size = pair(kernel_size, "ParamConv2D kernel_size")
        self._activation = activation
        self._strides = strides
        self._pooling_kernel = pooling_kernel
        self._padding = padding
        self._use_bias = use_bias
        self._use_ln = use_ln
        self._fixed_groups = n_groups if use_ln else None
        self._kernel_initializer = kernel_initializer
        self._kernel_init_gain = kernel_init_gain
        self._bias_init_value = bias_init_value
        self._units = out_channels
        self._weight_shape = (out_channels, in_channels, *self._kernel_size)
        self._what = "ParamConv2D"
        self.hand_initial_weights()

    @property
    def in_channels(self) -> int:
        return self._in_channels

    def split_input(self, img: Any) -> list[torch.Tensor]:
        """The G groups' inputs ``[B, C, H, W]`` of ``img``: ``[B, C, H, W]`` (shared),
        ``[B, G, C, H, W]`` or ``[B, G*C, H, W]`` (one per group; ``G > 1``)."""
        groups, c = self.n_groups, self._in_channels
        what = "ParamConv2D input"
        if not isinstance(img, torch.Tensor):
            raise TypeError(f"{what}: expected a torch.Tensor, got {type(img).__name__}")
        if img.dtype != self.weight.dtype:
            raise TypeError(
                f"{what}: expected dtype {self.weight.dtype} (the handed weights'), got {img.dtype}"
            )
        if img.dim() == 4 and img.shape[1] == c:
            return [img] * groups
        if groups > 1 and img.dim() == 4 and img.shape[1] == groups * c:
            return list(img.reshape(img.shape[0], groups, c, *img.shape[2:]).unbind(1))
        if groups > 1 and img.dim() == 5 and tuple(img.shape[1:3]) == (groups, c):
            return list(img.unbind(1))
        forms = f"[B, {c}, H, W]" + (
            f", [B, {groups}, {c}, H, W] or [B, {groups * c}, H, W]" if groups > 1 else ""
        )
        raise ValueError(f"{what}: expected shape {forms}, got {list(img.shape)}")

    def forward(self, img: torch.Tensor, keep_group_dim: bool = True) -> torch.Tensor:
        """-> ``[B, G, C', H', W']`` (``keep_group_dim``) or ``[B, G*C', H', W']``;
        ``[B, C', H', W']`` with one group."""
        groups = self.n_groups
        ys = []
        for g, x_g in enumerate(self.split_input(img)):
            b_g = None if self.bias is None else self.bias[g]
            h = F.conv2d(x_g, self.weight[g], b_g, self._strides, self._padding)
            if self._use_ln:
                mean = h.mean((1, 2, 3), keepdim=True)
                var = ((h - mean) ** 2).mean((1, 2, 3), keepdim=True)
                gamma = self.ln_weight[g].reshape(-1, 1, 1)
                beta = self.ln_bias[g].reshape(-1, 1, 1)
                h = (h - mean) / torch.sqrt(var + LN_EPS) * gamma + beta
            ys.append(h)
        y = self._activation(torch.cat(ys, dim=1))  # [B, G*C', H', W'] (class doc)
        if self._pooling_kernel is not None:
            y = F.max_pool2d(y, self._pooling_kernel)
        if groups == 1 or not keep_group_dim:
            return y
        return y.unflatten(1, (groups, self._out_channels))


def _default_initializer(activation: Callable) -> Initializer:
    """Upstream's default kernel initializer: variance scaling on the fan-in, truncated
    normal, with ``activation``'s gain."""
    return functools.partial(variance_scaling_init, nonlinearity=activation)


def _check_layers(params: Any, what: str) -> tuple:
    if not isinstance(params, tuple) or not params:
        raise ValueError(f"{what}: expected a non-empty tuple of layer tuples, got {params!r}")
    for p in params:
        if not isinstance(p, tuple) or not 3 <= len(p) <= 5:
            raise ValueError(
                f"{what}: expected (filters, kernel_size, strides[, padding[, pooling]]), got {p!r}"
            )
    return params


class ParamConvNet(Network):
    """Convolutions handed their weights (module doc): ``conv_layer_params`` entries
    ``(filters, kernel_size, strides[, padding[, pooling_kernel]])``; ``same_padding``
    replaces the paddings with ``((kh - 1) // 2, (kw - 1) // 2)``. Inputs ``[B, C, H, W]``
    (shared) or ``[B, G, C, H, W]``; outputs ``[B, G, C', H', W']`` (``[B, G, C'H'W']`` with
    ``flatten_output``; no ``G`` dim with one group). ``output_spec`` includes the ``G``
    dim of the weights last handed in, as upstream's."""

    def __init__(
        self,
        input_channels: int,
        input_size: int | Sequence[int],
        conv_layer_params: tuple,
        same_padding: bool = False,
        activation: Callable = torch.relu_,
        use_bias: bool = False,
        use_ln: bool = False,
        n_groups: int | None = None,
        kernel_initializer: Initializer | None = None,
        flatten_output: bool = False,
        name: str = "ParamConvNet",
    ):
        for flag, value in (
            ("same_padding", same_padding),
            ("use_bias", use_bias),
            ("use_ln", use_ln),
            ("flatten_output", flatten_output),
        ):
            checks.flag(value, f"{name} {flag}")
        size = pair(input_size, "ParamConvNet input_size")
        super().__init__(TensorSpec((input_channels, *size)), name=name)
        _check_layers(conv_layer_params, "ParamConvNet conv_layer_params")
        if use_ln and n_groups is None:
            raise ValueError("ParamConvNet: expected n_groups with use_ln=True, got None")
        if kernel_initializer is None:
            kernel_initializer = _default_initializer(activation)
        self._flatten_output = flatten_output
        self._conv_layers = nn.ModuleList()
        channels = input_channels
        for params in conv_layer_params:
            filters, kernel_size, strides = params[:3]
            padding = params[3] if len(params) > 3 else 0
            pooling = params[4] if len(params) > 4 else None
            if same_padding:
                kh, kw = pair(kernel_size, "ParamConvNet kernel_size")
                padding = ((kh - 1) // 2, (kw - 1) // 2)
            self._conv_layers.append(
                ParamConv2D(
                    channels,
                    filters,
                    kernel_size,
                    activation=activation,
                    strides=strides,
                    pooling_kernel=pooling,
                    padding=padding,
                    use_bias=use_bias,
                    use_ln=use_ln,
                    n_groups=n_groups,
                    kernel_initializer=kernel_initializer,
                )
            )
            channels = filters

    @property
    def layers(self) -> list[ParamConv2D]:
        """The conv layers, in order."""
        return cast(list[ParamConv2D], list(self._conv_layers))

    @property
    def param_length(self) -> int:
        """``D``: the length of one group's flat parameter vector (all layers)."""
        return sum(layer.param_length for layer in self.layers)

    def set_parameters(self, theta: torch.Tensor, reinitialize: bool = False) -> None:
        """Hand the layers their slices of ``theta [G, D]`` (or ``[D]``), in layer order."""
        theta = check_theta(theta, self.param_length, None, f"{self.name} theta")
        pos = 0
        for layer in self.layers:
            layer.set_parameters(theta[:, pos : pos + layer.param_length], reinitialize)
            pos += layer.param_length
        self._output_spec = None

    def float_dtype(self) -> torch.dtype:
        return self.layers[0].weight.dtype

    def forward(self, inputs: torch.Tensor, state: Any = ()) -> tuple[torch.Tensor, Any]:
        first = self.layers[0]
        check_grouped(
            inputs,
            self.input_tensor_spec.shape,
            first.n_groups,
            first.weight.dtype,
            f"{self.name} input",
        )
        x = inputs
        for layer in self.layers[:-1]:
            x = layer(x, keep_group_dim=False)
        x = self.layers[-1](x)
        if self._flatten_output:
            x = x.flatten(-3)
        return x, state


class ParamNetwork(Network):
    """Optional convolutions (a ``ParamConvNet`` with flattened output), then FC layers,
    then an optional last FC layer (``last_layer_size`` and ``last_activation`` together),
    all handed their weights (module doc; the conv slice of ``theta`` comes first).
    ``output_spec`` is ``[last size]``, the ``G`` dim of the outputs aside, as upstream's."""

    def __init__(
        self,
        input_tensor_spec: TensorSpec,
        conv_layer_params: tuple | None = None,
        fc_layer_params: tuple | None = None,
        use_conv_bias: bool = False,
        use_conv_ln: bool = False,
        use_fc_bias: bool = True,
        use_fc_ln: bool = False,
        n_groups: int | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        last_layer_size: int | None = None,
        last_activation: Callable | None = None,
        last_use_bias: bool = True,
        last_use_ln: bool = False,
        name: str = "ParamNetwork",
    ):
        if not isinstance(input_tensor_spec, TensorSpec):
            raise TypeError(
                f"{name}: expected a TensorSpec input_tensor_spec, got {input_tensor_spec!r}"
            )
        for flag, value in (
            ("use_conv_bias", use_conv_bias),
            ("use_conv_ln", use_conv_ln),
            ("use_fc_bias", use_fc_bias),
            ("use_fc_ln", use_fc_ln),
            ("last_use_bias", last_use_bias),
            ("last_use_ln", last_use_ln),
        ):
            checks.flag(value, f"{name} {flag}")
        super().__init__(input_tensor_spec, name=name)
        if (use_conv_ln or use_fc_ln or last_use_ln) and n_groups is None:
            raise ValueError(f"{name}: expected n_groups with a layer norm, got None")
        if kernel_initializer is None:
            kernel_initializer = _default_initializer(activation)
        self._conv_net: ParamConvNet | None = None
        if conv_layer_params:
            if input_tensor_spec.ndim != 3:
                raise ValueError(
                    f"{name}: expected a (C, H, W) input_tensor_spec with conv_layer_params, "
                    f"got shape {tuple(input_tensor_spec.shape)}"
                )
            channels, height, width = input_tensor_spec.shape
            self._conv_net = ParamConvNet(
                channels,
                (height, width),
                conv_layer_params,
                activation=activation,
                use_bias=use_conv_bias,
                use_ln=use_conv_ln,
                n_groups=n_groups,
                kernel_initializer=kernel_initializer,
                flatten_output=True,
            )
            size = self._conv_net.output_spec.shape[-1]
        else:
            if input_tensor_spec.ndim != 1:
                raise ValueError(
                    f"{name}: expected a (N,) input_tensor_spec without conv_layer_params, "
                    f"got shape {tuple(input_tensor_spec.shape)}"
                )
            size = input_tensor_spec.shape[0]
        if fc_layer_params is not None and not isinstance(fc_layer_params, tuple):
            raise TypeError(f"{name}: expected a tuple fc_layer_params, got {fc_layer_params!r}")
        self._fc_layers = nn.ModuleList()
        for units in fc_layer_params or ():
            self._fc_layers.append(
                ParamFC(
                    size, units, activation, use_fc_bias, use_fc_ln, n_groups, kernel_initializer
                )
            )
            size = units
        if (last_layer_size is None) != (last_activation is None):
            raise ValueError(
                f"{name}: expected last_layer_size and last_activation together, got "
                f"last_layer_size={last_layer_size!r}, last_activation={last_activation!r}"
            )
        if last_layer_size is not None and last_activation is not None:
            self._fc_layers.append(
                ParamFC(
                    size,
                    last_layer_size,
                    last_activation,
                    last_use_bias,
                    last_use_ln,
                    n_groups,
                    kernel_initializer,
                )
            )
            size = last_layer_size
        self._output_spec = TensorSpec((size,), input_tensor_spec.dtype)

    @property
    def output_spec(self) -> TensorSpec:
        return cast(TensorSpec, self._output_spec)

    @property
    def param_length(self) -> int:
        """``D``: the length of one group's flat parameter vector (all layers)."""
        conv = self._conv_net.param_length if self._conv_net is not None else 0
        return conv + sum(layer.param_length for layer in self.fc_layers)

    def set_parameters(self, theta: torch.Tensor, reinitialize: bool = False) -> None:
        """Hand the layers their slices of ``theta [G, D]`` (or ``[D]``): the conv net's
        first, then each FC layer's in order."""
        theta = check_theta(theta, self.param_length, None, f"{self.name} theta")
        pos = 0
        if self._conv_net is not None:
            pos = self._conv_net.param_length
            self._conv_net.set_parameters(theta[:, :pos], reinitialize)
        for layer in self.fc_layers:
            layer.set_parameters(theta[:, pos : pos + layer.param_length], reinitialize)
            pos += layer.param_length

    @property
    def fc_layers(self) -> list[ParamFC]:
        """The FC layers (the last one included), in order."""
        return cast(list[ParamFC], list(self._fc_layers))

    def _layers(self) -> list[ParamConv2D | ParamFC]:
        conv = self._conv_net.layers if self._conv_net is not None else []
        return [*conv, *self.fc_layers]

    def float_dtype(self) -> torch.dtype | None:
        layers = self._layers()
        return layers[0].weight.dtype if layers else None

    def forward(self, inputs: torch.Tensor, state: Any = ()) -> tuple[torch.Tensor, Any]:
        layers = self._layers()
        if layers:
            check_grouped(
                inputs,
                self.input_tensor_spec.shape,
                layers[0].n_groups,
                layers[0].weight.dtype,
                f"{self.name} input",
            )
        x = inputs
        if self._conv_net is not None:
            x, state = self._conv_net(x, state)
        for layer in self.fc_layers:
            x = layer(x)
        return x, state
