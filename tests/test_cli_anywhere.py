"""``twinnet verify`` from a candidate's own folder: it leaves nothing behind there, and the
printed pytest line of a failure reruns from that folder too."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_verify_leaves_the_folder_clean_and_its_pytest_line_reruns_there(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    verify = [sys.executable, "-m", "twinnet.cli", "verify", "--impl", "tests.broken.dropped_bias"]
    verify += ["--entries", "alf.EncodingNetwork", "--properties", "parity", "--profile", "ci"]
    done = subprocess.run(
        [*verify, "--json", "m.json"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]
    cells = json.loads((tmp_path / "m.json").read_text())["cells"]
    line = next(f["reproduce"][1] for c in cells for f in c.get("failures", []))
    argv = shlex.split(line)
    assert argv[0] == "pytest"
    rerun = subprocess.run(
        [sys.executable, "-m", "pytest", *argv[1:]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    # 1: the test ran and failed (a usage error, 4, or nothing collected, 5, would not do)
    assert rerun.returncode == 1, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert "failed" in rerun.stdout.splitlines()[-1]
