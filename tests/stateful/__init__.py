"""A small stateful network of twinnet's own, to prove the ``recurrent_steps`` property
before the real stateful entries arrive: a decaying trace ``h_t = a h_{t-1} + W x_t``,
``y_t = tanh(h_t)``, in a reference (the literal step loop), a fast candidate (the whole
sequence as one masked matrix product) and a broken candidate (its unroll ignores episode
starts). ``entries.py`` adds it to the catalog with ``--catalog-extra tests.stateful.entries``.
"""
