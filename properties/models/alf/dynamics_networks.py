"""The probabilistic mode of ALF's dynamics networks (``prob=True``), declared as the law
``prob_mode`` by the entries of ``properties/entries/alf/dynamics_networks.py`` (whose kind
compares the deterministic head): the network returns the distribution of its continuous
projection (a diagonal normal by default), with batch shape ``[B]`` (``[B, n]`` for the
parallel form) and event shape ``[d]``, and with the reference's weights its mean, standard
deviation and the log-density of the reference's samples equal the reference's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from properties.candidate import Impl
from properties.compare import tolerance
from properties.entry import EntryLaw
from properties.harness import Subject

DESCRIBE = (
    "prob=True: the projection's distribution, batch [B] ([B, n] parallel) and event [d]; "
    "mean, stddev and log_prob of the reference's samples equal the reference's"
)


def check_prob_mode(
    build: Callable[[Impl, dict], Any], parallel: bool, subject: Subject, data: Any
) -> None:
    drawn = subject.draw(data)
    case = subject.case_of({**drawn.cfg, "prob": True}, drawn.batch, drawn.seed)
    for dtype in (torch.float32, torch.float64):
        ref, cand = subject.twins(case, dtype, builder=build)
        obs, act = subject.inputs(case, dtype)
        with torch.no_grad():
            want, got = ref((obs, act))[0], cand((obs, act))[0]
        d = case.cfg["output_tensor_spec"].shape[0]
        batch = (case.batch, case.cfg["n"]) if parallel else (case.batch,)
        assert tuple(got.batch_shape) == batch, f"batch shape {tuple(got.batch_shape)}"
        assert tuple(got.event_shape) == (d,), f"event shape {tuple(got.event_shape)}"
        rtol, atol = tolerance(dtype)
        sample = want.sample((3,))
        for name, g, w in (
            ("mean", got.mean, want.mean),
            ("stddev", got.stddev, want.stddev),
            ("log_prob", got.log_prob(sample), want.log_prob(sample)),
        ):
            torch.testing.assert_close(g, w, rtol=rtol, atol=atol, msg=f"{dtype} {name}")
        assert cand.is_distribution_output, "is_distribution_output is False with prob=True"


def prob_mode(build: Callable[[Impl, dict], Any], parallel: bool) -> EntryLaw:
    """The law for networks built by ``build`` (``parallel``: outputs carry ``n``)."""
    return EntryLaw(DESCRIBE, functools.partial(check_prob_mode, build, parallel))
