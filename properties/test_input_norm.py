"""input_norm: after any sequence of training-mode calls (shifted and scaled inputs, one
padding timestep each, and in every call but the last one timestep with a NaN feature,
which contract item 7 keeps out of the statistics) the running input normaliser holds the
statistics the entry's
independent numpy model of it gives (read from the upstream-layout state_dict), in the
reference and in the candidate, within the float64 contract tolerance; the reference's
normaliser normalises as the numpy model does with them; and the candidate then computes
what the reference computes holding the candidate's state (eval mode, condition-aware
tolerance), so it also normalises with its statistics."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from properties.compare import assert_expected, expect, tolerance
from properties.harness import Subject, spec_property
from properties.kinds.base import set_training, state_of
from reference.specs import Nest, flatten, map_structure

F64 = torch.float64


def poisoned(x: Nest) -> Nest:
    """``x`` with a NaN in the first feature of the first step of row 0 of its first
    floating leaf that has features (other leaves shared)."""
    target = next(
        (t for t in flatten(x) if t.dtype.is_floating_point and t[0, 0].numel() > 0), None
    )

    def poison(t: torch.Tensor) -> torch.Tensor:
        if t is not target:
            return t
        out = t.clone()
        out[0, 0].view(-1)[0] = float("nan")
        return out

    return map_structure(poison, x)


@spec_property
def test_input_norm(subject: Subject, data) -> None:
    drawn = subject.draw(data)
    kind, norm = subject.kind, subject.kind.normaliser
    case = subject.case_of(norm.on(drawn.cfg), drawn.batch, drawn.seed)
    batches = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=4), label="batches")
    rtol, atol = tolerance(F64)

    def observed(net, x):
        with torch.no_grad():
            return subject.observe(net, x, case)

    for impl in (subject.reference, subject.candidate):
        net = set_training(subject.build(impl, case.cfg, F64, seed=case.seed), True)
        seen = []
        for i, batch in enumerate(batches):
            x = subject.inputs(case, F64, batch=batch, seed_offset=i)
            x = map_structure(lambda t, i=i: t * (0.5 + i) + (3.0 * i - 2.0), x)
            x = kind.padded(x, norm.pad_value)
            if i < len(batches) - 1:
                x = poisoned(x)
            seen.append(norm.features(case.cfg, x))
            with torch.no_grad():
                kind.call(net, x, ())
        got, want = norm.statistics(state_of(net)), norm.model(seen)
        assert sorted(got) == sorted(want), f"{impl}: statistics {sorted(got)}"
        for name in want:
            np.testing.assert_allclose(
                got[name], want[name], rtol, atol, err_msg=f"{impl}: normaliser statistic {name}"
            )
        if impl == subject.reference:
            probe = seen[-1][:3]
            normalised = norm.normalised(net, torch.from_numpy(probe)).detach().numpy()
            np.testing.assert_allclose(
                normalised,
                norm.normalise_model(want, probe),
                rtol,
                atol,
                err_msg=f"{impl}: normalised features",
            )
            continue
        reference = subject.build(subject.reference, case.cfg, F64, seed=case.seed)
        subject.share_weights(net, reference)
        set_training(net, False)
        what = f"{impl}: eval outputs vs the reference holding its state"
        assert_expected(observed(net, x), expect(observed, (reference, x), F64), what)
