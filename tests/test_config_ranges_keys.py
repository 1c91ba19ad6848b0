"""Every key an entry declares in ``Entry.config_ranges`` is a key of its drawn configs:
``bad_input`` only sets the ranged keys a drawn config has, so a range under a key the
configs renamed (Pyrado's ``layers`` for ``num_recurrent_layers``) would check nothing and
pass silently (issue 24)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from properties.catalog import CATALOG

RANGED = sorted(name for name, entry in CATALOG.items() if entry.config_ranges)


@pytest.mark.parametrize("name", RANGED)
def test_ranged_keys_are_config_keys(name: str) -> None:
    entry = CATALOG[name]
    seen: set[str] = set()

    @settings(
        max_examples=10,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(entry.configs())
    def collect(cfg: dict) -> None:
        seen.update(cfg)

    collect()
    missing = sorted(set(entry.config_ranges) - seen)
    assert not missing, f"{name}: config_ranges names keys its configs never draw: {missing}"
