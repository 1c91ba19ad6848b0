"""The record kind: a named tuple of the spec (``PPGRolloutInfo``, ``PPGAuxOptions``...).

A record computes nothing: what the spec documents of it is its fields, their order and
defaults (and its documented methods), which ``signature`` checks. The spec's pages of
ALF's namedtuples are generated from the type and list the fields without the defaults
that ALF's ``namedtuple(..., default_value=..., default_values=...)`` gives every field:
an entry gives upstream's defaults (``defaults``) with where they are (``evidence``), and
``signature`` holds the candidate to them; what its methods do is
checked by the properties of the losses and algorithms that use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from properties.kinds.base import Kind

_NO_COMPUTATION = "a record computes nothing"


@dataclass(frozen=True)
class Record(Kind):
    """A named tuple of the spec (module doc)."""

    #: Upstream's field defaults the spec's page leaves out, and where upstream sets them.
    defaults: Mapping[str, Any] = field(default_factory=dict)
    evidence: str = ""

    title: ClassVar[str] = "record"
    supports: ClassVar[frozenset[str]] = frozenset({"signature"})
    not_applicable: ClassVar[dict[str, str]] = {
        "shape": "a record has fields, not outputs",
        "api": "a record's fields are its signature",
        "empty_batch": "a record has fields, not outputs",
        "parity": _NO_COMPUTATION,
        "grad_parity": _NO_COMPUTATION,
        "float64_exact": _NO_COMPUTATION,
        "reparam_grad": _NO_COMPUTATION,
        "batch_invariance": _NO_COMPUTATION,
        "parallel": _NO_COMPUTATION,
        "device": _NO_COMPUTATION,
        "state_dict": "a record has no parameters",
        "deepcopy": "a record holds plain data",
        "recurrent_steps": "a record has no state",
        "nan_isolation": "a record has no state",
        "flow_inverse": _NO_COMPUTATION,
        "flow_logdet": _NO_COMPUTATION,
        "jacobian": _NO_COMPUTATION,
        "dist_bounds": _NO_COMPUTATION,
        "extreme_inputs": _NO_COMPUTATION,
        "dist_logprob": _NO_COMPUTATION,
        "dist_sampling": _NO_COMPUTATION,
        "determinism": _NO_COMPUTATION,
        "init": "a record has no parameters",
        "bad_input": "a record takes any field values",
        "loss": "a record, not a loss",
    }

    def __post_init__(self) -> None:
        if self.defaults and not self.evidence:
            raise ValueError("Record: defaults taken from upstream need their evidence")

    def spec_defaults(self) -> Mapping[str, Any]:
        return self.defaults
