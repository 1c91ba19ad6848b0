"""Pyrado's recurrent policy base, its scripted stateful wrapper and the hidden-state packing.

Upstream: ``pyrado/policies/recurrent/base.py`` (and the parts of ``pyrado/policies/base.py``
``Policy`` that recurrent policies use). A recurrent policy is stateless between calls:
``act, hidden = policy(obs, hidden)``. ``obs`` is ``[D]`` (one unbatched step) or ``[B, D]``
(one step of ``B`` sequences); ``hidden`` is the *packed* state, ``[hidden_size]`` or
``[B, hidden_size]``.

Packing of the ``[L, B, H]`` state of a ``torch.nn.RNNBase`` with ``L`` layers:
``packed[b, l * H + j] = hidden[l, b, j]`` (layer-major per row); without a batch the
packed vector is ``hidden[:, 0, :]`` flattened. LSTM policies pack ``(h, c)`` as
``[h_0 .. h_{L-1}, c_0 .. c_{L-1}]`` per row (``2 L H`` values, see ``rnn.py``).

Deviations from upstream, each deliberate: shape mismatches raise ``ValueError`` instead of
``assert``; ``init_hidden`` returns the policy's floating dtype and device (upstream: the
default dtype); ``device`` is where the parameters are (upstream: fixed at construction).
"""

from __future__ import annotations

import itertools
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from reference import checks
from reference.pyrado.spaces import check_env_spec
from reference.pyrado.step_sequence import StepSequence


def default_unpack_hidden(
    hidden: torch.Tensor,
    num_recurrent_layers: int,
    hidden_size: int,
    batch_size: int | None = None,
) -> torch.Tensor:
    """The packed state (``[L * H]`` or ``[B, L * H]``) as ``[L, B, H]`` (``B = 1`` unbatched):
    ``unpacked[l, b, j] = packed[b, l * H + j]``. ``batch_size`` must be None for a 1-D and
    equal ``B`` for a 2-D state."""
    size = num_recurrent_layers * hidden_size
    if hidden.dim() == 1:
        if hidden.shape[0] != size:
            raise ValueError(f"hidden: expected {size} values, got shape {list(hidden.shape)}")
        if batch_size is not None:
            raise ValueError(f"hidden: expected a [{batch_size}, {size}] batch, got a 1-D state")
        return hidden.reshape(num_recurrent_layers, 1, hidden_size)
    if hidden.dim() == 2:
        if hidden.shape[1] != size or hidden.shape[0] != batch_size:
            raise ValueError(
                f"hidden: expected shape [{batch_size}, {size}], got {list(hidden.shape)}"
            )
        return hidden.reshape(batch_size, num_recurrent_layers, hidden_size).transpose(0, 1)
    raise ValueError(f"hidden: expected a 1-D or 2-D state, got shape {list(hidden.shape)}")


def default_pack_hidden(
    hidden: torch.Tensor,
    num_recurrent_layers: int,
    hidden_size: int,
    batch_size: int | None = None,
) -> torch.Tensor:
    """The inverse of :func:`default_unpack_hidden`: ``[L, B, H]`` to ``[B, L * H]``
    (``batch_size`` given) or to ``[L * H]`` (None, ``B = 1``)."""
    size = num_recurrent_layers * hidden_size
    if batch_size is None:
        if hidden.numel() != size:
            raise ValueError(f"hidden: expected {size} values, got shape {list(hidden.shape)}")
        return hidden.reshape(size)
    if (
        hidden.dim() != 3
        or hidden.shape[1] != batch_size
        or hidden.shape[0] * hidden.shape[2] != size
    ):
        raise ValueError(
            f"hidden: expected shape [{num_recurrent_layers}, {batch_size}, {hidden_size}], got "
            f"{list(hidden.shape)}"
        )
    return hidden.transpose(0, 1).reshape(batch_size, size)


def check_obs(obs: Any, obs_dim: int, like: torch.Tensor | None) -> int | None:
    """Validate an observation ``[D]`` / ``[B, D]``; return ``B`` (None unbatched). ``like``: a
    floating parameter whose dtype the observation must have."""
    if not isinstance(obs, torch.Tensor):
        raise TypeError(f"obs: expected a torch.Tensor, got {type(obs).__name__}")
    if not obs.is_floating_point():
        raise TypeError(f"obs: expected a floating tensor, got {obs.dtype}")
    if like is not None and obs.dtype != like.dtype:
        raise TypeError(f"obs: expected dtype {like.dtype} (the policy's), got {obs.dtype}")
    if obs.dim() not in (1, 2) or obs.shape[-1] != obs_dim:
        raise ValueError(
            f"obs: expected shape [{obs_dim}] or [B, {obs_dim}], got {list(obs.shape)}"
        )
    return None if obs.dim() == 1 else obs.shape[0]


def check_hidden(hidden: Any, batch_size: int | None, size: int, obs: torch.Tensor) -> None:
    """Validate a packed state: ``[size]`` unbatched, ``[B, size]`` batched, ``obs``'s dtype."""
    if not isinstance(hidden, torch.Tensor):
        raise TypeError(f"hidden: expected a torch.Tensor, got {type(hidden).__name__}")
    if hidden.dtype != obs.dtype:
        raise TypeError(
            f"hidden: expected dtype {obs.dtype} (the observation's), got {hidden.dtype}"
        )
    want = [size] if batch_size is None else [batch_size, size]
    if list(hidden.shape) != want:
        raise ValueError(f"hidden: expected shape {want}, got {list(hidden.shape)}")


@dataclass
class RolloutData:
    """What ``evaluate`` reads of a rollout container, as tensors in the policy's dtype and on
    its device: ``bounds = [0, b_1, ..., N]`` (rollout ``i`` is steps ``bounds[i]:bounds[i+1]``),
    ``observations [N, D]`` (the extra final observation dropped) and ``first_hidden
    [R, size]``, the state recorded at every rollout's first step (None when the container
    has no such field: every rollout starts from ``init_hidden``)."""

    bounds: list[int]
    observations: torch.Tensor
    first_hidden: torch.Tensor | None


def _as_tensor(name: str, value: Any, like: torch.Tensor) -> torch.Tensor:
    """A field (tensor or ndarray, as ``data_format`` stored it) as a tensor like ``like``."""
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(value)
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"rollout: expected {name} as a tensor or an ndarray, got {type(value)}")
    if not (value.is_floating_point() or value.dtype in (torch.int32, torch.int64)):
        raise TypeError(f"rollout: expected numeric {name}, got {value.dtype}")
    return value.to(dtype=like.dtype, device=like.device)


def read_rollout(rollout: Any, hidden_states_name: str, policy: RecurrentPolicy) -> RolloutData:
    """``evaluate``'s one validation path, shared by the reference and its twins, once per
    call before any step: the observations ``[N, D]`` of ``policy``'s observation size, the
    recorded hidden states ``[N, size]`` of its ``hidden_size`` (contract item 8), read in its
    dtype and on its device. ``rollout``: any
    container with Pyrado's ``StepSequence`` interface (``data_format``, ``continuous``,
    ``data_names``, ``rollout_bounds``, ``get_data_values``): twinnet's, or upstream's own
    object as its sampler and ``StepSequence.concat`` produce it, in either data format.
    Upstream's ``evaluate`` refuses numpy data; here numpy fields are read like tensors
    (upstream's sampler records numpy unless told otherwise)."""
    missing = [
        attr
        for attr in ("data_format", "continuous", "data_names", "rollout_bounds", "get_data_values")
        if not hasattr(rollout, attr)
    ]
    if missing:
        raise TypeError(
            f"rollout: expected a StepSequence, got {type(rollout).__name__} without {missing}"
        )
    if rollout.data_format not in ("torch", "numpy"):
        raise TypeError(
            f"rollout: expected data_format 'torch' or 'numpy', got {rollout.data_format!r}"
        )
    if not rollout.continuous:
        raise ValueError("rollout: expected a continuous StepSequence, got a discontinuous one")
    bounds = [int(b) for b in rollout.rollout_bounds]
    if len(bounds) < 2 or bounds[0] != 0 or any(a >= b for a, b in itertools.pairwise(bounds)):
        raise ValueError(f"rollout: expected increasing rollout_bounds from 0, got {bounds}")
    steps = bounds[-1]
    like, obs_dim = policy._float_like(), policy.env_spec.obs_space.flat_dim
    obs = _as_tensor("observations", rollout.get_data_values("observations", True), like)
    if obs.dim() != 2 or obs.shape[0] != steps or obs.shape[1] != obs_dim:
        raise ValueError(
            f"rollout: expected observations of shape [{steps}, {obs_dim}] (the rollout_bounds' "
            f"{steps} steps, the policy's observation size), got {list(obs.shape)}"
        )
    first_hidden = None
    if hidden_states_name in rollout.data_names:
        hidden = _as_tensor(hidden_states_name, rollout.get_data_values(hidden_states_name), like)
        size = policy.hidden_size
        if (
            hidden.dim() != 2
            or hidden.shape[0] not in (steps, steps + 1)
            or hidden.shape[1] != size
        ):
            raise ValueError(
                f"rollout: expected {hidden_states_name} of shape [{steps}, {size}] (the "
                f"policy's hidden_size), got {list(hidden.shape)}"
            )
        first_hidden = hidden[bounds[:-1]]
    return RolloutData(bounds, obs, first_hidden)


class RecurrentPolicy(nn.Module, ABC):
    """Base of recurrent policies (module doc): ``act, hidden = policy(obs, hidden)``.

    ``hidden_size`` is the number of packed state values per sequence; ``init_hidden(B)``
    the state every sequence starts from (zeros unless a subclass says otherwise);
    ``evaluate(rollout)`` re-runs concatenated rollouts with gradients, each from the hidden
    state recorded at its first step; ``script()`` a TorchScript module with
    ``action = tm(observation)`` that keeps the hidden state and has ``reset()``.
    """

    name: str | None = None

    def __init__(self, spec: Any, use_cuda: bool):
        check_env_spec(spec, type(self).__name__)
        if not isinstance(use_cuda, bool):
            raise TypeError(f"use_cuda: expected a bool, got {use_cuda!r}")
        super().__init__()
        self._env_spec = spec
        self._use_cuda = use_cuda and torch.cuda.is_available()
        if use_cuda and not self._use_cuda:
            warnings.warn("use_cuda=True without CUDA: the policy stays on the CPU", stacklevel=2)

    # -- what Pyrado's Policy gives every policy ---------------------------------------------
    @property
    def env_spec(self) -> Any:
        return self._env_spec

    @property
    def device(self) -> str:
        """Where the parameters (and buffers) are; ``cpu`` for a policy without any."""
        first = next(itertools.chain(self.parameters(), self.buffers()), None)
        return "cpu" if first is None else str(first.device)

    @property
    def param_values(self) -> torch.Tensor:
        """All parameters as one vector (a copy); assigning a vector sets them."""
        return parameters_to_vector(self.parameters())

    @param_values.setter
    def param_values(self, values: torch.Tensor) -> None:
        current = self.param_values
        if values.shape != current.shape:
            raise ValueError(
                f"param_values: expected shape {list(current.shape)}, got {list(values.shape)}"
            )
        vector_to_parameters(values, self.parameters())

    @property
    def is_recurrent(self) -> bool:
        return True

    def _float_like(self) -> torch.Tensor:
        """The floating tensor whose dtype and device the state takes: the first floating
        parameter (or buffer), found lazily: every forward checks its input against it, so
        it must not list all parameters per call."""
        first = checks.first_float_parameter(self)
        if first is None:
            first = next((t for t in self.buffers() if t.is_floating_point()), None)
        return torch.empty(0) if first is None else first

    # -- the recurrent API -----------------------------------------------------------------
    @property
    @abstractmethod
    def hidden_size(self) -> int:
        """The number of (packed) hidden state values per sequence."""

    def init_hidden(self, batch_size: int | None = None) -> torch.Tensor:
        """Zeros: ``[hidden_size]`` (None) or ``[batch_size, hidden_size]``."""
        like = self._float_like()
        shape = (self.hidden_size,) if batch_size is None else (batch_size, self.hidden_size)
        return torch.zeros(shape, dtype=like.dtype, device=like.device)

    @abstractmethod
    def init_param(self, init_values: torch.Tensor | None = None, **kwargs: Any) -> None:
        """Initialise the parameters randomly, or to the vector ``init_values``."""

    @abstractmethod
    def forward(
        self, obs: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(action, new hidden)`` for one step; ``hidden=None`` starts from ``init_hidden``."""

    @abstractmethod
    def evaluate(self, rollout: StepSequence, hidden_states_name: str = "hidden_states") -> Any:
        """The actions of every step of ``rollout`` with gradients through the hidden state."""

    def script(self) -> torch.jit.ScriptModule:
        """A TorchScript :class:`StatefulRecurrentNetwork` of this policy."""
        return torch.jit.script(StatefulRecurrentNetwork(self))


class StatefulRecurrentNetwork(nn.Module):
    """A recurrent policy traced for unbatched steps that keeps its hidden state in the
    buffer ``hidden``: ``act = tm(obs)`` advances it, ``reset()`` sets it to
    ``net.init_hidden()``. ``net`` is traced (``forward`` on a uniform observation of the
    observation space and ``init_hidden``), so it must not be a script module.

    Upstream traces with a float64 observation (numpy's draw) whatever the policy's dtype;
    this one casts the draw to the policy's floating dtype.
    """

    def __init__(self, net: RecurrentPolicy):
        if isinstance(net, torch.jit.ScriptModule) or not hasattr(net, "init_hidden"):
            raise TypeError(f"net: expected an eager recurrent policy, got {type(net).__name__}")
        super().__init__()
        self.input_size = int(net.env_spec.obs_space.flat_dim)
        self.output_size = int(net.env_spec.act_space.flat_dim)
        hidden = net.init_hidden().detach().clone()
        self.register_buffer("hidden", hidden)
        obs = torch.as_tensor(
            np.asarray(net.env_spec.obs_space.sample_uniform()).reshape(-1),
            dtype=hidden.dtype,
            device=hidden.device,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            self.net = torch.jit.trace_module(
                net, {"forward": (obs, hidden.clone()), "init_hidden": ()}
            )

    @torch.jit.export
    def reset(self) -> None:
        """Reset the hidden state to the policy's initial one."""
        self.hidden.copy_(self.net.init_hidden())  # type: ignore[operator]

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        out, hid = self.net(inp, self.hidden)  # type: ignore[operator]
        self.hidden.copy_(hid.detach())  # type: ignore[operator]
        return out
