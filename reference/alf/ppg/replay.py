"""The auxiliary phase's own replay: every experience since the last auxiliary phase, in
order, as a plain first-in first-out list of ``[B, ...]`` steps.

A replay buffer stores tensors, so the action distributions of the rollout info are kept
as their parameters (ALF's ``distributions_to_params``) and rebuilt on the way out:
a categorical by its ``logits``, a location-scale family by ``type(d)(loc, scale)``, an
``Independent`` around either by its base. Other families raise ``NotImplementedError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.distributions as td

from reference.specs import Nest, flatten, map_structure, pack_sequence_as


def distribution_params(dist: Any) -> dict[str, torch.Tensor]:
    """The tensors that determine ``dist`` (module doc)."""
    if isinstance(dist, td.Categorical):
        return {"logits": dist.logits}
    if hasattr(dist, "loc") and hasattr(dist, "scale"):
        return {"loc": dist.loc, "scale": dist.scale.expand(dist.loc.shape)}
    if type(dist) is td.Independent:
        return distribution_params(dist.base_dist)
    raise NotImplementedError(
        f"the auxiliary replay stores categorical and location-scale distributions, got "
        f"{type(dist).__name__}"
    )


def rebuild_distribution(template: Any, params: dict[str, torch.Tensor]) -> Any:
    """A distribution of ``template``'s family with the parameters ``params``."""
    if isinstance(template, td.Categorical):
        return type(template)(logits=params["logits"])
    if hasattr(template, "loc") and hasattr(template, "scale"):
        return type(template)(params["loc"], params["scale"])
    if type(template) is td.Independent:
        base = rebuild_distribution(template.base_dist, params)
        return td.Independent(base, template.reinterpreted_batch_ndims, validate_args=False)
    raise NotImplementedError(f"cannot rebuild a {type(template).__name__}")


def is_distribution(x: Any) -> bool:
    return isinstance(x, td.Distribution)


def to_params(nest: Nest) -> Nest:
    """``nest`` with every distribution replaced by its parameter dict."""
    return map_structure(lambda x: distribution_params(x) if is_distribution(x) else x, nest)


def from_params(template: Nest, nest: Nest) -> Nest:
    """Undo :func:`to_params` with the distributions of ``template`` as the families."""
    leaves = flatten(template)
    out, flat, i = [], flatten(nest), 0
    for leaf in leaves:
        if is_distribution(leaf):
            keys = sorted(distribution_params(leaf))
            params = dict(zip(keys, flat[i : i + len(keys)], strict=True))
            out.append(rebuild_distribution(leaf, params))
            i += len(keys)
        else:
            out.append(flat[i])
            i += 1
    return pack_sequence_as(template, out)


def stack_steps(steps: Sequence[Nest], dim: int) -> Nest:
    """Stack a sequence of nests (distributions included) along ``dim``."""
    template = steps[0]
    params = [to_params(s) for s in steps]
    stacked = map_structure(lambda *xs: stack_leaf(xs, dim), *params)
    return from_params(template, stacked)


def stack_leaf(xs: Sequence[Any], dim: int) -> Any:
    """Tensors stacked; ``()`` placeholders (fields a step does not fill) stay ``()``."""
    if isinstance(xs[0], torch.Tensor):
        return torch.stack(list(xs), dim)
    return xs[0]


def map_tensors(fn: Callable[[torch.Tensor], torch.Tensor], nest: Nest, template: Nest) -> Nest:
    """``fn`` on every tensor of a nest whose distributions are given as parameters,
    rebuilt with ``template``'s families."""
    mapped = map_structure(lambda x: fn(x) if isinstance(x, torch.Tensor) else x, nest)
    return from_params(template, mapped)


class AuxReplay:
    """A first-in first-out list of ``[B, ...]`` experience steps (module doc)."""

    def __init__(self) -> None:
        self._steps: list[Nest] = []
        self._template: Nest = None

    def __len__(self) -> int:
        return len(self._steps)

    def add(self, exp: Nest) -> None:
        """Store one step, detached, its distributions as parameters."""
        if self._template is None:
            self._template = exp
        self._steps.append(map_structure(detach_leaf, to_params(exp)))

    @property
    def template(self) -> Nest:
        """The first stored step: the families its distributions are rebuilt in."""
        return self._template

    def gather_params(self) -> Nest:
        """Every stored step, batch-major ``[B, N, ...]``, distributions as parameters;
        ``()`` when empty."""
        if not self._steps:
            return ()
        return map_structure(lambda *xs: stack_leaf(xs, 1), *self._steps)

    def gather_all(self) -> Nest:
        """Every stored step, batch-major ``[B, N, ...]``; ``()`` when empty."""
        if not self._steps:
            return ()
        return from_params(self._template, self.gather_params())

    def clear(self) -> None:
        self._steps = []
        self._template = None


def detach_leaf(x: Any) -> Any:
    return x.detach() if isinstance(x, torch.Tensor) else x
