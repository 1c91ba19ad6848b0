"""tests/upstream runs only where upstream ALF / AMAGO import (``tools/upstream_env.sh``
builds such an environment); elsewhere every test here is skipped."""
