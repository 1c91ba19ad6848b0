"""state_dict: the candidate's keys, their order and shapes are the reference's, and for a
config recorded from upstream (``properties.upstream_layouts``: one of them drawn per
example, where the entry has some) both are upstream's; weights move reference ->
candidate -> reference and through ``torch.save`` with the same results after every move."""

import io

import torch
from hypothesis import strategies as st

from properties.compare import assert_expected, expect
from properties.harness import Subject, Unsupported, spec_property
from properties.kinds.base import load_state, state_of
from properties.upstream_layouts import recorded


def check_upstream_layout(subject: Subject, data) -> None:
    """A recorded upstream config of the entry: the reference's and the candidate's
    layouts are upstream's (nothing to check for an entry without recorded layouts, nor of
    a candidate that declines the config)."""
    layouts = recorded().get(subject.name, ())
    if not layouts:
        return
    layout = data.draw(st.sampled_from(layouts), label="upstream layout")
    for impl in (subject.reference, subject.candidate):
        try:
            net = subject.build(impl, layout.config)
        except Unsupported:
            continue
        layout.check(state_of(net), impl.name, subject.entry.upstream_lacks)


@spec_property
def test_state_dict(subject: Subject, data) -> None:
    check_upstream_layout(subject, data)
    case = subject.draw(data)
    ref = subject.build(subject.reference, case.cfg, seed=case.seed, perturbed=True)
    cand = subject.build(subject.candidate, case.cfg, seed=case.seed + 1)
    ref_sd, cand_sd = state_of(ref), state_of(cand)
    missing, extra = sorted(set(ref_sd) - set(cand_sd)), sorted(set(cand_sd) - set(ref_sd))
    assert not missing and not extra, (
        f"state_dict keys differ: the reference's {missing} are missing, {extra} are extra"
    )
    assert list(cand_sd) == list(ref_sd), (
        f"state_dict key order {list(cand_sd)}, expected {list(ref_sd)}"
    )
    for k in ref_sd:
        assert cand_sd[k].shape == ref_sd[k].shape, (
            f"{k}: shape {list(cand_sd[k].shape)}, expected {list(ref_sd[k].shape)}"
        )
        assert cand_sd[k].dtype == ref_sd[k].dtype, (
            f"{k}: dtype {cand_sd[k].dtype}, expected {ref_sd[k].dtype}"
        )

    x = subject.inputs(case)

    def observed(net, x):
        with torch.no_grad():
            return subject.observe(net, x, case)

    load_state(cand, ref_sd)
    assert_expected(
        observed(cand, x), expect(observed, (ref, x), torch.float32), "reference -> candidate"
    )
    other = subject.build(subject.candidate, case.cfg, seed=case.seed + 2, perturbed=True)
    load_state(ref, state_of(other))
    assert_expected(
        observed(other, x), expect(observed, (ref, x), torch.float32), "candidate -> reference"
    )
    buffer = io.BytesIO()
    torch.save(state_of(other), buffer)
    buffer.seek(0)
    load_state(cand, torch.load(buffer))
    assert_expected(
        observed(cand, x), expect(observed, (ref, x), torch.float32), "through torch.save"
    )
