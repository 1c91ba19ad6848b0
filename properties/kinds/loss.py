"""The loss kind: a loss over ``[T, B]`` sequences, or a training step that computes one,
called as ``outputs = probe(inputs)``.

The thing under test is the entry's *probe*: a module holding the candidate's loss (or its
algorithm and the network it trains) and calling it through its public API only, so that
the loss has parameters to differentiate (as in training). Everything specific to one loss
is the entry's declaration, in the kind's fields:

* ``sample(cfg, batch, generator, dtype)``: the inputs of one call (experience, features);
* ``parts(outputs)``: the loss and its parts, each a tensor of ``part_shape(cfg, batch)``;
* ``model(net, inputs, cfg)``: the same parts from an independent per-step model of the
  loss (the entry's, written from the definitions), which ``loss`` checks the reference
  (float64) against;
* ``corruptions(inputs)``: inputs that do not line up, which the loss must reject (besides
  the kind's own: experience values out of their domain, :func:`experience_corruptions`);
* ``poison(inputs, generator)``: the inputs with NaN or inf in one episode (a reward), the
  ``[T, B]`` mask of the loss parts' elements it must not reach (the other episodes) and
  what was poisoned, for ``nan_isolation``;
* ``timed(net, inputs, cfg)``: what one benchmark step computes, where that is not the
  parts of one call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from properties.kinds.base import BadInput, Kind, Poisoned
from reference.specs import Nest


@dataclass(frozen=True)
class Loss(Kind):
    """A loss probe (module doc)."""

    title: ClassVar[str] = "loss"
    supports: ClassVar[frozenset[str]] = frozenset(
        {
            "signature",
            "shape",
            "empty_batch",
            "loss",
            "device",
            "bad_input",
            "nan_isolation",
            "deepcopy",
        }
    )
    not_applicable: ClassVar[dict[str, str]] = {
        "parity": "the loss property compares values and gradients with the reference",
        "api": "used through its call and documented methods, which loss and signature check",
        "grad_parity": "the loss property compares values and gradients with the reference",
        "float64_exact": "the loss property compares values and gradients with the reference",
        "reparam_grad": "returns a loss, not a distribution",
        "batch_invariance": "its batch runs along dim 1 of [T, B], and a training step mixes "
        "its mini-batch; the loss property's independent model is per sequence",
        "parallel": "a loss has no parallel form",
        "state_dict": "a loss owns no network (its probe's parameters are those of the "
        "network it trains, whose entry checks the state_dict)",
        "recurrent_steps": "a loss has no state",
        "flow_inverse": "not a normalizing flow",
        "flow_logdet": "not a normalizing flow",
        "jacobian": "has no closed-form Jacobian methods",
        "dist_bounds": "returns a loss, not a distribution",
        "extreme_inputs": "returns a loss, not a distribution",
        "dist_logprob": "returns a loss, not a distribution",
        "dist_sampling": "returns a loss, not a distribution",
        "determinism": "a call draws no random numbers of its own (a training phase's shuffles "
        "are seeded alike wherever it is compared)",
        "init": "a loss owns no network whose initialisation it could change",
    }

    sample: Callable[[dict, int, torch.Generator, torch.dtype], Nest] = lambda *a: {}
    parts: Callable[[Any], dict[str, torch.Tensor]] = lambda outputs: outputs
    part_shape: Callable[[dict, int], tuple[int, ...]] = lambda cfg, batch: (batch,)
    model: Callable[[Any, Nest, dict], dict[str, torch.Tensor]] | None = None
    corruptions: Callable[[Nest], list[BadInput]] = lambda x: []
    timed_step: Callable[[Any, Nest, dict], Nest] | None = None
    poison: Callable[[Nest, torch.Generator], tuple[Nest, torch.Tensor, str]] | None = None
    #: Whether the probe hands the ``[T, B]`` experience fields to the candidate as they are,
    #: so that one of another length reaches the candidate's checks (a probe that first
    #: flattens the experience into ``T * B`` steps, as an algorithm's, cannot).
    misaligned: bool = True

    def needs_reason(self) -> frozenset[str]:
        return frozenset() if self.poison is not None else frozenset({"nan_isolation"})

    def poisoned(
        self, net: Any, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
    ) -> list[Poisoned]:
        """One episode's data poisoned (``poison``): the loss parts of the other episodes
        must not change."""
        if self.poison is None:
            return []
        x = self.sample(cfg, batch, generator, dtype)
        bad, kept, what = self.poison(x, generator)

        def run(poisoned: bool) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
            with torch.no_grad():
                parts = self.parts(net(bad if poisoned else x))
            return [(v, kept) for v in parts.values()]

        return [Poisoned(what, run)]

    def input_spec(self, cfg: dict) -> Nest:
        return ()

    def inputs(self, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> Nest:
        return self.sample(cfg, batch, generator, dtype)

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        return net(inputs), ()

    def summarize(self, net: Any, outputs: Any, cfg: dict) -> Nest:
        return self.parts(outputs)

    def timed(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        if self.timed_step is not None:
            return self.timed_step(net, inputs, cfg)
        return self.summarize(net, net(inputs), cfg)

    def expected(self, net: Any, inputs: Nest, cfg: dict) -> dict[str, torch.Tensor]:
        """The loss parts of the independent model for ``net``'s call on ``inputs``."""
        if self.model is None:
            raise NotImplementedError("the entry declares no independent model of its loss")
        return self.model(net, inputs, cfg)

    def bad_inputs(self, net: Any, cfg: dict, x: Nest) -> list[BadInput]:
        return [*self.corruptions(x), *experience_corruptions(x, self.misaligned)]

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        want = self.part_shape(cfg, batch)
        for key, value in self.summarize(cand, cand(inputs), cfg).items():
            assert tuple(value.shape) == want, (
                f"{key} shape {list(value.shape)}, expected {list(want)}"
            )


def _with(x: dict, key: str, value: torch.Tensor) -> dict:
    return {**x, key: value}


def _set_first(t: torch.Tensor, value: float) -> torch.Tensor:
    out = t.clone()
    out.view(-1)[0] = value
    return out


def experience_corruptions(x: Nest, misaligned: bool = True) -> list[BadInput]:
    """Experience whose values are out of their domain, for inputs that carry ALF's ``[T, B]``
    experience fields (a mapping with ``reward``, ``discount`` and ``step_type``): a step
    type outside ``{FIRST, MID, LAST} = {0, 1, 2}`` or of bool dtype, a discount outside
    ``[0, 1]``, a reward of another float dtype than the rest (no silent promotion), and
    (with ``misaligned``) a discount one step short of the reward's ``T``. Each must raise."""
    if not isinstance(x, dict) or not {"reward", "discount", "step_type"} <= set(x):
        return []
    reward, discount, types = x["reward"], x["discount"], x["step_type"]
    if not discount.numel():
        return []
    out: list[BadInput] = [
        ("a step type of 3", _with(x, "step_type", _set_first(types, 3)), ValueError),
        ("a step type of -1", _with(x, "step_type", _set_first(types, -1)), ValueError),
        ("bool step types", _with(x, "step_type", types == 2), TypeError),
        ("a discount of 1.5", _with(x, "discount", _set_first(discount, 1.5)), ValueError),
        ("a discount of -0.5", _with(x, "discount", _set_first(discount, -0.5)), ValueError),
    ]
    if misaligned:
        out.append(("a discount one step short", _with(x, "discount", discount[:-1]), ValueError))
    other = torch.float32 if reward.dtype == torch.float64 else torch.float64
    out.append((f"a {other} reward", _with(x, "reward", reward.to(other)), TypeError))
    return out
