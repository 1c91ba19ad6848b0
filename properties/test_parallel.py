"""parallel: the candidate's parallel form == n independent reference replicas run one by
one, on ``[B, n, ...]`` inputs and, where the form takes it, on a shared ``[B, ...]``
input; its weights map onto the replicas' both ways (the kind's layout rules), and its
state_dict has the keys and shapes of the reference's parallel form (upstream's layout,
so a parallel checkpoint loads by key: contract item 2).

A config that takes activations also builds both parallel forms with every activation a
softmax over dims 1 and -1 (``strategies.mixing_activation``) and compares the candidate's
with the reference's, same weights: a vectorized form that applies an activation to
another layout than the reference's parallel form (replica-major, replicas' channels side
by side) computes another function. (Not with the independent replicas: upstream's
parallel layers apply it to the ``[B, n, ...]`` stack, which for such an activation is not
n replicas.)"""

import torch

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import state_of, to_device
from properties.strategies import activations_replaced, mixing_activation
from reference.specs import map_structure, sample_nest


def _stacked(observed: list) -> object:
    return map_structure(lambda *ts: torch.stack(ts, dim=1), *observed)


@spec_property
def test_parallel(subject: Subject, dtype: torch.dtype, device: str, data) -> None:
    form = subject.kind.parallel
    case = subject.draw(data)
    n = form.n(case.cfg)
    singles = [
        subject.build(subject.reference, case.cfg, dtype, device, case.seed + i, True, form.replica)
        for i in range(n)
    ]
    par = subject.build(
        subject.candidate, case.cfg, dtype, device, case.seed + n, False, form.build
    )
    twin = subject.build(
        subject.reference, case.cfg, dtype, device, case.seed + n, False, form.build
    )
    layout = {k: tuple(v.shape) for k, v in state_of(par).items()}
    want = {k: tuple(v.shape) for k, v in state_of(twin).items()}
    extra, missing = sorted(set(layout) - set(want)), sorted(set(want) - set(layout))
    reshaped = sorted(k for k in set(layout) & set(want) if layout[k] != want[k])
    assert layout == want, (
        f"{subject.name} n={n} state_dict: keys only in the candidate {extra}, only in the "
        f"reference {missing}, other shapes {reshaped}"
    )
    states = [state_of(s) for s in singles]
    par.load_state_dict(form.stack(state_of(par), states))
    for i, single in enumerate(states):
        back = form.split(state_of(par), single, i, n)
        assert sorted(back) == sorted(single), f"replica {i}: keys {sorted(back)}"
        for k in single:
            assert torch.equal(back[k], single[k]), f"replica {i} weights {k} did not round-trip"

    g = torch.Generator().manual_seed(case.seed)
    x = to_device(sample_nest(subject.kind.input_spec(case.cfg), (case.batch, n), g, dtype), device)
    shared = map_structure(lambda t: t[:, 0], x)

    def replicas(nets, x):
        with torch.no_grad():
            return _stacked(
                [
                    subject.observe(net, map_structure(lambda t, i=i: t[:, i], x), case)
                    for i, net in enumerate(nets)
                ]
            )

    def replicas_shared(nets, x):
        with torch.no_grad():
            return _stacked([subject.observe(net, x, case) for net in nets])

    with torch.no_grad():
        got = subject.observe(par, x, case)
    assert_expected(got, expect(replicas, (singles, x), dtype), f"{subject.name} n={n}")
    if form.shared_input:
        with torch.no_grad():
            got_shared = subject.observe(par, shared, case)
        expected = expect(replicas_shared, (singles, shared), dtype)
        assert_expected(got_shared, expected, f"{subject.name} n={n}, shared input")

    with activations_replaced(mixing_activation) as replaced:
        par = subject.build(
            subject.candidate, case.cfg, dtype, device, case.seed, False, form.build
        )
        twin = subject.build(
            subject.reference, case.cfg, dtype, device, case.seed, True, form.build
        )
    if replaced.resolved:
        subject.share_weights(twin, par)

        def observed(net, x):
            with torch.no_grad():
                return subject.observe(net, x, case)

        expected = expect(observed, (twin, x), dtype)
        what = f"{subject.name} n={n}, every activation a softmax over dims 1 and -1"
        assert_expected(observed(par, x), expected, what)
