"""The independent statement of RealNVP's coupling masks, from the spec's mask modes rather
than from either implementation: which coordinates each coupling layer keeps (the flow
properties check the Jacobian's structure against it)."""

from __future__ import annotations

from properties.kinds.flow import Kept


def even_layer_kept(mode: str, d: int, sub_dim: int) -> tuple[bool, ...] | None:
    """The coordinates an even layer keeps, by the spec's mask modes: the first
    ``sub_dim`` (contiguous), every ``D // sub_dim``-th from 0 (distributed), or a random
    ``sub_dim`` of them (None)."""
    if mode == "contiguous":
        return tuple(i < sub_dim for i in range(d))
    if mode == "distributed":
        step = d // sub_dim if sub_dim else 0
        return tuple(bool(sub_dim) and i % step == 0 and i < step * sub_dim for i in range(d))
    return None


def realnvp_kept(cfg: dict) -> list[Kept]:
    """What each coupling layer keeps: even layers ``sub_dim`` coordinates (half of D by
    default) placed as the mask mode says, a fresh random draw per pair of layers in
    ``random`` mode; odd layers exactly the coordinates the layer before them changes."""
    d = cfg["input_tensor_spec"].numel
    sub_dim = d // 2 if cfg.get("sub_dim") is None else cfg["sub_dim"]
    even = even_layer_kept(cfg.get("mask_mode", "contiguous"), d, sub_dim)
    odd = None if even is None else tuple(not b for b in even)
    return [
        Kept(odd, d - sub_dim, True) if layer % 2 else Kept(even, sub_dim)
        for layer in range(cfg.get("num_layers", 2))
    ]
