#!/usr/bin/env bash
# Build an environment in which upstream Pyrado's recurrent policies import, for
# `twinnet verify --impl twinnet.upstream.pyrado` and tests/upstream/.
#
#   tools/upstream_pyrado_env.sh PYRADO_GIT_DIR [DEST] [BASE_VENV]
#
# PYRADO_GIT_DIR: a git directory holding fdamken/SimuRLacra @7c48d66. DEST (default
# /tmp/twinnet-upstream-pyrado) receives src/Pyrado (Pyrado's __init__, policies/, spaces/,
# utils/ and the four sampling/ modules a StepSequence needs; Python files only: snapshots
# may lack large binary blobs), stubs/ and venv/. Pyrado imports `pyrado.tasks`,
# `pyrado.plotting` and `pandas` only for type hints: empty stand-ins take their place.
# BASE_VENV: an existing venv with torch, numpy, scipy, colorama and twinnet's own
# dependencies (e.g. twinnet's development venv); the new venv sees its packages through a
# .pth file and adds only `tabulate joblib`. Without it, torch 2.13 CPU and the rest are
# installed. Then:
#
#   . DEST/env.sh && python -m twinnet.cli verify --impl twinnet.upstream.pyrado \
#       --xfails twinnet/upstream/xfails/pyrado-7c48d66.txt
set -euo pipefail
GIT=$1
DEST=${2:-/tmp/twinnet-upstream-pyrado}
BASE=${3:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC="$DEST/src"
mkdir -p "$SRC" "$DEST/stubs/pandas"
git -C "$GIT" ls-tree -r --name-only 7c48d66 Pyrado/pyrado/__init__.py Pyrado/pyrado/policies \
    Pyrado/pyrado/spaces Pyrado/pyrado/utils Pyrado/pyrado/sampling/__init__.py \
    Pyrado/pyrado/sampling/step_sequence.py Pyrado/pyrado/sampling/data_format.py \
    Pyrado/pyrado/sampling/utils.py | grep -E '\.py$' \
    | xargs git -C "$GIT" archive 7c48d66 | tar -x -C "$SRC"
PKG="$SRC/Pyrado/pyrado"
mkdir -p "$PKG/plotting" "$PKG/tasks"
echo '"""Stand-in: imported for plotting styles only."""' > "$PKG/plotting/__init__.py"
echo '"""Stand-in: imported for type hints only."""' > "$PKG/tasks/__init__.py"
cat > "$PKG/tasks/base.py" <<'PY'
"""Stand-in: StepSequence names Task in a type hint only."""


class Task:
    pass
PY
cat > "$DEST/stubs/pandas/__init__.py" <<'PY'
"""Stand-in: StepSequence names pd.DataFrame in a type hint only."""


class DataFrame:
    pass
PY

if [ -n "$BASE" ]; then
    "$BASE/bin/python" -m venv "$DEST/venv"
    SITE=$("$DEST/venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')
    "$BASE/bin/python" -c 'import site; print(site.getsitepackages()[0])' > "$SITE/_base_venv.pth"
    "$DEST/venv/bin/pip" install -q tabulate joblib
else
    python3 -m venv "$DEST/venv"
    PIP="$DEST/venv/bin/pip"
    "$PIP" install -q torch==2.13.0 numpy scipy colorama tabulate joblib
    "$PIP" install -q -e "$ROOT" "$(grep ^hypothesis== "$ROOT/constraints.txt")"
fi
cat > "$DEST/env.sh" <<SH
. "$DEST/venv/bin/activate"
export PYTHONPATH="$SRC/Pyrado:$DEST/stubs\${PYTHONPATH:+:\$PYTHONPATH}"
SH
echo "built $DEST; use: . $DEST/env.sh"
