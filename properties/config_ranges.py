"""The ranges a spec states for numeric and flag constructor arguments, and the values that
lie outside each: an entry names its config keys' ranges (``Entry.config_ranges``) and
``bad_input`` builds the entry with each bad value in turn, expecting a clear error at
construction or at the start of the first call (contract item 6)."""

from __future__ import annotations

import math

#: range name -> (what the spec states, values outside it). ``+-inf`` and NaN are outside
#: every numeric range but ``above_zero`` (``> 0`` with ``inf`` a defined limit: a time
#: constant or capacity of ``inf`` freezes the dynamics).
RANGES: dict[str, tuple[str, tuple[object, ...]]] = {
    "finite": ("a finite number", (math.nan, math.inf, -math.inf, "0.5")),
    "positive": ("a finite number > 0", (math.nan, math.inf, 0.0, -1.0)),
    "above_zero": ("a number > 0", (math.nan, 0.0, -1.0)),
    "nonnegative": ("a finite number >= 0", (math.nan, math.inf, -1e-3)),
    "unit": ("a number in [0, 1]", (math.nan, -0.5, 1.5, math.inf)),
    "flag": ("a bool", ("False", None)),
}


def bad_values(range_name: str) -> tuple[object, ...]:
    """The values outside range ``range_name`` (a key of :data:`RANGES`)."""
    return RANGES[range_name][1]
