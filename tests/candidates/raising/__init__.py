"""A candidate whose ``alf`` submodule raises while importing (not an ``ImportError``):
every command reports it in one line and exits 2, never with a traceback."""
