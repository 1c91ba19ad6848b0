"""The ``oracle`` law: a function agrees, in float64 and within the parity contract's float64
tolerance, with an independent numpy statement of what it computes (written from upstream's
code, not from either implementation), and with worked cases (upstream's own tests). An
entry with such a statement declares it (``Entry.laws``) through :func:`oracle_law`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from properties.compare import tolerance
from properties.entry import EntryLaw
from properties.harness import Subject

DESCRIBE = (
    "agrees with an independent numpy statement of upstream's code (and with upstream's "
    "worked cases)"
)


def oracle_law(
    formula: Callable[[dict, np.ndarray], np.ndarray],
    worked: Sequence[Callable[[Any], None]] = (),
) -> EntryLaw:
    """``formula(cfg, x)``: the expected output for a float64 input, as a numpy array;
    ``worked``: checks of fixed cases, each ``check(impl)`` raising ``AssertionError`` on a
    wrong value."""
    return EntryLaw(DESCRIBE, functools.partial(check_oracle, formula, tuple(worked)))


def check_oracle(
    formula: Callable[[dict, np.ndarray], np.ndarray],
    worked: tuple[Callable[[Any], None], ...],
    subject: Subject,
    data: Any,
) -> None:
    case = subject.draw(data)
    net = subject.build(subject.candidate, case.cfg, torch.float64, seed=case.seed)
    x = subject.inputs(case, torch.float64)
    with torch.no_grad():
        got = net(x).numpy()
    want = formula(case.cfg, x.numpy())
    rtol, atol = tolerance(torch.float64)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=subject.name)
    for check in worked:
        check(subject.candidate)
