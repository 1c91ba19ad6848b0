"""prob_mode: a network with a deterministic and a probabilistic mode (``prob=True``) returns,
in the probabilistic one, the distribution its law states, equal to the reference's; a law
the entries with such a mode declare (``Entry.laws``); this module runs it for every entry
that declares it."""

from __future__ import annotations

from properties.harness import Subject, spec_property


@spec_property
def test_prob_mode(subject: Subject, data) -> None:
    subject.entry.laws[subject.prop].check(subject, data)
