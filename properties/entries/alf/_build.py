"""Build helpers shared by the ALF entry modules: plain-data config values (activation,
initializer and preprocessor *names*, twinnet specs) turned into the arguments an
implementation's constructor takes, with specs in the implementation's own classes."""

from __future__ import annotations

from typing import Any

import torch

from properties import strategies as S
from properties.candidate import Impl
from properties.specs import alf_specs
from reference.specs import TensorSpec, map_structure

SPEC_KEYS = (
    "input_tensor_spec",
    "output_tensor_spec",
    "action_spec",
    "conditional_input_tensor_spec",
)


def preprocessor(impl: Impl, name: str | None, spec: TensorSpec) -> Any:
    """``None``, ``'embed:<dim>'`` (an EmbeddingPreprocessor) or ``'fc:<size>'`` (a tanh FC)."""
    if name is None:
        return None
    kind, size = name.split(":")
    if kind == "embed":
        return impl.alf.EmbeddingPreprocessor(alf_specs(impl, spec), int(size))
    return impl.alf.FC(spec.shape[0], int(size), torch.tanh)


def alf_kwargs(impl: Impl, cfg: dict, drop: tuple[str, ...] = ("n",)) -> dict:
    """Constructor keyword arguments for ``cfg``: names resolved, specs converted."""
    kw = {k: v for k, v in cfg.items() if k not in drop}
    for key in ("activation", "last_activation"):
        if key in kw:
            kw[key] = S.resolve_activation(kw[key])
    for key in ("kernel_initializer", "last_kernel_initializer"):
        if key in kw:
            kw[key] = S.resolve_initializer(kw[key])
    if "input_preprocessors" in kw:
        kw["input_preprocessors"] = map_structure(
            lambda name, spec: preprocessor(impl, name, spec),
            kw["input_preprocessors"],
            kw["input_tensor_spec"],
        )
    if kw.get("preprocessing_combiner") == "concat":
        kw["preprocessing_combiner"] = impl.alf.NestConcat()
    for key in SPEC_KEYS:
        if key in kw and kw[key] is not None:
            kw[key] = alf_specs(impl, kw[key])
    return kw
