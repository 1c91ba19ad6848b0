"""least_used: a law an entry declares (``Entry.laws``), not its kind. The check is the entry's,
kept beside its independent models (ALF's memories: ``properties.models.alf.memory``); this
module runs it for every entry that declares the id."""

from __future__ import annotations

from properties.harness import Subject, spec_property


@spec_property
def test_least_used(subject: Subject, data) -> None:
    subject.entry.laws[subject.prop].check(subject, data)
