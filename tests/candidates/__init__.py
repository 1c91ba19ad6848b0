"""Candidate packages that exercise the candidate protocol (DESIGN: "Implementation under
test"): each exposes library namespaces (``alf``...) the way a user's adapter would."""
