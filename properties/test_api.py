"""api: a built object of the candidate has every public method and property the spec
document gives its class and the class's documented bases (``Network.state_spec``,
``output_spec``, ``make_parallel``...), from ``properties/spec/inventory.json``.

One cell says what is missing, all of it, once: the other properties then run where they
can do without it (a stateless network's state is ``()`` when it has no ``state_spec``),
instead of each failing on the same ``AttributeError``. Whether the methods take the
documented parameters is ``signature``'s concern; what they compute, the others'.
"""

from __future__ import annotations

import inspect

import pytest

from properties.harness import Subject, Unsupported, spec_property
from properties.inventory import documented, documented_api


def missing_api(name: str, obj: object) -> list[str]:
    """The documented attributes of ``name`` that ``obj`` (an instance, or the class
    itself where it is abstract) lacks, each with where the spec documents it. What its
    class defines is present, even a property that cannot be read in this state (upstream's
    memory ``states`` before ``build``); else only an ``AttributeError`` means missing."""
    owner = obj if inspect.isclass(obj) else type(obj)
    missing = []
    for attribute, where in documented_api(name).items():
        if hasattr(owner, attribute):  # a method or property of the class (readable or not)
            continue
        try:
            getattr(obj, attribute)
        except AttributeError:
            missing.append(f"{attribute} (documented on {where})")
        except Exception:
            pass
    return missing


@spec_property
def test_api(subject: Subject, data) -> None:
    try:
        doc = documented(subject.name)
    except KeyError:
        pytest.skip(f"{subject.name} is not an inventory name: no spec documents its API")
    if doc.get("kind") != "class":
        pytest.skip(f"{subject.name} is a function: its API is its signature")
    cls = subject.candidate.get(subject.name)
    if inspect.isclass(cls) and inspect.isabstract(cls):
        missing = missing_api(subject.name, cls)  # an abstract base: its class has them
    else:
        case = subject.draw(data)
        obj = subject.build(subject.candidate, case.cfg, seed=case.seed)
        if inspect.isclass(cls) and not isinstance(obj, cls):
            raise Unsupported(f"the entry's build returns a {type(obj).__name__}, not a {cls}")
        missing = missing_api(subject.name, obj)
    assert not missing, f"{subject.name} lacks what the spec documents: " + ", ".join(missing)
