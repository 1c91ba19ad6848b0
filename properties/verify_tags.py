"""pytest plugin (``-p properties.verify_tags``): tag each property test with its cell.

A property test is a function ``test_<property>`` parametrized with ``entry``; its
(entry, property) pair goes into ``item.user_properties``, which every report carries,
also from pytest-xdist workers back to the controller.
"""

from __future__ import annotations

import pytest

from properties.entry import property_of

ENTRY_KEY = "twinnet_entry"
PROPERTY_KEY = "twinnet_property"


def pytest_itemcollected(item: pytest.Item) -> None:
    callspec = getattr(item, "callspec", None)
    entry = callspec.params.get("entry") if callspec is not None else None
    prop = property_of(getattr(item, "originalname", item.name))
    if not isinstance(entry, str) or prop is None:
        return  # not a property test, or an empty parametrization
    item.user_properties.append((ENTRY_KEY, entry))
    item.user_properties.append((PROPERTY_KEY, prop))
