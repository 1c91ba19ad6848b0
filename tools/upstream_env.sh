#!/usr/bin/env bash
# Build an environment in which upstream ALF and AMAGO import, for
# `twinnet verify --impl twinnet.upstream.alf|amago` and tests/upstream/.
#
#   tools/upstream_env.sh ALF_GIT_DIR AMAGO_GIT_DIR [DEST]
#
# ALF_GIT_DIR / AMAGO_GIT_DIR: git directories holding HorizonRobotics/alf @23aca49 and
# UT-Austin-RPL/amago @2d85600. DEST (default /tmp/twinnet-upstream) receives src/ (the
# two source trees, Python files only: snapshots may lack large binary blobs) and venv/
# (torch 2.13 CPU, numpy<2 for ALF, plain gin-config, the packages both import, twinnet
# itself in editable mode, and stand-ins for accelerate, wandb and ALF's compiled
# _penv, none of which the networks use). Then:
#
#   . DEST/env.sh && twinnet verify --impl twinnet.upstream.alf --xfails \
#       twinnet/upstream/xfails/alf-23aca49.txt
set -euo pipefail
ALF_GIT=$1
AMAGO_GIT=$2
DEST=${3:-/tmp/twinnet-upstream}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$DEST/src/alf" "$DEST/src/amago"

export_py() {  # git_dir commit folder dest
    git -C "$1" ls-tree -r --name-only "$2" "$3" | grep -E '\.py$' | grep -v '/examples/' \
        | xargs git -C "$1" archive "$2" | tar -x -C "$4"
}
export_py "$ALF_GIT" 23aca49 alf "$DEST/src/alf"
export_py "$AMAGO_GIT" 2d85600 amago "$DEST/src/amago"
touch "$DEST/src/alf/alf/environments/_penv.py"

python3 -m venv "$DEST/venv"
PIP="$DEST/venv/bin/pip"
"$PIP" install -q torch==2.13.0 "numpy<2" gin-config absl-py cnest fasteners psutil six \
    tensorboard gym==0.26.2 gym-notices "opencv-python-headless<4.11" einops termcolor tqdm
# constraints.txt pins numpy 2: take its hypothesis pin only (the ci profile's examples)
"$PIP" install -q -e "$ROOT" "numpy<2" "$(grep ^hypothesis== "$ROOT/constraints.txt")"
SITE=$("$DEST/venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')
mkdir -p "$SITE/accelerate" "$SITE/wandb"
cat > "$SITE/accelerate/__init__.py" <<'PY'
"""Stand-in: AMAGO's networks import these names but never use them."""


class Accelerator:
    def __init__(self, *args, **kwargs):
        pass


class DistributedDataParallelKwargs:
    def __init__(self, *args, **kwargs):
        pass
PY
cat > "$SITE/accelerate/utils.py" <<'PY'
"""Stand-in: AMAGO's networks import these names but never use them."""
from tqdm import tqdm  # noqa: F401


def gather_object(obj):
    return obj
PY
echo '"""Stand-in: AMAGO imports wandb for logging only."""' > "$SITE/wandb/__init__.py"
cat > "$DEST/env.sh" <<SH
. "$DEST/venv/bin/activate"
export PYTHONPATH="$DEST/src/alf:$DEST/src/amago\${PYTHONPATH:+:\$PYTHONPATH}"
export ALF_USE_GIN=0 TORCHDYNAMO_DISABLE=1
SH
echo "built $DEST; use: . $DEST/env.sh"
