"""augmentation: image augmentation happens in training mode only, only on the rows the
entry declares, and turns every image into one of the crops the entry declares (AMAGO's
DrQ-v2 shift: a crop of the edge-replicated, padded image), in the reference and in the
candidate. On the entry's config with augmentation on (and nothing else that differs
between training and eval mode):

* eval mode: the outputs under two seeds equal those of the same weights with augmentation
  off (condition-aware tolerance);
* training mode: outputs at the places that are not augmented equal their eval-mode
  outputs; the output at every augmented place equals (within the contract's float64
  tolerance) the eval-mode output of one crop of its image; and some augmented output
  differs from its eval-mode output whenever the crops that leave every output unchanged
  are negligibly likely.
"""

from __future__ import annotations

import torch

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.amago_encoder import NEGLIGIBLE, near
from properties.kinds.base import load_state, state_of

F64 = torch.float64


@spec_property
def test_augmentation_eval(subject: Subject, data) -> None:
    drawn = subject.draw(data)
    kind, aug = subject.kind, subject.kind.augmentation
    case = subject.case_of(aug.on(drawn.cfg), drawn.batch, drawn.seed)

    def observed(net, x, seed=case.seed):
        with torch.no_grad():
            return kind.observe(net, x, case.cfg, seed)

    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, F64, seed=case.seed, perturbed=True)
        plain = subject.build(impl, aug.off(case.cfg), F64, seed=case.seed)
        load_state(plain, state_of(net))
        x = subject.inputs(case, F64)
        expected = expect(observed, (plain, x), F64)
        for seed in (case.seed, case.seed + 1):
            what = f"{impl}: eval mode (seed {seed}) vs augmentation off"
            assert_expected(observed(net, x, seed), expected, what)


@spec_property
def test_augmentation_training(subject: Subject, data) -> None:
    drawn = subject.draw(data)
    kind, aug = subject.kind, subject.kind.augmentation
    case = subject.case_of(aug.on(drawn.cfg), drawn.batch, drawn.seed)
    places = kind.augmented(case.cfg, case.batch)
    kept = [p for p in kind.places(case.cfg, case.batch) if p not in places]

    def clean_at(net, x, where=kept):
        return kind.at(kind.eval_output(net, x), where)

    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, F64, seed=case.seed, perturbed=True)
        x = subject.inputs(case, F64)
        trained = kind.draw(net, x, case.cfg, case.seed)
        what = f"{impl}: training mode"
        assert_expected(kind.at(trained, kept), expect(clean_at, (net, x), F64), f"{what}, kept")
        crops = kind.crop_outputs(net, x, case.cfg, places)
        got = kind.at(trained, places)
        hit = near(got[:, None], crops).any(1)
        missed = [p for p, h in zip(places, hit.tolist()) if not h]
        assert not missed, f"{what}: the outputs at {missed} are those of no crop of their image"
        clean = clean_at(net, x, places)
        unchanged = near(crops, clean[:, None]).double().mean(1)
        if unchanged.prod() < NEGLIGIBLE:
            assert not bool(near(got, clean).all()), f"{what}: no augmented output changed"
        else:
            subject.tally.note("some examples have too few augmented images to demand a change")
