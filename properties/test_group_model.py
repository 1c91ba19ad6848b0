"""group_model: a law of ALF's parameter networks (``Entry.laws``, stated and modelled in
``properties/models/alf/param_networks.py``); this module runs it for every entry that
declares it."""

from __future__ import annotations

from properties.harness import Subject, spec_property


@spec_property
def test_group_model(subject: Subject, data) -> None:
    subject.entry.laws[subject.prop].check(subject, data)
