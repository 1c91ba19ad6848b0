"""reset_redraw: a law an entry declares (``Entry.laws``), not its kind. The check is the
entry's, kept beside its independent models (NoisyFC: ``properties.models.alf.stateful``); this
module runs it for every entry that declares the id."""

from __future__ import annotations

from properties.harness import Subject, spec_property


@spec_property
def test_reset_redraw(subject: Subject, data) -> None:
    subject.entry.laws[subject.prop].check(subject, data)
