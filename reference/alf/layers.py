"""FC and Conv2D layers and their parallel (replicated) forms, written as the math.

Parameter names and shapes follow ALF so that an ALF checkpoint loads tensor by tensor:

* ``FC``: ``_weight [out, in]``, ``_bias [out]``, optional ``_bn`` (BatchNorm1d(out)).
  ``y = act(bn(x W^T + b))``.
* ``ParallelFC``: ``_weight [n, out, in]``, ``_bias [n, out]``, ``_bn`` BatchNorm1d(n*out).
  Replica i computes ``y[:, i] = act(bn_i(x[:, i] W_i^T + b_i))``.
* ``Conv2D``: ``_conv2d.weight [C', C, kh, kw]``, ``_conv2d.bias [C']``, optional ``_bn``.
* ``ParallelConv2D``: ALF's grouped layout ``_conv2d.weight [n*C', C, kh, kw]`` and
  ``_conv2d.bias [n*C']``; replica i owns rows ``i*C' : (i+1)*C'``.

The parallel layers loop over replicas, the clearest statement of n independent layers.
As in ALF, a parallel FC keeps its bias under ``use_bn`` (``use_bias`` defaults to True
there) while the single FC drops it (``use_bias=None``: a bias unless ``use_bn``), and
``FC.make_parallel`` passes the FC's own ``use_bias`` argument on: an FC with batch norm
replicates into a parallel FC with a bias (training-mode BN subtracts it again; in eval
mode it shifts the running mean). ``reference.alf.replicas`` maps that bias to zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from reference import checks
from reference.alf.initializers import identity, variance_scaling_init

Initializer = Callable[[torch.Tensor], object]


def _pair(v: int | Sequence[int], what: str) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    if not isinstance(v, (tuple, list)):
        raise TypeError(f"{what}: expected an int or a pair of ints, got {type(v).__name__} {v!r}")
    v = tuple(v)
    if len(v) != 2 or not all(isinstance(a, int) for a in v):
        raise ValueError(f"{what}: expected an int or a pair of ints, got {v!r}")
    return v  # type: ignore[return-value]


def _check_size(value: object, what: str) -> int:
    return checks.size(value, what)


def check_activation(activation: object, what: str) -> Callable:
    """``activation`` must be a callable (a function of a tensor, e.g. ``torch.relu``): a
    name such as ``"relu"`` is rejected at construction, not at the first call."""
    if not callable(activation):
        raise TypeError(
            f"{what}: expected a callable (e.g. torch.relu), got "
            f"{type(activation).__name__} {activation!r}"
        )
    return activation


def _init_kernel(
    w: torch.Tensor, initializer: Initializer | None, gain: float, activation: Callable
) -> None:
    if initializer is None:
        variance_scaling_init(w, gain=gain, nonlinearity=activation)
    else:
        initializer(w)


def _check_features(x: torch.Tensor, size: int, ranks: tuple[int, ...], what: str) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{what}: expected a torch.Tensor, got {type(x).__name__}")
    if x.dim() not in ranks or x.shape[-1] != size:
        raise ValueError(
            f"{what}: expected a tensor of rank {' or '.join(map(str, ranks))} with last dim "
            f"{size}, got shape {list(x.shape)}"
        )


class _FiniteStatistics:
    """Batch norm whose running statistics never take in a non-finite batch statistic: in
    training mode a feature whose batch mean or variance is NaN or inf (a NaN or inf in
    that feature of some row) keeps its running statistics as they were, per feature,
    without a host sync; the batch's own output uses its batch statistics as usual.
    Upstream's torch batch norm folds the NaN in, and every later output is NaN (contract
    item 7: non-finite inputs never enter persistent state; skipped, not raised)."""

    training: bool
    track_running_stats: bool
    running_mean: torch.Tensor | None
    running_var: torch.Tensor | None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The batch norm updates copies of the running statistics, which its backward
        keeps (it checks that they are not changed after); the buffers then take the
        copies' finite values. Updating the buffers themselves and repairing them after
        would change what the backward kept, and it would refuse to run."""
        if not self.training or self.running_mean is None or self.running_var is None:
            return super().forward(x)  # type: ignore[misc]
        mean, var = self.running_mean, self.running_var
        self.running_mean, self.running_var = mean.clone(), var.clone()
        try:
            y = super().forward(x)  # type: ignore[misc]
            updated = (self.running_mean, self.running_var)
        finally:
            self.running_mean, self.running_var = mean, var
        with torch.no_grad():
            for running, new in zip((mean, var), updated):
                running.copy_(torch.where(torch.isfinite(new), new, running))
        return y


class BatchNorm1d(_FiniteStatistics, nn.BatchNorm1d):
    """``nn.BatchNorm1d`` (same state_dict) with finite running statistics."""


class BatchNorm2d(_FiniteStatistics, nn.BatchNorm2d):
    """``nn.BatchNorm2d`` (same state_dict) with finite running statistics."""


class FC(nn.Module):
    """Fully connected layer ``y = activation(bn(x W^T + b))``.

    With ``use_bias=None`` the bias is used unless ``use_bn`` (BN re-centres anyway).
    The kernel defaults to ALF's variance scaling with the activation's gain; the bias is
    the constant ``bias_init_value``. ``make_parallel`` builds a ``ParallelFC``.
    """

    def __init__(
        self,
        input_size: int,
        output_size: int,
        activation: Callable = identity,
        use_bias: bool | None = None,
        use_bn: bool = False,
        kernel_initializer: Initializer | None = None,
        kernel_init_gain: float = 1.0,
        bias_init_value: float = 0.0,
    ):
        super().__init__()
        self._input_size = _check_size(input_size, "FC input_size")
        self._output_size = _check_size(output_size, "FC output_size")
        self._activation = check_activation(activation, "FC activation")
        self._use_bn = use_bn
        self._kernel_initializer = kernel_initializer
        self._kernel_init_gain = kernel_init_gain
        self._bias_init_value = bias_init_value
        self._use_bias_arg = use_bias
        self._use_bias = (not use_bn) if use_bias is None else (use_bias and not use_bn)
        self._weight = nn.Parameter(torch.empty(output_size, input_size))
        self._bias = nn.Parameter(torch.empty(output_size)) if self._use_bias else None
        self._bn = BatchNorm1d(output_size) if use_bn else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _init_kernel(
            self._weight.data, self._kernel_initializer, self._kernel_init_gain, self._activation
        )
        if self._bias is not None:
            nn.init.constant_(self._bias.data, self._bias_init_value)
        if self._bn is not None:
            self._bn.reset_parameters()

    @property
    def input_size(self) -> int:
        return self._input_size

    @property
    def output_size(self) -> int:
        return self._output_size

    @property
    def weight(self) -> torch.Tensor:
        return self._weight

    @property
    def bias(self) -> torch.Tensor | None:
        return self._bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_features(x, self._input_size, (2,), "FC input")
        y = x @ self._weight.T
        if self._bias is not None:
            y = y + self._bias
        if self._bn is not None:
            y = self._bn(y)
        return self._activation(y)

    def make_parallel(self, n: int) -> ParallelFC:
        """n independently initialised copies as one ``ParallelFC`` layer."""
        return ParallelFC(
            self._input_size,
            self._output_size,
            n,
            self._activation,
            self._use_bias_arg,
            self._use_bn,
            self._kernel_initializer,
            self._kernel_init_gain,
            self._bias_init_value,
        )


class ParallelFC(nn.Module):
    """n independent FC layers; input ``[B, n, in]`` (or ``[B, in]``, shared) -> ``[B, n, out]``.

    Each replica is initialised like a single FC (fan-in = ``in``). Batch norm normalises
    each replica's features with its own statistics (one BatchNorm1d over n*out features).
    ``use_bias=None`` means a bias, with batch norm too (ALF's default ``use_bias=True``).
    """

    def __init__(
        self,
        input_size: int,
        output_size: int,
        n: int,
        activation: Callable = identity,
        use_bias: bool | None = None,
        use_bn: bool = False,
        kernel_initializer: Initializer | None = None,
        kernel_init_gain: float = 1.0,
        bias_init_value: float = 0.0,
    ):
        super().__init__()
        self._input_size = _check_size(input_size, "ParallelFC input_size")
        self._output_size = _check_size(output_size, "ParallelFC output_size")
        self._n = _check_size(n, "ParallelFC n")
        self._activation = check_activation(activation, "ParallelFC activation")
        self._use_bn = use_bn
        self._kernel_initializer = kernel_initializer
        self._kernel_init_gain = kernel_init_gain
        self._bias_init_value = bias_init_value
        self._use_bias = True if use_bias is None else bool(use_bias)
        self._weight = nn.Parameter(torch.empty(n, output_size, input_size))
        self._bias = nn.Parameter(torch.empty(n, output_size)) if self._use_bias else None
        self._bn = BatchNorm1d(n * output_size) if use_bn else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for i in range(self._n):
            _init_kernel(
                self._weight.data[i],
                self._kernel_initializer,
                self._kernel_init_gain,
                self._activation,
            )
        if self._bias is not None:
            nn.init.constant_(self._bias.data, self._bias_init_value)
        if self._bn is not None:
            self._bn.reset_parameters()

    @property
    def n(self) -> int:
        return self._n

    @property
    def weight(self) -> torch.Tensor:
        return self._weight

    @property
    def bias(self) -> torch.Tensor | None:
        return self._bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_features(x, self._input_size, (2, 3), "ParallelFC input")
        if x.dim() == 2:
            x = x.unsqueeze(1).expand(-1, self._n, -1)
        elif x.shape[1] != self._n:
            raise ValueError(
                f"ParallelFC input: expected [B, {self._n}, {self._input_size}], "
                f"got {list(x.shape)}"
            )
        outs = []
        for i in range(self._n):
            y_i = x[:, i] @ self._weight[i].T
            if self._bias is not None:
                y_i = y_i + self._bias[i]
            outs.append(y_i)
        y = torch.stack(outs, dim=1)
        if self._bn is not None:
            y = self._bn(y.flatten(1)).reshape(y.shape)
        return self._activation(y)


class _Conv2DBase(nn.Module):
    """Shared state of Conv2D (n=1) and ParallelConv2D: a grouped kernel of n replicas."""

    def __init__(
        self,
        kind,
        in_channels,
        out_channels,
        kernel_size,
        n,
        activation,
        strides,
        padding,
        use_bias,
        use_bn,
        kernel_initializer,
        kernel_init_gain,
        bias_init_value,
    ):
        super().__init__()
        self._n = _check_size(n, f"{kind} n")
        self._in_channels = _check_size(in_channels, f"{kind} in_channels")
        self._out_channels = _check_size(out_channels, f"{kind} out_channels")
        self._kernel_size = _pair(kernel_size, f"{kind} kernel_size")
        self._strides = _pair(strides, f"{kind} strides")
        self._padding = _pair(padding, f"{kind} padding")
        self._activation = check_activation(activation, f"{kind} activation")
        self._use_bn = use_bn
        self._use_bias = (not use_bn) if use_bias is None else use_bias
        self._kernel_initializer = kernel_initializer
        self._kernel_init_gain = kernel_init_gain
        self._bias_init_value = bias_init_value
        self._conv2d = nn.Conv2d(
            n * in_channels,
            n * out_channels,
            self._kernel_size,
            stride=self._strides,
            padding=self._padding,
            groups=n,
            bias=self._use_bias,
        )
        self._bn = BatchNorm2d(n * out_channels) if use_bn else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        c = self._out_channels
        fan_in = self._in_channels * self._kernel_size[0] * self._kernel_size[1]
        for i in range(self._n):
            _init_kernel(
                self._conv2d.weight.data[i * c : (i + 1) * c],
                self._kernel_initializer,
                self._kernel_init_gain,
                self._activation,
            )
        if self._conv2d.bias is not None:
            if self._bias_init_value == 0.0:
                bound = 1.0 / math.sqrt(fan_in)
                nn.init.uniform_(self._conv2d.bias.data, -bound, bound)
            else:
                nn.init.constant_(self._conv2d.bias.data, self._bias_init_value)
        if self._bn is not None:
            self._bn.reset_parameters()

    @property
    def in_channels(self) -> int:
        return self._in_channels

    @property
    def out_channels(self) -> int:
        return self._out_channels

    def output_hw(self, h: int, w: int) -> tuple[int, int]:
        """Spatial output size: ``(H + 2P - K) // S + 1`` per axis."""
        (kh, kw), (sh, sw), (ph, pw) = self._kernel_size, self._strides, self._padding
        return (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1


class Conv2D(_Conv2DBase):
    """2-D convolution ``y = activation(bn(conv(x, W) + b))`` on ``[B, C, H, W]``.

    ``make_parallel`` builds a ``ParallelConv2D``.

    ``use_bias=None`` means bias unless ``use_bn``. Kernel: variance scaling with fan-in
    ``C*kh*kw``; bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) when ``bias_init_value == 0``
    (ALF's current default), else that constant.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        activation: Callable = torch.relu_,
        strides: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        use_bias: bool | None = None,
        use_bn: bool = False,
        kernel_initializer: Initializer | None = None,
        kernel_init_gain: float = 1.0,
        bias_init_value: float = 0.0,
    ):
        super().__init__(
            "Conv2D",
            in_channels,
            out_channels,
            kernel_size,
            1,
            activation,
            strides,
            padding,
            use_bias,
            use_bn,
            kernel_initializer,
            kernel_init_gain,
            bias_init_value,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self._in_channels:
            raise ValueError(
                f"Conv2D input: expected [B, {self._in_channels}, H, W], got {list(x.shape)}"
            )
        y = F.conv2d(x, self._conv2d.weight, self._conv2d.bias, self._strides, self._padding)
        if self._bn is not None:
            y = self._bn(y)
        return self._activation(y)

    def make_parallel(self, n: int) -> ParallelConv2D:
        """n independently initialised copies as one ``ParallelConv2D`` layer."""
        return ParallelConv2D(
            self._in_channels,
            self._out_channels,
            self._kernel_size,
            n,
            self._activation,
            self._strides,
            self._padding,
            self._use_bias,
            self._use_bn,
            self._kernel_initializer,
            self._kernel_init_gain,
            self._bias_init_value,
        )


class ParallelConv2D(_Conv2DBase):
    """n independent Conv2D layers on ``[B, n, C, H, W]`` (or ``[B, C, H, W]``, shared).

    Stored in ALF's grouped layout (see module doc); the reference convolves replica by
    replica with its slice of the kernel.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        n: int,
        activation: Callable = torch.relu_,
        strides: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        use_bias: bool | None = None,
        use_bn: bool = False,
        kernel_initializer: Initializer | None = None,
        kernel_init_gain: float = 1.0,
        bias_init_value: float = 0.0,
    ):
        super().__init__(
            "ParallelConv2D",
            in_channels,
            out_channels,
            kernel_size,
            n,
            activation,
            strides,
            padding,
            use_bias,
            use_bn,
            kernel_initializer,
            kernel_init_gain,
            bias_init_value,
        )

    @property
    def n(self) -> int:
        return self._n

    def parallel_input(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, n, C, H, W]`` as is, ``[B, C, H, W]`` broadcast to every replica."""
        c = self._in_channels
        if x.dim() == 4 and x.shape[1] == c:
            return x.unsqueeze(1).expand(-1, self._n, -1, -1, -1)
        if x.dim() == 5 and x.shape[1] == self._n and x.shape[2] == c:
            return x
        raise ValueError(
            f"ParallelConv2D input: expected [B, {self._n}, {c}, H, W] or [B, {c}, H, W], "
            f"got {list(x.shape)}"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.parallel_input(x)
        c = self._out_channels
        w, b = self._conv2d.weight, self._conv2d.bias
        outs = []
        for i in range(self._n):
            b_i = None if b is None else b[i * c : (i + 1) * c]
            outs.append(
                F.conv2d(x[:, i], w[i * c : (i + 1) * c], b_i, self._strides, self._padding)
            )
        y = torch.stack(outs, dim=1)
        if self._bn is not None:
            y = self._bn(y.flatten(1, 2)).unflatten(1, (self._n, c))
        return self._activation(y)


class Reshape(nn.Module):
    """Reshape every row: ``[B, ...] -> [B, *shape]`` (``-1`` allowed once)."""

    def __init__(self, shape: Sequence[int]):
        super().__init__()
        self._shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # -1 resolved from the row size, so an empty batch reshapes too
        row = math.prod(x.shape[1:])
        known = math.prod(d for d in self._shape if d != -1)
        shape = [row // known if d == -1 else d for d in self._shape]
        return x.reshape(x.shape[0], *shape)

    def make_parallel(self, n: int) -> Reshape:
        return Reshape((n, *self._shape))


class Identity(nn.Module):
    """Pass-through (stands in for a ``None`` preprocessor)."""

    def forward(self, x):
        return x

    def make_parallel(self, n: int) -> Identity:
        return Identity()
