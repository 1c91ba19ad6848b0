"""The normalizing-flow kind: an ALF network ``y = f(x; z)`` with an inverse and a log-det.

What ALF's spec documents for every ``NormalizingFlowNetwork`` and this kind relies on:
``forward(x)`` / ``forward((x, z))`` returns ``(y, state)``, ``inverse(y)`` /
``inverse((y, z))`` returns ``(x, state)``, ``make_invertible_transform(z)`` returns a
``torch.distributions.Transform`` (with ``inv`` and ``log_abs_det_jacobian``) that "can be a
composed one chaining many transformation layers", and ``use_conditional_inputs``. The
input of a call is ``x`` or ``(x, z)``: the kind splits and joins it from the plain-data
config (whether the config has a conditional spec), never from the candidate.

An observation (``parity``, ``grad_parity``, ...) is the forward map, the inverse of the
input read as a ``y``, and the transform's log-det at the input: ``{"forward", "inverse",
"log_det"}``.

The flow properties (``flow_inverse``, ``flow_logdet``) ask the kind for the entry's facts:
``variants(cfg)``, the configs one drawn case checks (a RealNVP case: every mask mode with
several ``sub_dim``); for coupling flows, ``coupling(cfg)``, what each layer of the
transform's public ``ComposeTransform.parts`` keeps unchanged (:class:`Kept`, computed from
the plain-data config); and whether the transform is cached for a config
(``transform_cache``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.distributions as td

from properties.kinds.alf_network import AlfNetwork
from properties.kinds.base import device_of, seeded
from reference.specs import Nest, TensorSpec, map_structure


@dataclass(frozen=True)
class Kept:
    """What one coupling layer keeps unchanged (``y_i = x_i``), from the config alone:
    ``where`` the kept coordinates of the flattened input as a bool tuple, or None when
    their placement is random (then only ``count`` is known); ``flips_previous``: the layer
    keeps exactly the coordinates the previous layer changes."""

    where: tuple[bool, ...] | None
    count: int
    flips_previous: bool = False


def x_spec_of(cfg: dict) -> TensorSpec:
    return cfg["input_tensor_spec"]


def z_spec_of(cfg: dict) -> Nest:
    return cfg.get("conditional_input_tensor_spec")


def same_config(cfg: dict) -> Sequence[dict]:
    return (cfg,)


def uses_transform_cache(cfg: dict) -> bool:
    """The constructor's ``use_transform_cache`` (True by default, as the spec says)."""
    return bool(cfg.get("use_transform_cache", True))


def tiled(z: Nest, copies: int) -> Nest:
    """``z`` repeated ``copies`` times along its batch dim (row ``r`` is row ``r mod B``);
    None stays None."""
    if z is None:
        return None
    return map_structure(lambda t: t.repeat(copies, *([1] * (t.dim() - 1))), z)


@dataclass(frozen=True)
class Flow(AlfNetwork):
    """A normalizing flow (module doc). ``x_spec(cfg)`` / ``z_spec(cfg)``: the plain-data
    specs of ``x`` and of the conditional input (None: unconditional); ``variants(cfg)``:
    the configs the flow properties check for one drawn config; ``coupling(cfg)``: the
    kept coordinates of each layer of a coupling flow (None: not a coupling flow);
    ``transform_cache(cfg)``: whether ``make_invertible_transform`` reuses its transform
    for the same conditional input, or None where the method is not the implementation's
    (the entry's subclass implements it, as the spec asks of subclasses)."""

    title: ClassVar[str] = "normalizing flow"
    supports: ClassVar[frozenset[str]] = AlfNetwork.supports | {"flow_inverse", "flow_logdet"}
    not_applicable: ClassVar[dict[str, str]] = {
        k: why
        for k, why in AlfNetwork.not_applicable.items()
        if k not in ("flow_inverse", "flow_logdet")
    }

    x_spec: Callable[[dict], TensorSpec] = x_spec_of
    z_spec: Callable[[dict], Nest] = z_spec_of
    variants: Callable[[dict], Sequence[dict]] = same_config
    coupling: Callable[[dict], Sequence[Kept]] | None = None
    transform_cache: Callable[[dict], bool] | None = uses_transform_cache

    # -- inputs ---------------------------------------------------------------------------
    def built_at_random(self, cfg: dict) -> bool:
        """A coupling flow whose kept coordinates are placed at random (random masks)."""
        return self.coupling is not None and any(k.where is None for k in self.coupling(cfg))

    def conditional(self, cfg: dict) -> bool:
        return self.z_spec(cfg) is not None

    def input_spec(self, cfg: dict) -> Nest:
        x = self.x_spec(cfg)
        return (x, self.z_spec(cfg)) if self.conditional(cfg) else x

    def split(self, cfg: dict, xz: Nest) -> tuple[torch.Tensor, Nest]:
        """``(x, z)`` of a flow input (``z`` None without conditional inputs)."""
        return (xz[0], xz[1]) if self.conditional(cfg) else (xz, None)

    def join(self, cfg: dict, x: torch.Tensor, z: Nest) -> Nest:
        """The flow input of ``x`` and ``z``: :meth:`split`'s inverse."""
        return (x, z) if self.conditional(cfg) else x

    # -- calls ----------------------------------------------------------------------------
    def transform(self, net: Any, cfg: dict, z: Nest) -> td.Transform:
        """The flow as a transform for conditional inputs ``z``."""
        return net.make_invertible_transform(z)

    def layers(self, transform: td.Transform) -> list[td.Transform]:
        """The transform's layers: its ``ComposeTransform.parts``, else the transform."""
        return list(transform.parts) if isinstance(transform, td.ComposeTransform) else [transform]

    def stacked(self, net: Any, cfg: dict, z: Nest, inverse: bool = False) -> Callable:
        """``u [k, B, *shape] -> [k, B, *shape]``: the network's forward (or inverse) applied
        to ``k`` stacked batches that share the conditional input ``z`` (``[B, ...]``), as
        one call of batch ``k B``: the row-wise map :func:`properties.autodiff.row_jacobians`
        differentiates."""
        method = net.inverse if inverse else net

        def rows(u: torch.Tensor) -> torch.Tensor:
            k = u.shape[0]
            flat = u.reshape(-1, *u.shape[2:])
            return method(self.join(cfg, flat, tiled(z, k)))[0].reshape(u.shape)

        return rows

    def observe(
        self, net: Any, inputs: Nest, cfg: dict, seed: int = 0, elementwise: bool = False
    ) -> Nest:
        """``forward`` = f(x), ``inverse`` = f^{-1} of the input read as a ``y``, ``log_det``
        = the transform's log|det df/dx| at x."""
        x, z = self.split(cfg, inputs)
        with seeded(seed, device_of(inputs)):
            y = self.call(net, inputs, ())[0]
            x_of_input = net.inverse(inputs)[0]
            transform = self.transform(net, cfg, z)
            log_det = transform.log_abs_det_jacobian(x, transform(x))
        return {"output": {"forward": y, "inverse": x_of_input, "log_det": log_det}}

    def timed(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        """A benchmark step (``cfg['op']``): ``inverse`` maps a fresh batch back; otherwise
        (``fwd_logdet``) it maps a fresh batch and takes its log-det (a flow's training
        step). Fresh copies
        keep the transforms' ``(x, y)`` caches from answering for the previous step."""
        x, z = self.split(cfg, inputs)
        transform = self.transform(net, cfg, z)
        x = x.clone()
        if cfg.get("op") == "inverse":
            return transform.inv(x)
        y = transform(x)
        return y, transform.log_abs_det_jacobian(x, y)

    # -- checks ---------------------------------------------------------------------------
    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        """The network's specs and call (:class:`AlfNetwork`), ``use_conditional_inputs``,
        then the inverse shaped like ``x`` and one log-det per sample."""
        super().check_shape(ref, cand, cfg, inputs, batch)
        conditional = bool(cand.use_conditional_inputs)
        assert conditional == self.conditional(cfg), (
            f"use_conditional_inputs {conditional}, expected {self.conditional(cfg)}"
        )
        observed = self.observe(cand, inputs, cfg)["output"]
        want = (batch, *self.x_spec(cfg).shape)
        got = tuple(observed["inverse"].shape)
        assert got == want, f"inverse shape {list(got)}, expected {list(want)}"
        got = tuple(observed["log_det"].shape)
        assert got == (batch,), f"log_abs_det_jacobian shape {list(got)}, expected [{batch}]"
