"""twinnet reference implementations: the executable specification, written to be read."""
