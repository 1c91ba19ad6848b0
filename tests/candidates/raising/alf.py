"""Raises at import, as a candidate with a bug in its module body would."""

raise RuntimeError("the alf adapters are broken")
