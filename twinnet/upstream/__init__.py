"""Upstream libraries as twinnet candidates: thin adapters that only map names.

* ``twinnet.upstream.alf``: HorizonRobotics/alf (``twinnet verify --impl twinnet.upstream.alf``);
* ``twinnet.upstream.amago``: UT-Austin-RPL/amago (``--impl twinnet.upstream.amago``);
* ``twinnet.upstream.pyrado``: Pyrado of fdamken/SimuRLacra (``--impl twinnet.upstream.pyrado``).

Each module imports only when its upstream package does (an ``ImportError`` otherwise),
exposes the inventory names under ``alf`` / ``amago`` / ``pyrado`` exactly as upstream
defines them (no wrapping, no fixes), and comes with a known-differences file per upstream
commit beside it (``xfails/<library>-<commit>.txt``, for ``twinnet verify --xfails``) whose
every line says what upstream does and how it was seen. ``tools/upstream_env.sh`` builds an
environment in which ALF and AMAGO import, ``tools/upstream_pyrado_env.sh`` one for Pyrado.
"""

from pathlib import Path

#: The folder of the known-differences files (``<library>-<commit>.txt``).
XFAILS = Path(__file__).resolve().parent / "xfails"
