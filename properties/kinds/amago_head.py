"""The AMAGO policy-head kind: ``distribution = head(vec, log_dict=None)``.

What AMAGO's spec documents for a ``PolicyOutput`` and this kind relies on: the call
``head(vec)`` (and ``head(vec, log_dict=d)``) on ``vec [B, *inner, input_dimension]``,
``input_dimension``, ``is_discrete`` and ``actions_differentiable``; the returned
distribution is read through the members its law's API names. A head is a plain object
without parameters ("Has no parameters and can be swapped without breaking
checkpoints"), so the properties of weights do not apply.

Inputs are ``scale * N(0, 1)`` of the size the spec gives the head for the config (wide
enough that std activations saturate on both sides).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from properties.candidate import Impl
from properties.kinds.base import BadInput, Kind
from properties.kinds.distribution import DIST_IDS, Distributional, Law
from reference.specs import Nest, TensorSpec

#: Reparameterised actions drawn before a head is found to pass no gradient to ``vec``.
ACTION_DRAWS = 16
#: The scale of the inputs at which actions_differentiable looks for a gradient.
CENTRE = 0.1
PARAMETERLESS = (
    "a policy head has no parameters (the spec: it 'has no parameters and can be swapped "
    "without breaking checkpoints')"
)


def no_inner(cfg: dict) -> tuple[int, ...]:
    return ()


@dataclass(frozen=True)
class AmagoHead(Distributional, Kind):
    """An AMAGO policy head (module doc). ``law``: its distribution's law;
    ``input_dimension(cfg)``: the vec size the spec gives the head; ``inner(cfg)``: outer
    dims of ``vec`` besides the batch (AMAGO's ``[B, L, ...]``); ``scale``: of the inputs."""

    title: ClassVar[str] = "AMAGO policy head"
    supports: ClassVar[frozenset[str]] = frozenset(
        {
            "shape",
            "empty_batch",
            "signature",
            "api",
            "parity",
            "float64_exact",
            "grad_parity",
            "batch_invariance",
            "device",
            "bad_input",
            "deepcopy",
            "actions_differentiable",
            "log_dict",
            *DIST_IDS,
        }
    )
    own_ids: ClassVar[dict[str, str]] = {
        "actions_differentiable": "actions_differentiable is true exactly when rsample() "
        "works and carries a gradient to vec (a discrete head's through "
        "DiscreteLikeContinuous)",
        "log_dict": "calling with a log_dict gives exactly the results of log_dict=None",
    }
    not_applicable: ClassVar[dict[str, str]] = {
        "init": PARAMETERLESS,
        "state_dict": PARAMETERLESS,
        "parallel": "the spec gives a policy head no parallel form",
        "recurrent_steps": "stateless: a head maps one vec to one distribution",
        "nan_isolation": "stateless: a head maps one vec to one distribution",
        "flow_inverse": "returns a distribution, not a normalizing flow's map",
        "flow_logdet": "returns a distribution, not a normalizing flow's map",
        "jacobian": "has no closed-form Jacobian methods",
        "loss": "a policy head, not a loss",
    }

    law: Law
    input_dimension: Callable[[dict], int]
    inner: Callable[[dict], tuple[int, ...]] = no_inner
    scale: float = 2.0
    #: the config whose ``inner`` is an empty length ``(0,)`` (AMAGO's ``[B, 0, ...]``)
    empty_length: Callable[[dict], dict] | None = None

    # -- inputs and calls -------------------------------------------------------------------
    def input_spec(self, cfg: dict) -> Nest:
        return TensorSpec((self.input_dimension(cfg),))

    def outer_dims(self, cfg: dict, batch: int) -> tuple[int, ...]:
        return (batch, *self.inner(cfg))

    def empty_sequences(self, cfg: dict) -> list[dict]:
        return [] if self.empty_length is None else [self.empty_length(cfg)]

    def inputs(self, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> Nest:
        shape = (*self.outer_dims(cfg, batch), self.input_dimension(cfg))
        return self.scale * torch.randn(shape, generator=generator, dtype=dtype)

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        return net(inputs), ()

    def call_with_log(self, net: Any, inputs: Nest, state: Nest, log_dict: dict | None) -> Any:
        """One call with ``log_dict`` passed (the ``log_dict`` property)."""
        return net(inputs, log_dict=log_dict), ()

    def distribution(self, net: Any, inputs: Nest, cfg: dict) -> Any:
        return net(inputs)

    # -- checks -----------------------------------------------------------------------------
    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        """``input_dimension`` is the spec's for the config (the reference's too), and the
        distribution's shapes and sample dtype are the law's (whose batch shape holds the
        inner dims of ``vec``: only the batch dim is outer)."""
        want = self.input_dimension(cfg)
        for name, head in (("reference", ref), ("candidate", cand)):
            assert head.input_dimension == want, (
                f"{name}: input_dimension {head.input_dimension}, the spec gives {want}"
            )
        self.check_distribution_shape(cand(inputs), cfg, (batch,))

    def bad_inputs(self, net: Any, cfg: dict, x: Nest) -> list[BadInput]:
        return [
            ("vec last dim +1", torch.cat([x, x[..., :1]], -1), ValueError),
            ("vec last dim -1", x[..., :-1], ValueError),
            ("vec as int64", x.to(torch.int64), TypeError),
            ("vec as a list", [x], TypeError),
            ("vec without dims", x.reshape(-1)[0], ValueError),
        ]

    def differentiable_actions(self, impl: Impl, head: Any, vec: torch.Tensor) -> bool:
        """Whether ``head``'s actions are reparameterised: ``rsample()`` of its distribution
        (of ``impl.amago.DiscreteLikeContinuous`` of it for a discrete head, the way AMAGO's
        agent uses one) works and carries a nonzero gradient to ``vec`` in one of
        ``ACTION_DRAWS`` draws (a single squashed action may saturate, its gradient 0), at
        ``vec`` scaled down to ``CENTRE`` (no std activation or probability clip saturates
        there: a clipped probability legitimately passes no gradient)."""
        vec = (CENTRE * vec.detach()).requires_grad_(True)
        dist = head(vec)
        if head.is_discrete:
            dist = impl.amago.DiscreteLikeContinuous(dist)
        g = torch.Generator().manual_seed(0)
        for _ in range(ACTION_DRAWS):
            try:
                y = dist.rsample()
            except NotImplementedError:
                return False
            if not y.requires_grad:
                return False
            weights = torch.randn(y.shape, generator=g, dtype=y.dtype).to(y.device)
            loss = (y * weights).sum()
            (grad,) = torch.autograd.grad(loss, vec, allow_unused=True, retain_graph=True)
            if grad is None:
                return False
            if bool((grad != 0).any()):
                return True
        return False
