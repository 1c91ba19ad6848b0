"""action_sampling: a network that draws actions from its own values (MDQ's ``get_action``)
draws them, under a seeded generator, by the law its independent model states; a law the
entries with such a method declare (``Entry.laws``); this module runs it for every entry
that declares it."""

from __future__ import annotations

from properties.harness import Subject, spec_property


@spec_property
def test_action_sampling(subject: Subject, data) -> None:
    subject.entry.laws[subject.prop].check(subject, data)
