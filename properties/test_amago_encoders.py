"""AMAGO timestep-encoder properties beside the generic ones.

* timestep_independence: in eval mode the output at step t does not change when the
  inputs at every other step change (the TstepEncoder contract; augmentation is off in
  eval mode, and training-mode statistics are not involved).
* augmentation: DrQ-v2 random shifts never apply in eval mode; in training mode they touch
  only the rows ``b >= clamp(ceil(B (1 - aug_pct_of_batch)), 0, B - 1)``, and each
  augmented image is an integer crop of the edge-replicated, 4-pixel padded original.
* input_norm: after any sequence of training-mode batches the running normaliser holds the
  numpy mean and variance (ddof 0) of every (non-padding) timestep seen, and normalises
  with them.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from properties.entry import load_state, set_training, state_of
from properties.harness import (
    Case,
    assert_nest_close,
    build,
    draw_case,
    entry_under_test,
    inputs_for,
)
from properties.impl import REFERENCE
from reference.amago.utils import MAGIC_PAD_VAL
from reference.specs import map_structure


@given(data=st.data())
def test_timestep_independence(entry: str, dtype: torch.dtype, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    length = case.cfg["length"]
    t = data.draw(st.integers(0, length - 1), label="t")
    for impl in (REFERENCE, cand):
        net = build(e, impl, case.cfg, dtype, seed=case.seed, perturbed=True)
        x = inputs_for(e, net, case, dtype)
        other = inputs_for(e, net, case, dtype, seed_offset=1)
        keep = torch.zeros(length, dtype=torch.bool)
        keep[t] = True

        def mix(a: torch.Tensor, b: torch.Tensor, keep: torch.Tensor = keep) -> torch.Tensor:
            return torch.where(keep.reshape(1, length, *([1] * (a.dim() - 2))), a, b)

        changed = map_structure(mix, x, other)
        with torch.no_grad():
            want = e.outputs(net, x)[:, t]
            got = e.outputs(net, changed)[:, t]
        assert_nest_close(got, want, dtype, f"{entry} ({impl.module_name}) step {t}", scale=10)


def _aug_case(data: st.DataObject, entry) -> Case:
    case = draw_case(data, entry)
    cfg = {**case.cfg, "drqv2_aug": True, "out_norm": "none", "activation": "leaky_relu"}
    cfg["d_output"] = max(cfg["d_output"], 3)
    shape = cfg["obs_shapes"][cfg["obs_key"]]
    side = max(shape[1:]) if cfg["channels_first"] else max(shape[:2])
    img = (shape[0], side, side) if cfg["channels_first"] else (side, side, shape[2])
    cfg["obs_shapes"] = {**cfg["obs_shapes"], cfg["obs_key"]: img}
    return Case(cfg, case.batch, case.seed)


@given(data=st.data())
def test_augmentation_eval_off(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = _aug_case(data, e)
    for impl in (REFERENCE, cand):
        net = build(e, impl, case.cfg, torch.float64, seed=case.seed)
        plain = build(e, impl, {**case.cfg, "drqv2_aug": False}, torch.float64, seed=case.seed)
        load_state(plain, state_of(net))
        x = inputs_for(e, net, case, torch.float64)
        with torch.no_grad():
            outs = []
            for seed in (1, 2):
                torch.manual_seed(seed)
                outs.append(net(x["obs"], x["rl2s"]))
            want = plain(x["obs"], x["rl2s"])
        what = f"{entry} ({impl.module_name}) eval mode"
        assert_nest_close(outs[0], want, torch.float64, what)
        assert_nest_close(outs[1], want, torch.float64, what)


@given(data=st.data())
def test_augmentation_fraction(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = _aug_case(data, e)
    batch = case.batch
    pct = case.cfg["aug_pct_of_batch"]
    split = max(min(math.ceil(batch * (1.0 - pct)), batch - 1), 0)
    for impl in (REFERENCE, cand):
        net = build(e, impl, case.cfg, torch.float64, seed=case.seed, perturbed=True)
        x = inputs_for(e, net, case, torch.float64)
        with torch.no_grad():
            clean = net(x["obs"], x["rl2s"])
            set_training(net, True)
            torch.manual_seed(case.seed)
            augmented = net(x["obs"], x["rl2s"])
        what = f"{entry} ({impl.module_name})"
        assert_nest_close(augmented[:split], clean[:split], torch.float64, f"{what} rows < {split}")
        if (batch - split) * case.cfg["length"] >= 3:  # else the identity crop may be drawn
            changed = (augmented[split:] - clean[split:]).abs().amax(-1) > 1e-9
            assert bool(changed.any()), f"{what}: no augmented row changed (rows >= {split})"


def _crops(img: torch.Tensor, pad: int, channels_first: bool) -> torch.Tensor:
    """Every integer crop of the replicate-padded image: ``[(2 pad + 1)^2, *img.shape]``."""
    chw = img if channels_first else img.permute(2, 0, 1)
    padded = F.pad(chw.unsqueeze(0), (pad,) * 4, mode="replicate")[0]
    h, w = chw.shape[1:]
    out = [
        padded[:, dy : dy + h, dx : dx + w]
        for dy in range(2 * pad + 1)
        for dx in range(2 * pad + 1)
    ]
    crops = torch.stack(out)
    return crops if channels_first else crops.permute(0, 2, 3, 1)


@given(data=st.data())
def test_augmentation_shifts(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = _aug_case(data, e)
    cfg = case.cfg
    channels_first = cfg["channels_first"]
    shape = cfg["obs_shapes"][cfg["obs_key"]]
    g = torch.Generator().manual_seed(case.seed)
    x = torch.rand((case.batch, cfg["length"], *shape), generator=g, dtype=torch.float64)
    for impl in (REFERENCE, cand):
        aug = impl.amago.DrQv2Aug(4, channels_first=channels_first)
        torch.manual_seed(case.seed)
        out = aug(x)
        assert out.shape == x.shape
        for b in range(x.shape[0]):
            for t in range(x.shape[1]):
                crops = _crops(x[b, t], 4, channels_first)
                hit = (crops == out[b, t]).flatten(1).all(1)
                assert bool(hit.any()), (
                    f"{impl.module_name}: image ({b}, {t}) is not a shifted crop of the original"
                )


def _flat_inputs(cfg: dict, x: dict) -> np.ndarray:
    """The normaliser's inputs: observations in sorted key order, then rl2s (or zeros)."""
    keys = sorted(cfg["specify_obs_keys"] or cfg["obs_shapes"])
    b, n = x["rl2s"].shape[:2]
    parts = [x["obs"][k].reshape(b, n, -1) for k in keys]
    rl2s = x["rl2s"] * 0 if cfg["hide_rl2s"] else x["rl2s"]
    return torch.cat([*parts, rl2s], -1).reshape(b * n, -1).numpy()


@given(data=st.data())
def test_input_norm(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    cfg = {**case.cfg, "normalize_inputs": True, "norm": "layer"}
    steps = data.draw(st.integers(1, 4), label="updates")
    for impl in (REFERENCE, cand):
        net = set_training(build(e, impl, cfg, torch.float64, seed=case.seed), True)
        seen = []
        for i in range(steps):
            batch = data.draw(st.integers(1, 5), label="batch")
            step = Case(cfg, batch, case.seed + i)
            x = inputs_for(e, net, step, torch.float64)
            shift, scale = 3.0 * i - 2.0, 0.5 + i
            x = map_structure(lambda t, s=shift, k=scale: t * k + s, x)
            if not cfg["hide_rl2s"] and x["rl2s"].shape[1] > 1:  # one padding timestep
                x = map_structure(lambda t: t.clone(), x)
                for k in x["obs"]:
                    x["obs"][k][0, -1] = MAGIC_PAD_VAL
                x["rl2s"][0, -1] = MAGIC_PAD_VAL
                flat = _flat_inputs(cfg, x)
                seen.append(flat[np.arange(len(flat)) != x["rl2s"].shape[1] - 1])
            else:
                seen.append(_flat_inputs(cfg, x))
            with torch.no_grad():
                e.outputs(net, x)
        state = state_of(net)
        data_seen = np.concatenate(seen)
        mu, nu = state["in_norm.mu"].numpy(), state["in_norm.nu"].numpy()
        what = f"{entry} ({impl.module_name})"
        np.testing.assert_allclose(mu, data_seen.mean(0), rtol=1e-9, atol=1e-9, err_msg=what)
        np.testing.assert_allclose(
            nu - mu**2, data_seen.var(0), rtol=1e-7, atol=1e-9, err_msg=f"{what} variance"
        )
        sigma = np.sqrt(data_seen.var(0) + 1e-5)
        probe = data_seen[:3]
        centred = probe - data_seen.mean(0)
        want = np.where(sigma > 0.01, np.clip(centred / sigma, -1e4, 1e4), centred)
        got = net.in_norm(torch.from_numpy(probe)).detach().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9, err_msg=f"{what} normalised")
