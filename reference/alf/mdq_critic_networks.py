"""MDQ critic (``alf.networks.mdq_critic_networks``): n critic replicas for continuous
actions quantized per dimension, with a free-form and an advantage-form branch.

Notation: B batch, n = ``num_critic_replicas``, D action dims, K = ``action_qt.action_bins``,
alpha the temperature. The quantizer maps an action value to a bin ``k = round((a - c_0) /
delta)`` and back ``a = c_0 + k delta`` (bin centres ``c_k``; :class:`ActionQuantizer`).

Free form: ``Q(o, a) = MLP_r([o, a])`` per replica r, output ``[B, n]``.

Advantage form (output ``[B, n, D]``), for every replica r and dimension i:

    e          = obs_encoder_r(o)
    a_{<i}     = (a_0, .., a_{i-1}, 0, .., 0)                    (zero-padded, D values)
    v_i        = post_{i,r}(mid_r(pre_{i,r}([e, a_{<i}])))         (K values: one per bin)
    t_i        = v_i - alpha * logsumexp(v_i / alpha)             (= alpha log pi_i)
    Q_0        = v_0[k_0] + alpha log K
    Q_i        = Q_{i-1} + t_i[k_i] + alpha log K                 (i >= 1)

where ``k_i`` is the bin of ``a_i`` and ``-log K`` the log-density of the uniform prior.
``pre`` and ``post`` have their own weights per dimension, ``mid`` is shared by all
dimensions. ``get_action`` draws ``a_i ~ pi_i = softmax(t_i / alpha)`` dimension after
dimension (or takes its mode when ``greedy``), with ``log pi_i`` of the draw.

Layout (upstream's state_dict): the per-dimension nets are one ``ParallelEncodingNetwork`` of
``D * n`` replicas each (replica ``i * n + r`` is dimension i of critic r). Upstream also
keeps per-dimension copies outside the module tree, synced from those by ``sync_net``, for
``get_action``; here ``get_action`` runs the parallel nets themselves, so the copies cannot
go stale and ``sync_net`` has nothing to copy (upstream's ``get_action`` between a weight
update and ``sync_net`` uses the old weights). Upstream's code, unlike its docstrings, takes
a concatenated ``[o, a]`` tensor for the free form and the observation alone for
``get_action``; both are accepted here, as is the ``(observation, action)`` tuple. A bin
index is clipped to ``[0, K - 1]`` (upstream's rounding gives K for an action on the upper
bound when K is even, and fails).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from reference.alf.encoding import ParallelEncodingNetwork, fc_params
from reference.alf.initializers import identity
from reference.alf.layers import Initializer
from reference.alf.network import Network
from reference.alf.q_networks import small_uniform
from reference.specs import BoundedTensorSpec, Nest, TensorSpec, check_nest, flatten

__all__ = ["ActionQuantizer", "MdqCriticNetwork"]


def _scalar_bound(values: Any, what: str) -> float:
    flat = set(values.flat)
    if len(flat) != 1:
        raise ValueError(f"{what}: expected the same bound for every action dim, got {values}")
    return float(flat.pop())


class ActionQuantizer:
    """K bins over a bounded action spec with scalar bounds ``[lo, hi]`` (upstream's
    ``alf.utils.action_quantizer.ActionQuantizer``, uniform sampling only).

    ``rep_mode='center'``: bin centres ``c_k = lo + (k + 1/2) (hi - lo) / K``, and an action
    belongs to the nearest centre; ``'boundary'``: ``c_k = lo + k (hi - lo) / (K - 1)``, and an
    action to the bin it falls into (floor). Values are exact in float64 here (upstream
    builds the centres in float32).
    """

    def __init__(
        self,
        action_spec: BoundedTensorSpec,
        sampling_method: str = "uniform",
        action_bins: int = 7,
        rep_mode: str = "center",
    ):
        if not isinstance(action_spec, BoundedTensorSpec) or not action_spec.is_continuous:
            raise TypeError(
                f"ActionQuantizer: expected a continuous BoundedTensorSpec, got {action_spec!r}"
            )
        if sampling_method != "uniform":
            raise ValueError(
                f"ActionQuantizer: expected sampling_method 'uniform', got {sampling_method!r}"
            )
        if rep_mode not in ("center", "boundary"):
            raise ValueError(
                f"ActionQuantizer: expected rep_mode 'center' or 'boundary', got {rep_mode!r}"
            )
        if not isinstance(action_bins, int) or action_bins < 2:
            raise ValueError(f"ActionQuantizer: expected action_bins >= 2, got {action_bins!r}")
        self._action_spec = action_spec
        self._action_bins = action_bins
        self._sampling_method = sampling_method
        self._rep_mode = rep_mode
        lo = _scalar_bound(action_spec.minimum, "ActionQuantizer minimum")
        hi = _scalar_bound(action_spec.maximum, "ActionQuantizer maximum")
        if rep_mode == "center":
            self._bin_size = (hi - lo) / action_bins
            self._first = lo + self._bin_size / 2
        else:
            self._bin_size = (hi - lo) / (action_bins - 1)
            self._first = lo

    @property
    def action_bins(self) -> int:
        return self._action_bins

    def ind_to_action(self, action_ind: torch.Tensor) -> torch.Tensor:
        """``c_k = c_0 + k delta``."""
        return action_ind * self._bin_size + self._first

    def action_to_ind(self, action: torch.Tensor) -> torch.Tensor:
        """The bin of ``action``: nearest centre (``center``) or floor (``boundary``)."""
        if self._rep_mode == "center":
            return torch.round((action - self._first) / self._bin_size)
        return torch.floor((action - self._first) / self._bin_size)


class MdqCriticNetwork(Network):
    """The MDQ critic (module doc); ``inputs = (observation [B, d_o], action [B, D] or
    [B, n, D])``."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        action_qt: ActionQuantizer | None = None,
        num_critic_replicas: int = 2,
        obs_encoding_layer_params: Sequence[int] | None = None,
        pre_encoding_layer_params: Sequence[int] | None = None,
        mid_encoding_layer_params: Sequence[int] | None = None,
        post_encoding_layer_params: Sequence[int] | None = None,
        free_form_fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        debug_summaries: bool = False,
        name: str = "MdqCriticNetwork",
    ):
        if not isinstance(input_tensor_spec, (tuple, list)) or len(input_tensor_spec) != 2:
            raise TypeError(
                f"{name}: expected input_tensor_spec as (observation_spec, action_spec), got "
                f"{input_tensor_spec!r}"
            )
        observation_spec, action_spec = input_tensor_spec
        actions = flatten(action_spec)
        if len(actions) != 1:
            raise ValueError(f"{name}: expected a single action spec, got {len(actions)}")
        action_spec = actions[0]
        if not isinstance(action_spec, BoundedTensorSpec) or action_spec.ndim != 1:
            raise ValueError(
                f"{name}: expected a bounded vector action spec [D], got {action_spec!r}"
            )
        if not isinstance(observation_spec, TensorSpec) or observation_spec.ndim != 1:
            raise ValueError(
                f"{name}: expected a vector observation spec [d], got {observation_spec!r}"
            )
        if not isinstance(num_critic_replicas, int) or num_critic_replicas < 1:
            raise ValueError(
                f"{name}: expected num_critic_replicas >= 1, got {num_critic_replicas!r}"
            )
        if free_form_fc_layer_params is None:
            raise ValueError(f"{name}: expected free_form_fc_layer_params, got None")
        fc_params(free_form_fc_layer_params, f"{name} free_form_fc_layer_params")
        super().__init__(input_tensor_spec, (), name)
        if action_qt is None:
            action_qt = ActionQuantizer(action_spec, "uniform", 15)
        self._single_action_spec = action_spec
        self._action_qt = action_qt
        self._action_bins = action_qt.action_bins
        self._log_pi_uniform_prior = -math.log(self._action_bins)
        self._action_dim = d = action_spec.shape[0]
        self._num_critic_replicas = n = num_critic_replicas
        self._debug_summaries = debug_summaries

        def parallel(spec_size: int, replicas: int, layers: Any, **last: Any) -> Network:
            return ParallelEncodingNetwork(
                TensorSpec((spec_size,)),
                replicas,
                fc_layer_params=layers,
                activation=activation,
                kernel_initializer=kernel_initializer,
                **last,
            )

        last = {
            "last_activation": identity,
            "last_kernel_initializer": small_uniform,
        }
        self._obs_encoding_net = parallel(observation_spec.shape[0], n, obs_encoding_layer_params)
        encoded = self._obs_encoding_net.output_spec.shape[-1]
        self._pre_encoding_parallel_net = parallel(encoded + d, n * d, pre_encoding_layer_params)
        pre_out = self._pre_encoding_parallel_net.output_spec.shape[-1]
        self._mid_shared_encoding_nets = parallel(pre_out, n, mid_encoding_layer_params)
        mid_out = self._mid_shared_encoding_nets.output_spec.shape[-1]
        self._post_encoding_parallel_net = parallel(
            mid_out, n * d, post_encoding_layer_params, last_layer_size=self._action_bins, **last
        )
        self._free_form_q_net = parallel(
            observation_spec.shape[0] + d, n, free_form_fc_layer_params, last_layer_size=1, **last
        )
        # the advantage form's [n, D] (upstream states TensorSpec(()), the shape of neither
        # branch's output)
        self._output_spec = TensorSpec((n, d))

    # -- checks ---------------------------------------------------------------------------
    def _checked_alpha(self, alpha: Any) -> Any:
        if isinstance(alpha, torch.Tensor):
            if alpha.dim() != 0 or not alpha.dtype.is_floating_point:
                raise ValueError(
                    f"{self.name}: expected alpha as a positive float or a 0-d float tensor, "
                    f"got a {alpha.dtype} tensor of shape {list(alpha.shape)}"
                )
            return alpha
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"{self.name}: expected alpha as a positive float, got {alpha!r}")
        return float(alpha)

    def _checked_observation(self, inputs: Nest) -> torch.Tensor:
        observation = inputs[0] if isinstance(inputs, (tuple, list)) else inputs
        check_nest(
            self._input_tensor_spec[0],
            observation,
            1,
            self.float_dtype(),
            f"{self.name} observation",
        )
        return observation

    def _checked_pair(self, inputs: Nest) -> tuple[torch.Tensor, torch.Tensor]:
        """``(observation [B, d_o], action [B, n, D])`` of an ``(observation, action)`` input."""
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise TypeError(
                f"{self.name}: expected inputs (observation, action), got "
                f"{type(inputs).__name__} {inputs if not isinstance(inputs, torch.Tensor) else ''}"
            )
        observation = self._checked_observation(inputs)
        action = flatten(inputs[1])
        if len(action) != 1:
            raise TypeError(f"{self.name}: expected one action tensor, got {len(action)}")
        outer = check_nest(
            self._single_action_spec, action[0], (1, 2), self.float_dtype(), f"{self.name} action"
        )
        b, n = observation.shape[0], self._num_critic_replicas
        if outer[0] != b or (len(outer) == 2 and outer[1] != n):
            raise ValueError(
                f"{self.name} action: expected outer dims [{b}] or [{b}, {n}] (batch, "
                f"replicas), got {list(outer)}"
            )
        a = action[0] if len(outer) == 2 else action[0].unsqueeze(1).expand(b, n, -1)
        return observation, a

    # -- the advantage form ---------------------------------------------------------------
    def _per_dimension_values(self, joint: torch.Tensor) -> torch.Tensor:
        """``[B, D*n, d]`` (block i: dimension i's input for the n critics) ->
        ``[D, B, n, K]``: pre (own weights per dimension), mid (shared), post (own)."""
        b, n, d = joint.shape[0], self._num_critic_replicas, self._action_dim
        h, _ = self._pre_encoding_parallel_net(joint)
        h = h.reshape(b, d, n, h.shape[-1]).transpose(0, 1).reshape(d * b, n, h.shape[-1])
        h, _ = self._mid_shared_encoding_nets(h)
        h = h.reshape(d, b, n, h.shape[-1]).transpose(0, 1).reshape(b, d * n, h.shape[-1])
        v, _ = self._post_encoding_parallel_net(h)
        return v.reshape(b, d, n, v.shape[-1]).transpose(0, 1)

    def _padded_input(self, encoded: torch.Tensor, action: torch.Tensor, i: int) -> torch.Tensor:
        """``[e, a_{<i}]``: the encoded observation and the action with dims >= i zeroed; the
        action enters detached, as upstream's (no gradient reaches the action through the
        nets, and the bin choice has none)."""
        padded = torch.zeros_like(action)
        padded[..., :i] = action[..., :i].detach()
        return torch.cat([encoded, padded], dim=-1)

    def forward(
        self, inputs: Nest, alpha: Any, state: Nest = (), free_form: bool = False
    ) -> tuple[torch.Tensor, Nest]:
        """``([B, n] free-form Q, ())`` or ``([B, n, D] advantage-form Q, ())``."""
        alpha = self._checked_alpha(alpha)
        if free_form:
            if isinstance(inputs, (tuple, list)):
                observation, action = self._checked_pair(inputs)
                x = torch.cat(
                    [observation.unsqueeze(1).expand(-1, action.shape[1], -1), action], dim=-1
                )
            else:
                x = inputs
                joint_spec = TensorSpec((self._input_tensor_spec[0].shape[0] + self._action_dim,))
                check_nest(joint_spec, x, (1, 2), self.float_dtype(), f"{self.name} [o, a] input")
            q, _ = self._free_form_q_net(x)
            return q.squeeze(-1), state
        observation, action = self._checked_pair(inputs)
        encoded, _ = self._obs_encoding_net(observation)
        joint = torch.cat(
            [self._padded_input(encoded, action, i) for i in range(self._action_dim)], dim=1
        )
        values = self._per_dimension_values(joint)
        log_pi = values - alpha * torch.logsumexp(values / alpha, dim=-1, keepdim=True)
        bins = self._action_qt.action_to_ind(action)
        bins = bins.clamp(0, self._action_bins - 1).long()
        q_values: list[torch.Tensor] = []
        for i in range(self._action_dim):
            k_i = bins[..., i : i + 1]
            if i == 0:
                q_i = values[0].gather(-1, k_i).squeeze(-1)
            else:
                q_i = q_values[-1] + log_pi[i].gather(-1, k_i).squeeze(-1)
            q_values.append(q_i - alpha * self._log_pi_uniform_prior)
        return torch.stack(q_values, dim=-1), state

    def dimension_values(
        self, encoded: torch.Tensor, partial_action: torch.Tensor, i: int
    ) -> torch.Tensor:
        """``v_i`` ``[B, n, K]`` of dimension i given ``a_{<i}`` (dimension i's nets only:
        the other blocks of the parallel nets see zeros and are dropped)."""
        x = self._padded_input(encoded, partial_action, i)
        blocks = [x if j == i else torch.zeros_like(x) for j in range(self._action_dim)]
        return self._per_dimension_values(torch.cat(blocks, dim=1))[i]

    @torch.no_grad()
    def get_action(
        self, inputs: Nest, alpha: Any, greedy: bool
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(actions [B, n, D], log_pi_per_dim [B, n, D])``: for i = 0 .. D-1, ``k_i ~
        softmax(t_i / alpha)`` (``argmax`` when ``greedy``) given the bins drawn so far, and
        ``a_i`` its bin centre. Draws come from torch's default generator (the spec's signature
        has no generator argument; seed it to repeat a draw)."""
        alpha = self._checked_alpha(alpha)
        observation = self._checked_observation(inputs)
        encoded, _ = self._obs_encoding_net(observation)
        b, n, d = observation.shape[0], self._num_critic_replicas, self._action_dim
        actions = encoded.new_zeros((b, n, d))
        log_pi_per_dim = encoded.new_zeros((b, n, d))
        for i in range(d):
            v_i = self.dimension_values(encoded, actions, i)
            t_i = v_i - alpha * torch.logsumexp(v_i / alpha, dim=-1, keepdim=True)
            logits = t_i / alpha
            if greedy:
                log_pi_i, k_i = torch.max(logits, dim=-1)
            else:
                probs = torch.softmax(logits, dim=-1).reshape(-1, self._action_bins)
                k_i = torch.multinomial(probs, 1).reshape(b, n)
                log_pi_i = torch.log_softmax(logits, dim=-1).gather(-1, k_i[..., None])[..., 0]
            actions[..., i] = self._action_qt.ind_to_action(k_i.to(actions.dtype))
            log_pi_per_dim[..., i] = log_pi_i
        return actions, log_pi_per_dim

    def get_uniform_prior_logpi(self) -> float:
        """``-log K``, the log-density of the uniform prior over one dimension's bins."""
        return self._log_pi_uniform_prior

    def sync_net(self) -> None:
        """Upstream copies its parallel nets into per-dimension copies here; the
        per-dimension nets of this implementation are blocks of the parallel ones (module
        doc), always current, so there is nothing to copy."""
