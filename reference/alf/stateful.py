"""Stateful layers: ``Delay``, ``TemporalPool``, ``NoisyFC``, ``OUProcess``.

Each is called one step at a time, ``output, new_state = net(x, state)`` (``OUProcess``:
``new_state, new_state = net(state)``), and has twinnet's ``unroll`` as the literal step loop
(``reference.alf.unroll``).

Random numbers (``NoisyFC``'s noise, ``OUProcess``'s increments) are drawn from torch's
global CPU generator in float32 and then cast to the dtype and device of the computation:
one seed gives the same noise on every device and in every dtype. Upstream draws
``NoisyFC``'s noise the same way (float32, CPU) and ``OUProcess``'s with ``randn_like`` (the
state's dtype and device); twinnet's choice for the latter is deliberate, so that float64
and CUDA runs are comparable to float32 CPU runs under one seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from reference import checks
from reference.alf.common import is_eval
from reference.alf.initializers import identity, variance_scaling_init
from reference.alf.layers import BatchNorm1d, check_activation
from reference.alf.network import Network
from reference.alf.unroll import StepUnroll, check_sequence, reset_rows, stack_steps
from reference.specs import Nest, TensorSpec, check_nest, map_structure


def standard_normal(shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    """N(0, 1) draws of ``shape`` from the global CPU generator in float32, cast to the dtype
    and device of ``like`` (module doc)."""
    return torch.randn(shape, dtype=torch.float32).to(like)


def uniform(shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    """U[0, 1) draws like :func:`standard_normal`."""
    return torch.rand(shape, dtype=torch.float32).to(like.device)


def _positive_int(value: object, what: str, low: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ValueError(f"{what}: expected an int >= {low}, got {value!r}")
    return value


class Delay(StepUnroll, Network):
    """The output is the input of ``delay`` steps ago.

    * ``delay = 0``: ``y_t = x_t``, no state;
    * ``delay = 1``: ``y_t = s``, ``s' = x_t`` (the state has the input's spec);
    * ``delay = d >= 2``: the state is a shift register ``(s_1, ..., s_d)`` of inputs, oldest
      first: ``y_t = s_1``, ``s' = (s_2, ..., s_d, x_t)``.
    """

    def __init__(self, input_tensor_spec: Nest, delay: int = 1, name: str = "Delay"):
        delay = _positive_int(delay, f"{name} delay", low=0)
        if delay == 0:
            state_spec: Nest = ()
        elif delay == 1:
            state_spec = input_tensor_spec
        else:
            state_spec = (input_tensor_spec,) * delay
        super().__init__(input_tensor_spec, state_spec, name)
        self._delay = delay

    @property
    def delay(self) -> int:
        return self._delay

    def forward(self, input: Nest, state: Nest) -> tuple[Nest, Nest]:
        outer = self.check_inputs(input)
        if self._delay == 0:
            return input, ()
        self.check_state(state, outer, input)
        if self._delay == 1:
            return state, input
        return state[0], (*state[1:], input)


class TemporalPool(StepUnroll, Network):
    """Stack the last ``stack_size`` pooled features (ALF's worked example, input 1..5,
    ``stack_size=2``, ``pooling_size=2``)::

                 1        2         3         4           5
        skip:  [0, 1]   [0, 1]    [1, 3]    [1, 3]      [3, 5]
        avg:   [0, 0]   [0, 1.5]  [0, 1.5]  [1.5, 3.5]  [1.5, 3.5]
        max:   [0, 0]   [0, 2]    [0, 2]    [2, 4]      [2, 4]

    ``pooling_size == 1``: the state is the last ``stack_size - 1`` inputs; the output is the
    state with the new input appended: ``[stack_size, *input_size]``.

    ``pooling_size = p > 1``: the state is ``(output, pool, k)``: the current output stack,
    the running pool of the current window (``()`` for skip) and the step counter ``k``
    (int64). Each step: ``k <- k + 1``; the pool takes x (avg: ``pool + (x - pool) / k``,
    max: ``max(pool, x)``, the first step of a window starts it at x); ``k <- k mod p``; the
    stack shifts in the pool result when ``k == 1`` (skip: the first step of each window) or
    ``k == 0`` (avg, max: the last step of each window), else it stays.
    """

    def __init__(
        self,
        input_size: int | Iterable[int],
        stack_size: int,
        pooling_size: int = 1,
        dtype: torch.dtype = torch.float32,
        mode: str = "skip",
        name: str = "TemporalPool",
    ):
        size = tuple(input_size) if isinstance(input_size, Iterable) else (input_size,)
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in size):
            raise ValueError(f"{name} input_size: expected positive ints, got {input_size!r}")
        _positive_int(stack_size, f"{name} stack_size")
        _positive_int(pooling_size, f"{name} pooling_size")
        if mode not in ("skip", "avg", "max"):
            raise ValueError(f"{name} mode: expected 'skip', 'avg' or 'max', got {mode!r}")
        spec = TensorSpec(size, dtype)
        if pooling_size == 1:
            state_spec: Nest = TensorSpec((stack_size - 1, *size), dtype)
        else:
            pool_spec = () if mode == "skip" else spec
            state_spec = (
                TensorSpec((stack_size, *size), dtype),
                pool_spec,
                TensorSpec((), torch.int64),
            )
        super().__init__(spec, state_spec, name)
        self._pooling_size = pooling_size
        self._mode = mode

    def forward(self, x: torch.Tensor, state: Nest) -> tuple[torch.Tensor, Nest]:
        outer = self.check_inputs(x)
        self.check_state(state, outer, x)
        if self._pooling_size == 1:
            output = torch.cat([state, x.unsqueeze(1)], dim=1)
            return output, output[:, 1:]
        stack, pool, k = state
        self.check_counter(k)
        k = k + 1
        starts = (k == 1).reshape(-1, *([1] * (x.dim() - 1)))
        if self._mode == "skip":
            pooled, pool = x, ()
        elif self._mode == "avg":
            weight = (1.0 / k.to(x.dtype)).reshape(starts.shape)
            pool = torch.where(starts, x, pool + (x - pool) * weight)
            pooled = pool
        else:
            pool = torch.where(starts, x, torch.maximum(pool, x))
            pooled = pool
        k = k % self._pooling_size
        update = k == (1 if self._mode == "skip" else 0)
        shifted = torch.cat([stack[:, 1:], pooled.unsqueeze(1)], dim=1)
        stack = torch.where(update.reshape(-1, *([1] * (stack.dim() - 1))), shifted, stack)
        return stack, (stack, pool, k)

    def check_counter(self, k: torch.Tensor) -> None:
        """The state's step counter ``k`` must lie in ``[0, pooling_size)`` (it is kept
        ``mod pooling_size``); one out of range would shift the stack at the wrong steps."""
        if k.numel() and not bool(((k >= 0) & (k < self._pooling_size)).all()):
            raise ValueError(
                f"{self.name} state step counter: expected values in "
                f"[0, {self._pooling_size}), got {sorted(set(k.unique().tolist()))}"
            )


class NoisyFC(StepUnroll, Network):
    """Noisy linear layer (Fortunato et al., factorised Gaussian noise) with its noise as state.

    ``y = activation(norm(x W^T + b + ((x * eps_in) W_sigma^T + b_sigma) * eps_out))``, i.e.
    weight ``W + W_sigma * (eps_out eps_in^T)`` and bias ``b + b_sigma * eps_out`` per row,
    with ``eps = f(z)``, ``f(z) = sign(z) sqrt|z|``, ``z ~ N(0, 1)``. The state is
    ``(eps_in [in], eps_out [out])``, one noise per batch row. Each call draws, in this order,
    ``z_in [B, in]``, ``z_out [B, out]`` and ``u [B] ~ U[0, 1)``, and a row takes the new noise
    when ``u < new_noise_prob`` or its noise state is all zeros (the initial state).

    In eval mode there is no noise (``y`` is the plain FC) and the state passes through.
    Eval mode is the spec's: ALF's global flag ``common.is_eval()``
    (``reference.alf.common.set_exe_mode(EXE_MODE_EVAL)``), as upstream reads it; the module's
    own ``net.eval()``, which ALF's trainer sets alongside, turns the noise off as well.

    Initialisation: ``W`` by ``kernel_initializer`` or ALF's variance scaling with
    ``kernel_init_gain``; ``W_sigma = std_init / sqrt(in)``; ``b`` by ``bias_initializer``
    or the constant ``bias_init_value``; ``b_sigma = std_init / sqrt(out)``. ``use_ln``
    applies LayerNorm, then ``use_bn`` applies ``bn_ctor(out)``, as upstream; the default
    ``bn_ctor`` is ``torch.nn.BatchNorm1d`` with running statistics that never take in a
    non-finite batch (``reference.alf.layers.BatchNorm1d``, contract item 7).
    ``weight_opt_args`` / ``bias_opt_args`` are attached as ``opt_args`` to the parameters
    (the sigma ones with ``zero_mean=False`` and, for the weight, ``fixed_norm=False``).
    """

    def __init__(
        self,
        input_size: int,
        output_size: int,
        std_init: float = 0.5,
        new_noise_prob: float = 0.01,
        activation: Callable = identity,
        use_bn: bool = False,
        use_ln: bool = False,
        bn_ctor: Callable = BatchNorm1d,
        kernel_initializer: Callable | None = None,
        kernel_init_gain: float = 1.0,
        bias_init_value: float = 0.0,
        bias_initializer: Callable | None = None,
        weight_opt_args: dict | None = None,
        bias_opt_args: dict | None = None,
    ):
        _positive_int(input_size, "NoisyFC input_size")
        _positive_int(output_size, "NoisyFC output_size")
        checks.unit(new_noise_prob, "NoisyFC new_noise_prob")
        checks.finite(std_init, "NoisyFC std_init")
        checks.flag(use_bn, "NoisyFC use_bn")
        checks.flag(use_ln, "NoisyFC use_ln")
        super().__init__(
            TensorSpec((input_size,)),
            (TensorSpec((input_size,)), TensorSpec((output_size,))),
            "NoisyFC",
        )
        self._input_size = input_size
        self._output_size = output_size
        self._std_init = std_init
        self._new_noise_prob = float(new_noise_prob)
        self._activation = check_activation(activation, "NoisyFC activation")
        self._kernel_initializer = kernel_initializer
        self._kernel_init_gain = kernel_init_gain
        self._bias_init_value = bias_init_value
        self._bias_initializer = bias_initializer
        self._weight = nn.Parameter(torch.empty(output_size, input_size))
        self._weight_sigma = nn.Parameter(torch.empty(output_size, input_size))
        self._bias = nn.Parameter(torch.empty(output_size))
        self._bias_sigma = nn.Parameter(torch.empty(output_size))
        self._bn = bn_ctor(output_size) if use_bn else None
        self._ln = nn.LayerNorm(output_size) if use_ln else None
        self.reset_parameters()
        if weight_opt_args:
            self._weight.opt_args = weight_opt_args  # type: ignore[attr-defined]
            sigma_args = {**weight_opt_args, "zero_mean": False, "fixed_norm": False}
            self._weight_sigma.opt_args = sigma_args  # type: ignore[attr-defined]
        if bias_opt_args:
            self._bias.opt_args = bias_opt_args  # type: ignore[attr-defined]
            self._bias_sigma.opt_args = {**bias_opt_args, "zero_mean": False}  # type: ignore[attr-defined]

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
    def bias(self) -> torch.Tensor:
        return self._bias

    def reset_parameters(self) -> None:
        """Initialise the parameters (class doc)."""
        with torch.no_grad():
            if self._kernel_initializer is None:
                variance_scaling_init(
                    self._weight, gain=self._kernel_init_gain, nonlinearity=self._activation
                )
            else:
                self._kernel_initializer(self._weight)
            self._weight_sigma.fill_(self._std_init / math.sqrt(self._input_size))
            if self._bias_initializer is None:
                self._bias.fill_(self._bias_init_value)
            else:
                self._bias_initializer(self._bias)
            self._bias_sigma.fill_(self._std_init / math.sqrt(self._output_size))
        if self._ln is not None:
            self._ln.reset_parameters()
        if self._bn is not None:
            self._bn.reset_parameters()

    def new_noise(self, x: torch.Tensor, state: Nest) -> tuple[torch.Tensor, torch.Tensor]:
        """The noise state of this step: draw ``z_in, z_out, u`` (class doc) and resample the
        rows that ask for it."""
        eps_in, eps_out = state
        batch = x.shape[0]
        fresh_in = _factorised_noise((batch, self._input_size), x)
        fresh_out = _factorised_noise((batch, self._output_size), x)
        resample = uniform((batch,), x) < self._new_noise_prob
        resample = resample | ((eps_in == 0).all(dim=1) & (eps_out == 0).all(dim=1))
        resample = resample.unsqueeze(1)
        return torch.where(resample, fresh_in, eps_in), torch.where(resample, fresh_out, eps_out)

    def forward(self, input: torch.Tensor, state: Nest) -> tuple[torch.Tensor, Nest]:
        outer = self.check_inputs(input)
        self.check_state(state, outer, input)
        y = input @ self._weight.T + self._bias
        if self.training and not is_eval():
            eps_in, eps_out = self.new_noise(input, state)
            y = y + ((input * eps_in) @ self._weight_sigma.T + self._bias_sigma) * eps_out
            state = (eps_in, eps_out)
        if self._ln is not None:
            y = self._ln(y)
        if self._bn is not None:
            y = self._bn(y)
        return self._activation(y), state


def _factorised_noise(shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    """``f(z) = sign(z) sqrt|z|`` of float32 draws ``z ~ N(0, 1)``, computed in float32 and
    then cast to the dtype of ``like``: upstream ALF draws and transforms its noise in the
    default dtype and promotes the product, so a float64 layer's noise carries float32
    rounding there too."""
    z = torch.randn(shape, dtype=torch.float32)
    return (torch.sign(z) * torch.sqrt(torch.abs(z))).to(like)


class OUProcess(Network):
    """A zero-mean Ornstein-Uhlenbeck process; the state is the process value.

    ``x_next = (1 - damping) * x + stddev * z`` with ``z ~ N(0, 1)`` per element (drawn as
    the module doc says, one draw per state leaf in nest order), as the spec states it.
    ``forward(state)`` takes only the state and returns ``(x_next, x_next)``. ``unroll``
    takes the inputs argument of the sequence API for uniformity and ignores it: the T of the
    sequence is that of ``first_step``.
    """

    def __init__(self, state_spec: Nest, damping: float = 0.15, stddev: float = 0.2):
        checks.unit(damping, "OUProcess damping")
        checks.nonnegative(stddev, "OUProcess stddev")
        super().__init__((), state_spec, "OUProcess")
        self._damping = float(damping)
        self._stddev = float(stddev)

    @property
    def output_spec(self) -> Nest:
        return self._state_spec

    def forward(self, state: Nest) -> tuple[Nest, Nest]:
        check_nest(self._state_spec, state, 1, None, "OUProcess state")
        keep = 1.0 - self._damping
        new = map_structure(
            lambda x: keep * x + self._stddev * standard_normal(tuple(x.shape), x), state
        )
        return new, new

    def unroll(self, inputs: Any, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """T steps from ``state`` (inputs ignored, class doc): ``(values [T, B, ...], final)``;
        a row's value is reset to zeros before each step where ``first_step`` marks it."""
        steps, _ = check_sequence(self, (), state, first_step)
        if steps == 0:
            return map_structure(lambda x: x.unsqueeze(0)[:0], state), state
        outputs = []
        for t in range(steps):
            state = reset_rows(state, first_step[t])
            y, state = self(state)
            outputs.append(y)
        return stack_steps(outputs), state


__all__ = ["Delay", "NoisyFC", "OUProcess", "TemporalPool"]
