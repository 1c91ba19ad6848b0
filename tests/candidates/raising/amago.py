"""A submodule that imports fine (the candidate provides nothing from it)."""
