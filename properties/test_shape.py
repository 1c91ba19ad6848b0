"""shape: outputs and states have the shapes and specs the spec documents declare, the
candidate's specs equal the reference's, for batch sizes 1 and B >= 1 (the kind decides
what a shape is: tensor specs for a network, batch and event shapes for a distribution).
Empty batches and sequences are the hardening id ``empty_batch``."""

import torch

from properties.harness import Subject, spec_property


@spec_property
def test_shape(subject: Subject, data) -> None:
    case = subject.draw(data)
    ref = subject.build(subject.reference, case.cfg, seed=case.seed)
    cand = subject.build(subject.candidate, case.cfg, seed=case.seed)
    for batch in sorted({1, case.batch}):
        x = subject.inputs(case, batch=batch)
        with torch.no_grad():
            subject.kind.check_shape(ref, cand, case.cfg, x, batch)
