"""empty_batch (hardening): an empty batch (B=0, an empty replay slice) and the kind's
empty sequences (AMAGO's length L=0, ``Kind.empty_sequences``) work and give empty results
of the declared shapes and specs, the candidate's equal to the reference's (contract item
7). The spec documents do not ask for this; twinnet adds it."""

import dataclasses

import torch

from properties.harness import Subject, spec_property


@spec_property
def test_empty_batch(subject: Subject, data) -> None:
    case = subject.draw(data)
    ref = subject.build(subject.reference, case.cfg, seed=case.seed)
    cand = subject.build(subject.candidate, case.cfg, seed=case.seed)
    x = subject.inputs(case, batch=0)
    with torch.no_grad():
        subject.kind.check_shape(ref, cand, case.cfg, x, 0)
    for cfg in subject.kind.empty_sequences(case.cfg):
        x = subject.inputs(dataclasses.replace(case, cfg=cfg))
        with torch.no_grad():
            subject.kind.check_shape(ref, cand, cfg, x, case.batch)
