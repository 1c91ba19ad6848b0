"""Upstream's state_dict layouts, recorded: keys and shapes of upstream networks (ALF
@23aca49, AMAGO @2d85600) built from configs the catalog draws, in
``spec/upstream_layouts.json`` (written by ``tools/record_upstream_layouts.py`` where
upstream imports). The ``state_dict`` property checks the reference and the candidate
against them without upstream.

Where upstream's code and the spec place tensors differently, the entry names the key
prefixes left out on both sides (``Entry.upstream_lacks``; each is also a line of the
adapter's known-differences file in ``twinnet/upstream/xfails``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import torch

from reference.specs import BoundedTensorSpec, TensorSpec

PATH = Path(__file__).resolve().parent / "spec" / "upstream_layouts.json"
#: What a recorded config's ``repr`` may name.
NAMESPACE = {"TensorSpec": TensorSpec, "BoundedTensorSpec": BoundedTensorSpec, "torch": torch}


@dataclass(frozen=True)
class Layout:
    """One recorded config of an entry and upstream's ``{key: shape}`` for it."""

    entry: str
    config: dict
    shapes: dict[str, tuple[int, ...]]

    @staticmethod
    def compared(
        shapes: dict[str, tuple[int, ...]], lacks: tuple[str, ...] = ()
    ) -> dict[str, tuple[int, ...]]:
        """``shapes`` without the keys under the prefixes ``lacks``."""
        return {k: v for k, v in shapes.items() if not k.startswith(lacks)}

    def check(self, state: dict[str, torch.Tensor], who: str, lacks: tuple[str, ...] = ()) -> None:
        """``state``'s keys and shapes are upstream's, but for the tensors under the prefixes
        ``lacks`` (the entry's ``upstream_lacks``); AssertionError naming the difference."""
        got = self.compared({k: tuple(v.shape) for k, v in state.items()}, lacks)
        want = self.compared(self.shapes, lacks)
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        assert not missing and not extra, (
            f"{who}: state_dict keys differ from upstream's for {self.config}: "
            f"upstream's {missing} are missing, {extra} are extra"
        )
        for k in want:
            assert got[k] == want[k], (
                f"{who}: {k} has shape {list(got[k])}, upstream's is {list(want[k])}"
            )


def _config(text: str) -> dict[str, Any]:
    return eval(text, dict(NAMESPACE))  # recorded by our own tool from plain-data configs


@cache
def recorded() -> dict[str, tuple[Layout, ...]]:
    """Every recorded layout, by entry (none when the file is absent)."""
    if not PATH.is_file():
        return {}
    data = json.loads(PATH.read_text())
    return {
        name: tuple(
            Layout(
                name, _config(row["config"]), {k: tuple(v) for k, v in row["state_dict"].items()}
            )
            for row in rows
        )
        for name, rows in data["entries"].items()
    }


def commits() -> dict[str, str]:
    """The upstream commit each library's layouts were recorded from."""
    return json.loads(PATH.read_text())["commits"] if PATH.is_file() else {}
