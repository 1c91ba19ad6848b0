"""shape: outputs and states have the shapes and specs the spec documents declare, the
candidate's specs equal the reference's, for batch sizes 0, 1 and B (the kind decides what a
shape is: tensor specs for a network, batch and event shapes for a distribution), and for
the kind's empty sequences (AMAGO's length L=0). An empty batch (an empty replay slice) or
sequence gives empty results of the right shape (contract item 7)."""

import dataclasses

import torch

from properties.harness import Subject, spec_property


@spec_property
def test_shape(subject: Subject, data) -> None:
    case = subject.draw(data)
    ref = subject.build(subject.reference, case.cfg, seed=case.seed)
    cand = subject.build(subject.candidate, case.cfg, seed=case.seed)
    for batch in sorted({0, 1, case.batch}):
        x = subject.inputs(case, batch=batch)
        with torch.no_grad():
            subject.kind.check_shape(ref, cand, case.cfg, x, batch)
    for cfg in subject.kind.empty_sequences(case.cfg):
        x = subject.inputs(dataclasses.replace(case, cfg=cfg))
        with torch.no_grad():
            subject.kind.check_shape(ref, cand, cfg, x, case.batch)
