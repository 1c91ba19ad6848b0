"""The AMAGO properties must be able to fail: ``twinnet verify`` reports every planted
defect of the ``amago`` family on the cells that pin it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_broken_candidates import verify

# candidate module -> (entry, property) cells that must read FAIL
EXPECTED = {
    "amago_no_tanh_logdet": [
        ("amago.TanhGaussian", "dist_logprob"),
        ("amago.TanhGaussian", "parity"),
    ],
    "amago_detached_rsample": [("amago.TanhGaussian", "actions_differentiable")],
    "amago_aug_in_eval": [
        ("amago.CNNTstepEncoder", "augmentation"),
        ("amago.CNNTstepEncoder", "parity"),
    ],
    "amago_ema_input_norm": [("amago.FFTstepEncoder", "input_norm")],
    "amago_unclipped_softplus": [("amago.softplus_bounded_positive", "output_range")],
}


@pytest.mark.parametrize("module", sorted(EXPECTED))
def test_broken_amago_candidate_is_reported(module: str, tmp_path: Path) -> None:
    entries = ",".join(sorted({e for e, _ in EXPECTED[module]}))
    code, matrix = verify(f"tests.broken.{module}", entries, tmp_path)
    assert code == 1, f"verify exit code {code} for a broken candidate"
    for entry, prop in EXPECTED[module]:
        assert matrix["entries"][entry][prop] == "FAIL", (module, entry, prop, matrix["entries"])
