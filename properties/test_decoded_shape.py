"""decoded_shape: an image decoder's output has the shape an independent statement of the
layer arithmetic gives, and an auto-shape decoder accepts exactly the reachable output
shapes; a law the decoder entries declare (``Entry.laws``); this module runs it for every
entry that declares it."""

from __future__ import annotations

from properties.harness import Subject, spec_property


@spec_property
def test_decoded_shape(subject: Subject, data) -> None:
    subject.entry.laws[subject.prop].check(subject, data)
