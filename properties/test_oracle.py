"""oracle: a function agrees, in float64 and within the parity contract's float64 tolerance,
with an independent numpy statement of upstream's code, and with upstream's worked cases: a
law the entries that have such a statement declare (``Entry.laws``, through
``properties.models.oracle``); this module runs it for every entry that declares it."""

from __future__ import annotations

from properties.harness import Subject, spec_property


@spec_property
def test_oracle(subject: Subject, data) -> None:
    subject.entry.laws[subject.prop].check(subject, data)
