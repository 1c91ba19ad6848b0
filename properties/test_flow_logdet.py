"""flow_logdet: a flow's ``log |det J|`` is the log-determinant of its autograd Jacobian.

* ``test_flow_logdet``: the transform's ``log_abs_det_jacobian(x, f(x))`` equals ``slogdet``
  of the autograd Jacobian of the network's forward map at ``x``, for the pair the
  transform just produced (what a fused implementation may cache), for copies of it
  (recomputed), for a pair it produced before the last one (a stale cache answers
  wrongly), and through the inverse transform after an inverse of ``y``
  (``-log |det J_{f^-1}(y)|``, the autograd Jacobian of the network's inverse). Every
  configuration the kind lists for the drawn one (``Flow.variants``), in the reference and
  in the candidate, with shared weights. The truth is the autograd statement on the same
  network (a law of each flow, so it holds for random masks drawn anew per build: parity
  compares the two networks), evaluated by ``properties.compare.expect``: float64, with an
  allowance that grows with the conditioning of the log-determinant (the statement's own
  float32 error and its spread under one-ulp perturbations), never a hand-set scale.
* ``test_flow_logdet_masks`` (coupling flows): each layer of the transform's public
  ``ComposeTransform.parts`` keeps the coordinates the kind derives from the config
  (``Flow.coupling``). A layer's kept coordinates are read off its own autograd Jacobian
  (float64): the rows that are exactly unit rows. After putting them first, the Jacobian
  is lower triangular with an identity block on the kept coordinates and a positive
  diagonal (``g(s)``) on the changed ones, and the layer's log-det is that diagonal's.
  No state_dict key or private attribute is read. A candidate whose transform does not
  expose its layers as parts (the spec allows a single fused transform) is noted and
  checked as a whole only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

from properties.autodiff import row_jacobians
from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.flow import Flow, Kept, tiled
from reference.specs import Nest


def log_dets(
    kind: Flow, cfg: dict, net: Any, points: list[torch.Tensor], z: Nest, inverse: bool = False
) -> list[torch.Tensor]:
    """``slogdet`` of the autograd Jacobian of ``net``'s forward (or inverse) at each batch
    of ``points`` (all with conditional input ``z``), in one stacked evaluation."""
    batch = points[0].shape[0]
    rows = kind.stacked(net, cfg, tiled(z, len(points)), inverse)
    with torch.no_grad():
        jac = row_jacobians(rows, torch.cat(points))
    return list(torch.linalg.slogdet(jac)[1].split(batch))


def transform_log_dets(
    kind: Flow,
    cfg: dict,
    net: Any,
    x: torch.Tensor,
    x_other: torch.Tensor,
    y0: torch.Tensor,
    z: Nest,
) -> dict[str, torch.Tensor]:
    """The transform's log-dets of the module doc, asked in the order that exposes a stale
    cache: the pair of ``x_other``, then the pair of ``x`` (held by a cache of the last
    map), then the pair of ``x_other`` again; last an inverse and its log-det."""
    with torch.no_grad():
        t = kind.transform(net, cfg, z)
        y_other = t(x_other)
        x = x.clone()
        y = t(x)
        got = {"cached pair": t.log_abs_det_jacobian(x, y)}
        got["copies"] = t.log_abs_det_jacobian(x.clone(), y.clone())
        got["another pair"] = t.log_abs_det_jacobian(x_other, y_other)
        got["inverse"] = -t.inv.log_abs_det_jacobian(y0, t.inv(y0))
    return got


def autograd_log_dets(kind: Flow, cfg: dict) -> Callable[..., dict[str, torch.Tensor]]:
    """The truth of :func:`transform_log_dets` for ``(net, x, x_other, y0, z)``, from the
    autograd Jacobians of the network's forward and inverse."""

    def truth(net: Any, x: torch.Tensor, x_other: torch.Tensor, y0: torch.Tensor, z: Nest):
        at_x, at_other = log_dets(kind, cfg, net, [x, x_other], z)
        (inverse_at_y0,) = log_dets(kind, cfg, net, [y0], z, inverse=True)
        return {
            "cached pair": at_x,
            "copies": at_x,
            "another pair": at_other,
            "inverse": -inverse_at_y0,
        }

    return truth


@spec_property
def test_flow_logdet(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data)
    kind = subject.kind
    assert isinstance(kind, Flow)
    for cfg in kind.variants(case.cfg):
        variant = subject.case_of(cfg, case.batch, case.seed)
        ref, cand = subject.twins(variant, dtype)
        x, z = kind.split(cfg, subject.inputs(variant, dtype))
        x_other = kind.split(cfg, subject.inputs(variant, dtype, seed_offset=1))[0]
        y0 = kind.split(cfg, subject.inputs(variant, dtype, seed_offset=2))[0]
        for impl, net in ((subject.reference, ref), (subject.candidate, cand)):
            expected = expect(autograd_log_dets(kind, cfg), (net, x, x_other, y0, z), dtype)
            got = transform_log_dets(kind, cfg, net, x, x_other, y0, z)
            assert_expected(got, expected, f"{subject.name} ({impl}, {cfg}): log|det J|")


def kept_rows(jac: torch.Tensor) -> torch.Tensor:
    """``[B, D]`` bools: which rows of each sample's Jacobian are exactly unit rows."""
    eye = torch.eye(jac.shape[-1], dtype=jac.dtype)
    return (jac == eye).all(-1)


def check_layer(
    part: Any, x: torch.Tensor, want: Kept, previous: torch.Tensor | None, what: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """One coupling layer at ``x`` (float64): its kept coordinates against ``want``, its
    triangular structure and its log-det. Returns ``(kept coordinates, layer output)``."""
    with torch.no_grad():
        jac = row_jacobians(part, x)
        y = part(x)
        got = part.log_abs_det_jacobian(x.clone(), y.clone())
    rows = kept_rows(jac)
    kept = rows[0]
    assert bool((rows == kept).all()), f"{what}: the kept coordinates differ between samples"
    found = [i for i, b in enumerate(kept.tolist()) if b]
    assert len(found) == want.count, f"{what}: keeps {found}, expected {want.count} coordinates"
    if want.where is not None:
        expected = [i for i, b in enumerate(want.where) if b]
        assert found == expected, f"{what}: keeps {found}, expected {expected}"
    if want.flips_previous and previous is not None:
        assert torch.equal(kept, ~previous), (
            f"{what}: keeps {found}, expected the coordinates the previous layer changes"
        )
    changed = torch.nonzero(~kept).flatten()
    block = jac[:, changed][:, :, changed]
    diag = torch.diagonal(block, dim1=-2, dim2=-1)
    assert bool((block == torch.diag_embed(diag)).all()), (
        f"{what}: a changed coordinate depends on another changed one"
    )
    assert bool((diag > 0).all()), f"{what}: non-positive scale on the diagonal"
    expected_log_det = expect(lambda d: d.log().sum(-1), (diag,), torch.float64)
    assert_expected(got, expected_log_det, f"{what}: log-det vs the diagonal")
    return kept, y


@spec_property
def test_flow_logdet_masks(subject: Subject, data) -> None:
    kind = subject.kind
    assert isinstance(kind, Flow)
    if kind.coupling is None:
        pytest.skip(f"{subject.name} is not a coupling flow: it declares no kept coordinates")
    case = subject.draw(data)
    for cfg in kind.variants(case.cfg):
        variant = subject.case_of(cfg, case.batch, case.seed)
        layers = kind.coupling(cfg)
        for impl in (subject.reference, subject.candidate):
            net = subject.build(impl, cfg, torch.float64, seed=case.seed, perturbed=True)
            x, z = kind.split(cfg, subject.inputs(variant, torch.float64))
            with torch.no_grad():
                parts = kind.layers(kind.transform(net, cfg, z))
            what = f"{subject.name} ({impl}, {cfg})"
            if len(parts) != len(layers):
                assert impl != subject.reference, f"{what}: {len(parts)} parts"
                subject.tally.note(
                    f"the transform exposes {len(parts)} parts for {len(layers)} coupling "
                    "layers: layers not checked one by one"
                )
                continue
            previous = None
            for index, (part, want) in enumerate(zip(parts, layers)):
                previous, x = check_layer(part, x, want, previous, f"{what} layer {index}")
