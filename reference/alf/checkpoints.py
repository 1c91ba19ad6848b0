"""Loading checkpoints that ALF saved with its own ``state_dict``.

Once ``alf.algorithms`` is imported, ALF's ``nn.Module.state_dict`` visits every module and
every tensor once, depth first in registration order: a submodule or parameter reached by
several paths (a shared encoder, a head also held by a composition) is saved under the
first path only. torch's ``state_dict`` lists every path. A network loads both forms: the
paths such a checkpoint leaves out are filled from the path it kept, as ALF's own
``load_state_dict`` does by visiting each module once.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from torch import nn


def tensor_paths(module: nn.Module, prefix: str = "") -> dict[int, list[str]]:
    """The state_dict keys of every persistent tensor of ``module``, grouped by tensor (the
    keys of one group are paths to one shared tensor), in torch's order."""
    groups: dict[int, list[str]] = {}
    tensors = itertools.chain(
        module.named_parameters(remove_duplicate=False),
        (
            (name, buffer)
            for name, buffer in module.named_buffers(remove_duplicate=False)
            if _persistent(module, name)
        ),
    )
    for name, tensor in tensors:
        groups.setdefault(id(tensor), []).append(prefix + name)
    return groups


def _persistent(module: nn.Module, name: str) -> bool:
    owner_path, _, leaf = name.rpartition(".")
    owner = module.get_submodule(owner_path) if owner_path else module
    return leaf not in owner._non_persistent_buffers_set


def fill_shared_paths(
    module: nn.Module, state_dict: dict[str, torch.Tensor], prefix: str, *_: Any
) -> None:
    """A ``load_state_dict`` pre-hook: where ``state_dict`` holds one path of a shared
    tensor and lacks the others (an ALF-saved checkpoint), add the others, same value."""
    for paths in tensor_paths(module, prefix).values():
        saved = [p for p in paths if p in state_dict]
        if saved and len(saved) < len(paths):
            for path in paths:
                state_dict.setdefault(path, state_dict[saved[0]])
