"""The inventory of spec names, shipped with the project (``properties/spec/``).

``inventory.json`` holds, for every public name of the spec documents, its family, source
document and traits. The facts come from ``../shared/spec``; the project never reads that
folder at run time (``tools/extract_signatures.py`` regenerates the data).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SPEC_DIR = Path(__file__).resolve().parent / "spec"

#: Bases the documents name but do not describe, and the documented class each one is.
#: ALF's image encoders and decoders, EncodingNetwork and LSTMEncodingNetwork have "Bases:
#: alf.networks.containers._Sequential": the class that the documented ``alf.Sequential``
#: builds ("Network composed of a sequence of ..."). The documents do not give its bases;
#: upstream's ``_Sequential`` derives from ``Network`` (DESIGN: where the spec is silent,
#: upstream's behaviour decides), so those classes have Network's documented methods too.
UNDOCUMENTED_BASES = {"alf.networks.containers._Sequential": "alf.Network"}


@cache
def inventory() -> dict[str, dict[str, Any]]:
    return json.loads((SPEC_DIR / "inventory.json").read_text())


def family_of(name: str) -> str:
    """The inventory family of ``name`` (its library prefix for names outside it)."""
    found = inventory().get(name)
    return found["family"] if found else name.partition(".")[0]


def documented(name: str) -> dict[str, Any]:
    """What the spec document states about ``name`` (``KeyError`` outside the inventory):
    ``kind`` (``class`` / ``function``), ``parameters``, and for a class ``bases`` and
    ``methods`` (see ``tools/extract_signatures.py`` for the format)."""
    return inventory()[name]


def documented_base(name: str, base: str) -> str | None:
    """The inventory class that ``base``, as ``name``'s document writes it
    (``alf.networks.network.Network``, ``PolicyOutput``), refers to; None for a base the
    documents do not describe (``torch.nn.modules.module.Module``, ``ABC``...)."""
    library = name.partition(".")[0]
    found = UNDOCUMENTED_BASES.get(base, f"{library}.{base.rpartition('.')[2]}")
    if found == name or inventory().get(found, {}).get("kind") != "class":
        return None
    return found


def documented_methods(name: str) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Every public method the spec documents for class ``name`` or for its documented
    bases: method -> (the inventory class documenting it, its parameters). A class's own
    entry wins over a base's, and an earlier base over a later one (Python's MRO for the
    documented part of the hierarchy)."""
    out: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for base in reversed(documented(name).get("bases", [])):
        found = documented_base(name, base)
        if found is not None:
            out.update(documented_methods(found))
    out.update({m: (name, params) for m, params in documented(name).get("methods", {}).items()})
    return out


def documented_api(name: str) -> dict[str, str]:
    """Every public method and property the spec documents for class ``name`` or for its
    documented bases: attribute -> the inventory class documenting it."""
    out: dict[str, str] = {}
    for base in reversed(documented(name).get("bases", [])):
        found = documented_base(name, base)
        if found is not None:
            out.update(documented_api(found))
    own = documented(name)
    out.update({a: name for a in own.get("attributes", [])})
    out.update({m: name for m in own.get("methods", {})})
    return out
