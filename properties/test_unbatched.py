"""unbatched: a batch of ``B`` observations (``[B, D]``, one step of ``B`` sequences, with
their ``[B, hidden_size]`` states) gives, row by row, what unbatched calls (``[D]``
observations, ``[hidden_size]`` states) give: the outputs and the new hidden states, for
``B`` in 1, 2, 4 and 256 (the first ``B`` rows of one drawn batch). Every row is checked for
the small batches; of the 256-row batch, the first and last rows and six drawn ones (256
unbatched calls per example would dominate the suite's time; a batching error shows in any
row)."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from reference.specs import map_structure, sample_nest

BATCHES = (1, 2, 4, 256)
SMALL = 4
DRAWN_ROWS = 6


@spec_property
def test_unbatched(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data)
    kind: Any = subject.kind
    cfg = case.cfg
    net = subject.build(subject.candidate, cfg, dtype, seed=case.seed, perturbed=True)
    g = torch.Generator().manual_seed(case.seed)
    x = sample_nest(kind.input_spec(cfg), (max(BATCHES),), g, dtype)
    start = kind.initial_state(net, x, cfg)
    state = start + 0.5 * torch.randn(start.shape, generator=g, dtype=dtype)
    rows: dict[int, list[int]] = {}
    for batch in BATCHES:
        if batch <= SMALL:
            rows[batch] = list(range(batch))
        else:
            drawn = data.draw(
                st.sets(st.integers(1, batch - 2), min_size=DRAWN_ROWS, max_size=DRAWN_ROWS),
                label=f"rows of {batch}",
            )
            rows[batch] = [0, *sorted(drawn), batch - 1]

    def batched(net, x, state):
        out = {}
        with torch.no_grad():
            for batch, picked in rows.items():
                result = kind.call(net, x[:batch], state[:batch])
                out[str(batch)] = map_structure(lambda t, picked=picked: t[picked], result)
        return out

    singles = {}
    with torch.no_grad():
        for batch, picked in rows.items():
            calls = [kind.call(net, x[b], state[b]) for b in picked]
            singles[str(batch)] = map_structure(lambda *ys: torch.stack(ys), *calls)
    expected = expect(batched, (net, x, state), dtype)
    assert_expected(singles, expected, f"{subject.name} rows {rows}: unbatched calls vs batches")
