"""ALF's ``ReluMLP`` and its ``SimpleFC`` layers, written as the math.

A ``ReluMLP`` with hidden sizes ``H_1 .. H_h`` (``h`` may be 0) is ``L = h + 1`` affine layers

    h_l = W_l a_{l-1} + b_l,   a_0 = x,   a_l = relu(h_l) (l <= h),   y = h_L,

with ``W_l`` of shape ``[H_l, H_{l-1}]`` (``H_0 = D`` the input size, ``H_L`` the output
size). Its input-output Jacobian at ``x`` is the product of the layer Jacobians

    J(x) = W_L · diag(m_h) · W_h · ... · diag(m_1) · W_1,   m_l = 1[h_l > 0],

so it is known in closed form once the forward pass has recorded the pre-activations. The
ReLU derivative at exactly 0 is taken as 0 (the mask is ``h_l > 0``), as torch's own ReLU
backward does. Everything else follows from ``J``:

* ``compute_jac(x, idx)``: the rows ``idx`` of ``J`` (all rows when ``idx`` is None);
* ``compute_jac_diag(x)``: ``J_ii`` (square networks only);
* ``compute_jvp(x, v, idx)``: ``J[idx] v``; ``compute_vjp(x, u, idx)``: ``u^T J[idx]``.

Shapes: inputs are ``[D]`` or ``[B, D]``. A 1-D input gives unbatched results everywhere
(outputs ``[out]``, Jacobian ``[out, D]``, diagonal ``[D]``). Upstream leaves a leading
batch dim of 1 on the Jacobian that ``forward(..., requires_jac=True)`` returns for a 1-D
input; here it is squeezed like in every other method.

Parameters mirror ALF: ``_fc_layers.<i>.weight [H_{i+1}, H_i]`` and ``_fc_layers.<i>.bias``
(``SimpleFC`` is an ``nn.Linear``, with its default initialisation). The hidden layers apply
``torch.relu`` out of place, so ``net[i].hidden_neurons`` holds the pre-activation
``h_i``; upstream's in-place ``relu_`` leaves ``relu(h_i)`` there, with the same mask.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from reference.alf.initializers import identity
from reference.alf.network import Network
from reference.specs import Nest, TensorSpec

Index = Sequence[int] | torch.Tensor


def _check_size(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{what}: expected a positive int, got {value!r}")
    return value


class SimpleFC(nn.Linear):
    """``nn.Linear`` that records its pre-activation: ``y = activation(x W^T + b)``.

    ``hidden_neurons`` is ``x W^T + b`` of the last call (None before the first one); the
    ``ReluMLP`` reads the ReLU masks off it. Inputs are ``[..., input_size]`` like any
    ``nn.Linear``. An in-place activation (``torch.relu_``) overwrites the recorded tensor,
    as it does upstream.
    """

    def __init__(self, input_size: int, output_size: int, activation: Callable = identity):
        _check_size(input_size, "SimpleFC input_size")
        _check_size(output_size, "SimpleFC output_size")
        if not callable(activation):
            raise TypeError(
                f"SimpleFC activation: expected a callable, got {type(activation).__name__}"
            )
        super().__init__(input_size, output_size)
        self._activation = activation
        self._hidden_neurons: torch.Tensor | None = None

    @property
    def hidden_neurons(self) -> torch.Tensor | None:
        """The pre-activation ``x W^T + b`` of the last forward call."""
        return self._hidden_neurons

    def __getstate__(self) -> dict:
        """What ``copy`` and ``pickle`` take: the recorded pre-activation without the
        autograd graph of the call that recorded it (torch copies graph leaves only, and
        ``copy.deepcopy`` must work at any time, contract item 7)."""
        state = super().__getstate__()
        if self._hidden_neurons is not None:
            state["_hidden_neurons"] = self._hidden_neurons.detach()
        return state

    def check_input(self, inputs: Any) -> None:
        """Raise ``TypeError``/``ValueError`` unless ``inputs`` is ``[..., input_size]`` with
        the layer's floating dtype."""
        what = "SimpleFC input"
        if not isinstance(inputs, torch.Tensor):
            raise TypeError(f"{what}: expected a torch.Tensor, got {type(inputs).__name__}")
        if inputs.dtype != self.weight.dtype:
            raise TypeError(
                f"{what}: expected dtype {self.weight.dtype} (the layer's parameter dtype), "
                f"got {inputs.dtype}"
            )
        if inputs.dim() < 1 or inputs.shape[-1] != self.in_features:
            raise ValueError(
                f"{what}: expected shape [..., {self.in_features}], got {list(inputs.shape)}"
            )

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        self.check_input(inputs)
        pre = inputs @ self.weight.T + self.bias
        self._hidden_neurons = pre
        return self._activation(pre)


class ReluMLP(Network):
    """An MLP with ReLU hidden layers whose Jacobian, its diagonal, JVPs and VJPs are
    computed in closed form from the recorded ReLU masks (see the module docstring).

    Args:
        input_tensor_spec: a 1-D ``TensorSpec([D])``.
        output_size: the output size; ``D`` when None.
        hidden_layers: the hidden sizes; ``()`` makes the network one linear layer.
        name: the network's name.
    """

    def __init__(
        self,
        input_tensor_spec: TensorSpec,
        output_size: int | None = None,
        hidden_layers: Sequence[int] = (64, 64),
        name: str = "ReluMLP",
    ):
        if not isinstance(input_tensor_spec, TensorSpec):
            raise TypeError(
                f"ReluMLP input_tensor_spec: expected a TensorSpec, got "
                f"{type(input_tensor_spec).__name__}"
            )
        if input_tensor_spec.ndim != 1:
            raise ValueError(
                f"ReluMLP input_tensor_spec: expected a 1-D spec [D], got shape "
                f"{list(input_tensor_spec.shape)}"
            )
        if not input_tensor_spec.is_continuous:
            raise TypeError(
                f"ReluMLP input_tensor_spec: expected a floating dtype, got "
                f"{input_tensor_spec.dtype}"
            )
        input_size = _check_size(input_tensor_spec.shape[0], "ReluMLP input size")
        if output_size is not None:
            _check_size(output_size, "ReluMLP output_size")
        if not isinstance(hidden_layers, (tuple, list)):
            raise TypeError(
                f"ReluMLP hidden_layers: expected a tuple of ints, got "
                f"{type(hidden_layers).__name__}"
            )
        for size in hidden_layers:
            _check_size(size, "ReluMLP hidden_layers entry")
        super().__init__(input_tensor_spec, name=name)
        self._input_size = input_size
        self._output_size = input_size if output_size is None else output_size
        self._hidden_layers = tuple(hidden_layers)
        self._fc_layers = nn.ModuleList()
        size_in = input_size
        for size in self._hidden_layers:
            self._fc_layers.append(SimpleFC(size_in, size, activation=torch.relu))
            size_in = size
        self._fc_layers.append(SimpleFC(size_in, self._output_size, activation=identity))

    def __getitem__(self, i: int) -> SimpleFC:
        """The i-th (zero-based) ``SimpleFC`` layer."""
        return self._fc_layers[i]  # type: ignore[return-value]

    @property
    def input_size(self) -> int:
        return self._input_size

    @property
    def output_size(self) -> int:
        return self._output_size

    @property
    def hidden_layers(self) -> tuple[int, ...]:
        return self._hidden_layers

    # -- argument checks -----------------------------------------------------------------
    def _batched(self, inputs: Any) -> tuple[torch.Tensor, bool]:
        """``inputs`` as ``[B, D]`` and whether it came unbatched (``[D]``)."""
        outer = self.check_inputs(inputs, outer_rank=(0, 1))
        return (inputs.unsqueeze(0), True) if not outer else (inputs, False)

    def _check_vec(
        self, vec: Any, sizes: tuple[int, ...], x: torch.Tensor, unbatched: bool, what: str
    ) -> None:
        """``vec`` must be ``[size]`` (1-D inputs) or ``[B, size]`` for a size in ``sizes``."""
        what = f"{self._name} {what}"
        if not isinstance(vec, torch.Tensor):
            raise TypeError(f"{what}: expected a torch.Tensor, got {type(vec).__name__}")
        if vec.dtype != x.dtype:
            raise TypeError(f"{what}: expected dtype {x.dtype} (the inputs'), got {vec.dtype}")
        lead = [] if unbatched else [x.shape[0]]
        if list(vec.shape[:-1]) != lead or vec.dim() == 0 or vec.shape[-1] not in sizes:
            want = " or ".join(str([*lead, s]) for s in sizes)
            raise ValueError(
                f"{what}: expected shape {want} (matching the inputs {list(x.shape[1:])} "
                f"{'unbatched' if unbatched else 'with batch ' + str(x.shape[0])}), "
                f"got {list(vec.shape)}"
            )

    def _check_idx(self, idx: Index | None) -> list[int] | None:
        """``output_partial_idx`` as a list of ints in ``[0, output_size)`` (repeats and any
        order allowed), or None."""
        if idx is None:
            return None
        what = f"{self._name} output_partial_idx"
        if isinstance(idx, torch.Tensor):
            if idx.dim() != 1 or idx.dtype.is_floating_point or idx.dtype == torch.bool:
                raise TypeError(
                    f"{what}: expected a list or 1-D integer tensor of indices, got a "
                    f"{idx.dtype} tensor of shape {list(idx.shape)}"
                )
            idx = idx.tolist()
        if not isinstance(idx, (list, tuple)) or not all(
            isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in idx
        ):
            raise TypeError(f"{what}: expected a list of int indices, got {idx!r}")
        idx = [int(i) for i in idx]
        if len(idx) == 0:
            raise ValueError(f"{what}: expected at least one index, got an empty list")
        bad = [i for i in idx if not 0 <= i < self._output_size]
        if bad:
            raise ValueError(
                f"{what}: expected indices in [0, {self._output_size}) (the output size), got {bad}"
            )
        return list(idx)

    def _check_square(self, method: str) -> None:
        if self._output_size != self._input_size:
            raise ValueError(
                f"{self._name} {method}: the Jacobian diagonal needs output_size == input "
                f"size, expected {self._input_size}, got output_size {self._output_size}"
            )

    # -- the math ------------------------------------------------------------------------
    def _layers(self) -> list[SimpleFC]:
        """The ``SimpleFC`` layers, input side first."""
        return list(self._fc_layers)  # type: ignore[arg-type]

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        """Forward pass of ``[B, D]``; every layer records its pre-activation ``h_l``."""
        for fc in self._layers():
            x = fc(x)
        return x

    def _masks(self) -> list[torch.Tensor]:
        """``m_l = 1[h_l > 0]`` (``[B, H_l]``) of the hidden layers, from the last ``_run``."""
        masks = []
        for fc in self._layers()[:-1]:
            h = fc.hidden_neurons
            assert h is not None, "_masks needs a forward pass first"
            masks.append((h > 0).to(h.dtype))
        return masks

    def _jacobian(self, batch: int, idx: list[int] | None) -> torch.Tensor:
        """``J[idx] = W_L[idx] · diag(m_h) · W_h ··· diag(m_1) · W_1`` for the last ``_run``,
        ``[B, k, D]``, multiplied out from the output side one layer at a time."""
        layers = self._layers()
        w_last = layers[-1].weight
        rows = w_last if idx is None else w_last[idx]  # [k, H_h]
        jac = rows.expand(batch, *rows.shape)  # d y[idx] / d a_h, one copy per sample
        for fc, mask in zip(reversed(layers[:-1]), reversed(self._masks())):
            # d y / d a_{l-1} = (d y / d a_l) · diag(m_l) · W_l
            jac = (jac * mask[:, None, :]) @ fc.weight
        return jac.clone() if len(layers) == 1 else jac

    # -- public API ----------------------------------------------------------------------
    def forward(
        self,
        inputs: torch.Tensor,
        state: Nest = (),
        requires_jac: bool = False,
        requires_jac_diag: bool = False,
    ) -> tuple[Any, Nest]:
        """``(outputs, state)``; ``((outputs, J), state)`` with ``requires_jac`` (which wins
        when both flags are set), ``((outputs, diag J), state)`` with ``requires_jac_diag``.
        For a 1-D input every result is unbatched (``J`` is ``[out, D]``, squeezed unlike
        upstream's ``[1, out, D]``). ``state`` is returned unchanged."""
        x, unbatched = self._batched(inputs)
        if requires_jac_diag and not requires_jac:
            self._check_square("forward(requires_jac_diag=True)")
        y = self._run(x)
        result: Any = y
        if requires_jac:
            result = (y, self._jacobian(x.shape[0], None))
        elif requires_jac_diag:
            result = (y, torch.diagonal(self._jacobian(x.shape[0], None), 0, 1, 2).clone())
        if unbatched:
            result = tuple(t[0] for t in result) if isinstance(result, tuple) else y[0]
        return result, state

    def compute_jac(
        self, inputs: torch.Tensor, output_partial_idx: Index | None = None
    ) -> torch.Tensor:
        """The Jacobian ``d y[idx] / d x = W_L[idx] · diag(m_h) · W_h ··· diag(m_1) · W_1``.

        Returns ``[B, k, D]`` (``[k, D]`` for a 1-D input), ``k = len(output_partial_idx)``
        or the output size when it is None; indices may repeat and come in any order.
        """
        x, unbatched = self._batched(inputs)
        idx = self._check_idx(output_partial_idx)
        self._run(x)
        jac = self._jacobian(x.shape[0], idx)
        return jac[0] if unbatched else jac

    def compute_jac_diag(self, inputs: torch.Tensor) -> torch.Tensor:
        """``J_ii`` for ``i < D``, ``[B, D]`` (``[D]`` for a 1-D input): the diagonal of
        ``compute_jac``. ``ValueError`` unless output size == input size."""
        x, unbatched = self._batched(inputs)
        self._check_square("compute_jac_diag")
        self._run(x)
        diag = torch.diagonal(self._jacobian(x.shape[0], None), 0, 1, 2).clone()
        return diag[0] if unbatched else diag

    def compute_jvp(
        self, inputs: torch.Tensor, vec: torch.Tensor, output_partial_idx: Index | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(J[idx] v, outputs)``: ``jvp_b = sum_j J_b[idx, j] v_b[j]``, ``[B, k]``; ``vec``
        is ``[B, D]`` (``[D]`` for a 1-D input, then both results are unbatched)."""
        x, unbatched = self._batched(inputs)
        self._check_vec(vec, (self._input_size,), x, unbatched, "compute_jvp vec")
        idx = self._check_idx(output_partial_idx)
        y = self._run(x)
        v = vec.unsqueeze(0) if unbatched else vec
        jac = self._jacobian(x.shape[0], idx)  # [B, k, D]
        jvp = (jac @ v[:, :, None])[:, :, 0]
        return (jvp[0], y[0]) if unbatched else (jvp, y)

    def compute_vjp(
        self, inputs: torch.Tensor, vec: torch.Tensor, output_partial_idx: Index | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(u^T J[idx], outputs)``: ``vjp_b = sum_k u_b[k] J_b[idx_k, :]``, ``[B, D]``.

        ``vec`` has the output size, or ``len(idx)`` when ``idx`` is given. A vec of the
        output size is first indexed, ``u = vec[..., idx]``; when ``len(idx)`` equals the
        output size that reading wins (upstream's rule), so ``vec`` is then indexed too.
        """
        x, unbatched = self._batched(inputs)
        idx = self._check_idx(output_partial_idx)
        sizes = (self._output_size,) if idx is None else (len(idx), self._output_size)
        self._check_vec(vec, sizes, x, unbatched, "compute_vjp vec")
        y = self._run(x)
        u = vec.unsqueeze(0) if unbatched else vec
        if idx is not None and u.shape[-1] == self._output_size:
            u = u[:, idx]
        jac = self._jacobian(x.shape[0], idx)  # [B, k, D]
        vjp = (u[:, None, :] @ jac)[:, 0, :]
        return (vjp[0], y[0]) if unbatched else (vjp, y)
