"""The candidate protocol asks nothing twinnet-specific: ``tests.candidates.foreign`` (its
own spec classes, no twinnet imports, an fc-only EncodingNetwork that declines the rest)
passes the property suite, its declined configs counted as *unsupported*, the names it
lacks reported as *not provided*.

The suite runs as ``twinnet verify --profile ci --json FILE`` in a subprocess; the test
reads the conformance matrix from the JSON file.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from properties.candidate import Impl
from properties.entries.alf.encoding import build_encoding
from properties.specs import alf_specs
from reference.specs import BoundedTensorSpec, TensorSpec
from twinnet.matrix import FAIL, NOT_PROVIDED_CELL, PASS, UNSUPPORTED

ROOT = Path(__file__).resolve().parent.parent
CANDIDATE = "tests.candidates.foreign"
PROVIDED = ("alf.EncodingNetwork", "alf.SimpleActionEncoder")
LACKING = "alf.ImageEncodingNetwork"
TWINNET_PACKAGES = {"reference", "optimized", "properties", "twinnet", "benchmarks"}


def test_candidate_imports_nothing_of_twinnet() -> None:
    code = (
        f"import sys, {CANDIDATE}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('tests')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    roots, own = (ast.literal_eval(line) for line in proc.stdout.splitlines())
    assert not TWINNET_PACKAGES & set(roots), roots
    assert all(m in ("tests", "tests.candidates") or m.startswith(CANDIDATE) for m in own), own


def test_candidate_gets_its_own_spec_objects() -> None:
    impl = Impl(CANDIDATE)
    foreign = impl.module.alf
    assert not issubclass(foreign.TensorSpec, TensorSpec)
    assert not issubclass(foreign.BoundedTensorSpec, TensorSpec)
    spec, bounded = TensorSpec((3,)), BoundedTensorSpec((2,), torch.int64, 0, 4)
    mine, mine_bounded = alf_specs(impl, (spec, bounded))
    assert type(mine) is foreign.TensorSpec and type(mine_bounded) is foreign.BoundedTensorSpec
    assert mine != spec and not hasattr(mine, "sample")
    net = build_encoding(impl, {"input_tensor_spec": spec, "fc_layer_params": (4,)})
    assert type(net.input_tensor_spec) is foreign.TensorSpec
    assert type(net.output_spec) is foreign.TensorSpec


def verify(tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict]:
    """Exit status and matrix cells (``(entry, property) -> cell``, as ``twinnet verify
    --json`` writes them) of the ci-profile suite on the foreign candidate."""
    out = tmp_path / "matrix.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "twinnet.cli",
            "verify",
            "--impl",
            CANDIDATE,
            "--entries",
            ",".join((*PROVIDED, LACKING)),
            "--profile",
            "ci",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    matrix = json.loads(out.read_text())
    return proc, {(c["entry"], c["property"]): c for c in matrix["cells"]}


def test_foreign_candidate_passes_with_unsupported_configs_counted(tmp_path: Path) -> None:
    proc, cells = verify(tmp_path)
    tail = proc.stdout[-3000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    failed = sorted(key for key, c in cells.items() if c["outcome"] == FAIL)
    assert not failed, f"FAIL cells {failed}\n{tail}"

    provided = {key: c for key, c in cells.items() if key[0] in PROVIDED}
    assert {e for e, _ in provided} == set(PROVIDED), sorted(cells)
    # a cell whose drawn examples were all declined reads "unsupported"; device needs CUDA
    not_passed = [
        key
        for key, c in provided.items()
        if c["outcome"] not in (PASS, UNSUPPORTED) and key[1] != "device"
    ]
    assert not not_passed, not_passed
    declined = {key: c for key, c in provided.items() if c["unsupported"]}
    assert any(
        "conv_layer_params" in why for c in declined.values() for why in c["unsupported_why"]
    ), "no EncodingNetwork cell counted its declined conv configs as unsupported"
    assert all(key[0] == "alf.EncodingNetwork" for key in declined), sorted(declined)
    checked = {e for (e, _), c in provided.items() if c["examples"] > c["unsupported"]}
    assert checked == set(PROVIDED), "some provided name had no supported example"

    lacking = [c["outcome"] for key, c in cells.items() if key[0] == LACKING]
    assert lacking and set(lacking) == {NOT_PROVIDED_CELL}, lacking
