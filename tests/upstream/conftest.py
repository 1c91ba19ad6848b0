"""tests/upstream runs only where upstream ALF / AMAGO / Pyrado import (``tools/upstream_env.sh``
and ``tools/upstream_pyrado_env.sh`` build such environments); elsewhere every test here is
skipped."""
