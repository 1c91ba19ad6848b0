"""The suite must be able to fail: ``twinnet verify`` reports every planted defect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# candidate module -> (entry, property) cells that must read FAIL
EXPECTED = {
    "swapped_replicas": [
        ("alf.EncodingNetwork", "parallel"),
        ("alf.ParallelEncodingNetwork", "parity"),
    ],
    "dropped_bias": [("alf.EncodingNetwork", "parity"), ("alf.EncodingNetwork", "grad_parity")],
    "changed_activation": [("alf.EncodingNetwork", "grad_parity")],
    "relative_error": [("alf.EncodingNetwork", "parity")],
    "wrong_fan_in": [("alf.ParallelEncodingNetwork", "init")],
    "wide_sampler": [("alf.NormalProjectionNetwork", "dist_sampling")],
    "missing_tanh_logdet": [
        ("alf.NormalProjectionNetwork", "dist_logprob"),
        ("alf.NormalProjectionNetwork", "parity"),
    ],
    "relu_mask_at_zero": [("alf.ReluMLP", "jacobian")],
    "transposed_jacobian": [("alf.ReluMLP", "jacobian")],
    "realnvp_unmasked_logdet": [
        ("alf.RealNVPNetwork", "flow_logdet"),
        ("alf.RealNVPNetwork", "parity"),
        ("alf.LatentActorDistributionNetwork", "dist_logprob"),
    ],
    "realnvp_inverse_times_scale": [
        ("alf.RealNVPNetwork", "flow_inverse"),
        ("alf.LatentActorDistributionNetwork", "dist_logprob"),
    ],
    "stale_logdet_cache": [("alf.RealNVPNetwork", "flow_logdet")],
}


def verify(impl: str, entries: str, tmp_path: Path) -> tuple[int, dict]:
    out = tmp_path / f"{impl}.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.cli",
            "verify",
            "--impl",
            impl,
            "--entries",
            entries,
            "--profile",
            "ci",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.returncode, json.loads(out.read_text())


@pytest.mark.parametrize("module", sorted(EXPECTED))
def test_broken_candidate_is_reported(module: str, tmp_path: Path) -> None:
    entries = ",".join(sorted({e for e, _ in EXPECTED[module]}))
    code, matrix = verify(f"tests.broken.{module}", entries, tmp_path)
    assert code == 1, f"verify exit code {code} for a broken candidate"
    for entry, prop in EXPECTED[module]:
        assert matrix["entries"][entry][prop] == "FAIL", (module, entry, prop, matrix["entries"])


def test_candidate_missing_names_is_not_provided(tmp_path: Path) -> None:
    """A candidate module without the names: every cell is 'n/p', and verify passes."""
    code, matrix = verify("tests.broken", "alf.SimpleActionEncoder", tmp_path)
    cells = matrix["entries"]["alf.SimpleActionEncoder"]
    assert set(cells.values()) == {"n/p"}, cells
    assert code == 0
