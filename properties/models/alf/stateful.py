"""Laws of ALF's stateful networks that only they have, declared by their entries in
``properties/entries/alf/stateful.py``: the noisy layer's (``NoisyFC``) ``noise_resampling``,
``reset_redraw`` and ``eval_noiseless`` (a noisy network carries its noise as its state and
resamples it in training mode), and a process's (``OUProcess``) ``process_noise``, the law of
its noise."""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from scipy import stats

from properties.compare import assert_expected, expect
from properties.entry import EntryLaw
from properties.harness import Subject
from properties.kinds.alf_network import global_eval, noise_on
from properties.kinds.base import seeded, set_training
from reference.specs import flatten, map_structure, sample_nest

ROWS = 4000
#: The KS p-value below which ``noise_resampling`` and ``process_noise`` fail.
P_MIN = 1e-5


def _rows_changed(before, after) -> torch.Tensor:
    changed = torch.zeros(ROWS, dtype=torch.bool)
    for a, b in zip(flatten(before), flatten(after)):
        changed |= (a != b).reshape(ROWS, -1).any(dim=1)
    return changed


def noise_resampling(
    resample_prob: Callable[[dict], float], noise_cdf: Callable[[np.ndarray], np.ndarray]
) -> EntryLaw:
    """The law ``noise_resampling`` of a network whose rows draw new noise in a training step
    with probability ``resample_prob(cfg)``, each element of it with the distribution function
    ``noise_cdf``: :func:`check_noise_resampling`."""
    return EntryLaw(
        "in training mode the fraction of rows whose noise changes in one step matches the "
        "resampling probability (binomial bound); zero noise is always replaced, by noise of "
        "the declared law (KS test)",
        functools.partial(check_noise_resampling, resample_prob, noise_cdf),
    )


def factorised_noise_cdf(e: np.ndarray) -> np.ndarray:
    """The distribution function of factorised Gaussian noise ``f(z) = sign(z) sqrt|z|``,
    ``z ~ N(0, 1)``: ``P(f(z) <= e) = Phi(sign(e) e^2)``."""
    return stats.norm.cdf(np.sign(e) * e * e)


def check_noise_resampling(
    resample_prob: Callable[[dict], float],
    noise_cdf: Callable[[np.ndarray], np.ndarray],
    subject: Subject,
    data: Any,
) -> None:
    """noise_resampling: a network that carries noise as its state (a noisy kind) replaces the
    noise of a row in a training step with the kind's resampling probability ``p``: from zero
    noise every row draws new noise, whose elements pass a KS test against ``noise_cdf``; from
    that noise, the number of rows whose noise changes in one step is Binomial(B, p) at a large
    batch B. Checked for the reference and the candidate; the bound is six standard deviations
    (plus one row), so a correct implementation fails with probability below 1e-8 per example,
    while resampling every row (or none) fails at any ``0 < p < 1`` the configs draw."""
    case = subject.draw(data)
    kind = subject.kind
    p = resample_prob(case.cfg)
    for impl in (subject.reference, subject.candidate):
        net = set_training(subject.build(impl, case.cfg, seed=case.seed), True)
        x = subject.inputs(case, batch=ROWS)
        zeros = kind.initial_state(net, x, case.cfg)
        with torch.no_grad(), seeded(case.seed):
            _, noise = kind.call(net, x, zeros)
            _, again = kind.call(net, x, noise)
        fresh = _rows_changed(zeros, noise)
        assert bool(fresh.all()), f"{impl}: {int((~fresh).sum())} rows kept their zero noise"
        values = torch.cat([v.reshape(-1) for v in flatten(noise)]).double().numpy()
        p_ks = stats.kstest(values, noise_cdf).pvalue
        assert p_ks > P_MIN, (
            f"{impl}: the fresh noise does not follow its law: KS p = {p_ks:.2e} (mean "
            f"{values.mean():.3f}, std {values.std():.3f}, {values.size} draws)"
        )
        changed = int(_rows_changed(noise, again).sum())
        bound = 6 * math.sqrt(ROWS * p * (1 - p)) + 1
        assert abs(changed - ROWS * p) <= bound, (
            f"{impl}: {changed} of {ROWS} rows drew new noise in one step, expected "
            f"{ROWS * p:.0f} +- {bound:.0f} (resampling probability {p})"
        )


def check_reset_redraw(subject: Subject, data: Any) -> None:
    """reset_redraw: what ``recurrent_steps`` leaves out of its element-wise comparison of a
    noisy network (``Kind.drawn_at_reset``), checked without comparing a random stream. In
    the config whose steps draw no noise (``Kind.deterministic``: resampling probability 0),
    from a random noise state, an unroll in which a drawn set of rows starts an episode at a
    drawn step ``s``: the other rows end with the noise they started with, every reset row
    ends with new nonzero noise, and every output from step ``s`` on equals the reference's
    training step from that final noise (which a step with probability 0 keeps), within the
    comparisons' tolerance. Checked for the reference's unroll and the candidate's."""
    case = subject.draw(data, min_batch=2, deterministic=True)
    kind, cfg, batch = subject.kind, case.cfg, case.batch
    g = torch.Generator().manual_seed(case.seed)
    steps = 4
    start = int(torch.randint(0, steps, (), generator=g))
    rows = torch.rand(batch, generator=g) < 0.5
    rows[int(torch.randint(0, batch, (), generator=g))] = True
    first = torch.zeros(steps, batch, dtype=torch.bool)
    first[start] = rows
    dtype = torch.float64
    ref, cand = subject.twins(case, dtype)
    xs = sample_nest(kind.input_spec(cfg), (steps, *kind.outer_dims(cfg, batch)), g, dtype)
    zeros = kind.initial_state(ref, map_structure(lambda v: v[0], xs), cfg)
    noise = kind.explicit_noise(zeros, case.seed)

    def steps_from(net: Any, xs: Any, state: Any) -> Any:
        """The training steps ``start..T-1`` of ``xs``, each from ``state``."""
        outputs = []
        with torch.no_grad(), noise_on(net):
            for t in range(start, steps):
                outputs.append(kind.call(net, map_structure(lambda v, t=t: v[t], xs), state)[0])
        return map_structure(lambda *ys: torch.stack(ys), *outputs)

    for impl, net in ((subject.reference, ref), (subject.candidate, cand)):
        with torch.no_grad():
            outputs, final = kind.unroll(net, xs, noise, first, cfg, case.seed)
        where = f"{impl}: rows {torch.nonzero(rows).flatten().tolist()} reset at step {start}"
        for before, after in zip(flatten(noise), flatten(final)):
            kept = (before == after).reshape(batch, -1).all(dim=1)
            assert bool(kept[~rows].all()), f"{where}: rows without a reset changed their noise"
            new = ((before != after) & (after != 0)).reshape(batch, -1).all(dim=1)
            assert bool(new[rows].all()), (
                f"{where}: a reset row kept some of its old noise, or its zero reset state"
            )
        expected = expect(steps_from, (ref, xs, final), dtype)
        later = map_structure(lambda y: y[start:], outputs)
        assert_expected(later, expected, f"{where}: the outputs from step {start} on")


RESET_REDRAW = EntryLaw(
    "an episode start redraws the noise of the rows it resets and of no other row, and the "
    "outputs from then on are the deterministic step with that noise",
    check_reset_redraw,
)


def check_eval_noiseless(subject: Subject, data: Any) -> None:
    """eval_noiseless: in eval mode a network that carries noise as its state (a noisy kind)
    adds no noise: its output from a random noise state equals its output from zero noise, and
    the state it returns is the state it was given, for the reference and the candidate. Eval
    mode is checked twice: as the kind runs a prepared network (``module.eval()`` and ALF's
    global flag), and as the spec defines it, the global flag alone with the module's own
    ``training`` on (``common.is_eval()``; :func:`properties.kinds.alf_network.global_eval`)."""
    case = subject.draw(data)
    kind = subject.kind
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, seed=case.seed, perturbed=True)
        x = subject.inputs(case)
        zeros = kind.initial_state(net, x, case.cfg)
        g = torch.Generator().manual_seed(case.seed)
        noise = map_structure(
            lambda z, g=g: torch.randn(z.shape, generator=g, dtype=z.dtype), zeros
        )
        rounds = (
            ("module.eval() and the global flag", contextlib.nullcontext()),
            ("the global flag alone", noise_on(net)),
        )
        for how, module_flag in rounds:
            with torch.no_grad(), seeded(case.seed), module_flag, global_eval():
                clean, _ = kind.call(net, x, zeros)
                out, state = kind.call(net, x, noise)
            for a, b in zip(flatten(clean), flatten(out)):
                assert torch.equal(a, b), (
                    f"{impl}: the eval-mode output ({how}) depends on the noise state"
                )
            for a, b in zip(flatten(noise), flatten(state)):
                assert torch.equal(a, b), f"{impl}: eval mode ({how}) changed the noise state"


EVAL_NOISELESS = EntryLaw(
    "in eval mode the output does not depend on the noise state and the state passes through "
    "unchanged",
    check_eval_noiseless,
)


#: Rows of the state a ``process_noise`` example draws (times the state's size per row).
PROCESS_ROWS = 500


def process_noise(decay: Callable[[dict], float], scale: Callable[[dict], float]) -> EntryLaw:
    """The law ``process_noise`` of a process ``x' = a x + s z``, ``z ~ N(0, 1)`` per element,
    with ``a = decay(cfg)`` and ``s = scale(cfg)``: :func:`check_process_noise`."""
    return EntryLaw(
        "the noise of one step, (x' - a x) / s, is standard normal per element (KS test), in "
        "float32 and float64, whatever stream or dtype the implementation draws it with",
        functools.partial(check_process_noise, decay, scale),
    )


def check_process_noise(
    decay: Callable[[dict], float],
    scale: Callable[[dict], float],
    subject: Subject,
    data: Any,
) -> None:
    """process_noise: the noise a process adds in one step, checked by its distribution, never
    by its stream (contract item 5): from a random state of ``PROCESS_ROWS`` rows, the
    standardised increments ``(x' - a x) / s`` of every element pass a one-sample KS test
    against N(0, 1), for the reference and the candidate, in float32 and float64 (the parity
    cells compare the deterministic part, ``s = 0``). With ``s = 0`` the step is
    ``x' = a x`` within rounding."""
    case = subject.draw(data)
    kind = subject.kind
    a, s = decay(case.cfg), scale(case.cfg)
    for impl in (subject.reference, subject.candidate):
        for dtype in (torch.float32, torch.float64):
            net = subject.build(impl, case.cfg, dtype=dtype, seed=case.seed)
            x = subject.inputs(case, dtype, batch=PROCESS_ROWS)
            with torch.no_grad(), seeded(case.seed):
                _, new = kind.call(net, x, ())
            steps = [(y - a * x0).double() for x0, y in zip(flatten(x), flatten(new))]
            where = f"{impl} ({dtype})"
            if s == 0:
                for d, x0 in zip(steps, flatten(x)):
                    tol = 8 * torch.finfo(dtype).eps * (1 + x0.abs().double())
                    assert bool((d.abs() <= tol).all()), f"{where}: a noiseless step is not a*x"
                continue
            z = torch.cat([d.reshape(-1) for d in steps]).numpy() / s
            p = stats.kstest(z, "norm").pvalue
            assert p > P_MIN, (
                f"{where}: the step's noise (x' - {a} x) / {s} is not N(0, 1): KS p = {p:.2e} "
                f"(mean {z.mean():.3f}, std {z.std():.3f}, {z.size} draws)"
            )
