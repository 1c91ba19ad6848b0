"""nan_isolation (hardening): NaN or inf placed where a reset or an episode boundary cuts
the data (a state right before its reset, an input or a reward of an earlier episode)
never reaches the outputs after the reset, another episode's results or the network's
persistent state (contract item 7: resets cut by selection, not by multiplying with a
mask). Each kind says how its resets and episodes are poisoned (``Kind.poisoned``): the
results the poison must not reach equal those of the same run on clean data, and the
floating buffers stay finite. The spec documents do not ask for this; twinnet adds it."""

import torch

from properties.harness import Subject, spec_property
from properties.kinds.base import floating_buffers

RTOL, ATOL = 1e-4, 1e-5


@spec_property
def test_nan_isolation(subject: Subject, data) -> None:
    case = subject.draw(data, min_batch=2)
    net = subject.build(subject.candidate, case.cfg, seed=case.seed)
    g = torch.Generator().manual_seed(case.seed)
    trials = subject.kind.poisoned(net, case.cfg, case.batch, g, torch.float32)
    if not trials:
        subject.tally.note("some drawn configs have no floating state or episodes to poison")
        return
    for trial in trials:
        clean, poisoned = trial.run(False), trial.run(True)
        assert len(clean) == len(poisoned), f"{trial.what}: {len(poisoned)} results"
        for i, ((want, kept), (got, _)) in enumerate(zip(clean, poisoned)):
            if kept is not None:
                kept = kept.reshape(*kept.shape, *([1] * (want.dim() - kept.dim())))
                want, got = want[kept.expand_as(want)], got[kept.expand_as(got)]
            reached = ~torch.isclose(got, want, RTOL, ATOL, equal_nan=True)
            assert not reached.any(), (
                f"{subject.name}: {trial.what}: result {i} changed at {int(reached.sum())} of "
                f"{reached.numel()} elements it must not reach (e.g. {got[reached][:3].tolist()} "
                f"instead of {want[reached][:3].tolist()})"
            )
    for buffer in floating_buffers(net):
        assert torch.isfinite(buffer).all(), f"{subject.name}: the poison reached a buffer"
