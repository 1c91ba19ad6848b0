"""Independent statements of Pyrado's hidden-state packing: the reshapes in numpy, and
Pyrado's own packing tests as worked cases, for the ``oracle`` law their entries declare."""

from __future__ import annotations

import numpy as np
import torch

from properties.candidate import Impl


def pyrado_packing_cases(impl: Impl) -> None:
    """Pyrado's own packing tests (``test_hidden_state_packing_batch`` / ``_nobatch``): two
    layers of two units; batched ``[[1, 2, 3, 4], [5, 6, 7, 8]]`` is layer 1 ``[[1, 2], [5,
    6]]`` and layer 2 ``[[3, 4], [7, 8]]``; unbatched ``[1, 2, 3, 4]`` is ``[[[1, 2]],
    [[3, 4]]]``. Both directions."""
    pack, unpack = impl.pyrado.default_pack_hidden, impl.pyrado.default_unpack_hidden
    cases = [
        (
            torch.tensor([[[1.0, 2.0], [5.0, 6.0]], [[3.0, 4.0], [7.0, 8.0]]]),
            torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]),
            2,
        ),
        (torch.tensor([[[1.0, 2.0]], [[3.0, 4.0]]]), torch.tensor([1.0, 2.0, 3.0, 4.0]), None),
    ]
    for unpacked, packed, batch in cases:
        got = unpack(packed, 2, 2, batch)
        assert torch.equal(got, unpacked), f"unpack {packed.tolist()}: {got.tolist()}"
        got = pack(unpacked, 2, 2, batch)
        assert torch.equal(got, packed), f"pack {unpacked.tolist()}: {got.tolist()}"


def pack_oracle(cfg: dict, x: np.ndarray) -> np.ndarray:
    return x.reshape(x.shape[0], cfg["layers"] * cfg["hidden"])


def unpack_oracle(cfg: dict, x: np.ndarray) -> np.ndarray:
    return x.reshape(x.shape[0], cfg["layers"], cfg["hidden"])
