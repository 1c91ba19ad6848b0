"""Catalog entries of ``alf.networks.relu_mlp``: ReluMLP and its SimpleFC layer.

``ReluMLP`` is an ALF network with closed-form Jacobians (the ``jacobian`` property checks
them against autograd). ``SimpleFC`` is an ``nn.Linear`` called as ``layer(x)``; its
observation includes the pre-activation it records (``hidden_neurons``, in the spec).

Benchmark cases time a Jacobian method (``cfg['op']``: ``jac`` or ``jac_diag``) rather than
the forward pass; peers: ``vmap_jacrev`` (``torch.func.vmap(jacrev(f))`` of the given
implementation's plain forward, its diagonal for ``jac_diag``) and ``jac_then_diag`` (the
given implementation's ``compute_jac`` followed by ``torch.diagonal``; ``jac_diag`` cases
only).
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import relu_mlp as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entry import BadConfig, Entry
from properties.kinds.function import Function
from properties.kinds.jacobian import JacobianNetwork
from properties.specs import alf_specs
from reference.specs import TensorSpec

NO_PARALLEL = "the spec gives ReluMLP no parallel form of its own"

# --------------------------------------------------------------------------------------
# ReluMLP
# --------------------------------------------------------------------------------------


@st.composite
def relu_mlp_configs(draw: Any) -> dict:
    """Input 1..8; output None (= input), the input size, or 1..8, so that about two
    examples in three are square (``compute_jac_diag`` and transposition bugs need them);
    0..3 hidden layers of 1..12 units."""
    d = draw(st.integers(1, 8))
    output = draw(st.one_of(st.none(), st.just(d), st.integers(1, 8)))
    hidden = draw(st.lists(st.integers(1, 12), min_size=0, max_size=3).map(tuple))
    return {"input_tensor_spec": TensorSpec((d,)), "output_size": output, "hidden_layers": hidden}


def build_relu_mlp(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ReluMLP(
        alf_specs(impl, cfg["input_tensor_spec"]), cfg["output_size"], cfg["hidden_layers"]
    )


def relu_mlp_output_size(cfg: dict) -> int:
    """The spec's default output size is the input's."""
    size = cfg["output_size"]
    return cfg["input_tensor_spec"].shape[0] if size is None else size


def relu_mlp_first_bias(cfg: dict) -> str:
    """Upstream's state_dict key of the first layer's bias (``_fc_layers``, SimpleFCs)."""
    return "_fc_layers.0.bias"


def _relu_mlp(impl: Impl, spec: TensorSpec, *args: Any) -> Any:
    return impl.alf.ReluMLP(alf_specs(impl, spec), *args)


_RELU_MLP_BAD = (
    BadConfig(
        "2-D input spec", lambda impl: _relu_mlp(impl, TensorSpec((2, 3))), ValueError, "1-D"
    ),
    BadConfig(
        "output_size 0",
        lambda impl: _relu_mlp(impl, TensorSpec((3,)), 0),
        ValueError,
        "output_size",
    ),
    BadConfig(
        "a hidden layer of 0 units",
        lambda impl: _relu_mlp(impl, TensorSpec((3,)), 2, (4, 0)),
        ValueError,
        "hidden_layers",
    ),
    BadConfig(
        "hidden_layers as an int",
        lambda impl: _relu_mlp(impl, TensorSpec((3,)), 2, 4),
        TypeError,
        "hidden_layers",
    ),
    BadConfig(
        "integer input spec",
        lambda impl: _relu_mlp(impl, TensorSpec((3,), torch.int64)),
        TypeError,
        "floating",
    ),
)

# --------------------------------------------------------------------------------------
# SimpleFC
# --------------------------------------------------------------------------------------


@st.composite
def simple_fc_configs(draw: Any) -> dict:
    return {
        "input_size": draw(st.integers(1, 8)),
        "output_size": draw(st.integers(1, 8)),
        "activation": draw(S.activations()),
    }


def build_simple_fc(impl: Impl, cfg: dict) -> Any:
    return impl.alf.SimpleFC(
        cfg["input_size"], cfg["output_size"], S.resolve_activation(cfg["activation"])
    )


_SIMPLE_FC_BAD = (
    BadConfig("input_size 0", lambda impl: impl.alf.SimpleFC(0, 3), ValueError, "input_size"),
    BadConfig("output_size -1", lambda impl: impl.alf.SimpleFC(2, -1), ValueError, "output_size"),
)


#: Configs whose initializers depend on the fan-in of every layer (``nn.Linear``'s default):
#: the init property checks them in every profile.
RELU_MLP_FAN_IN = {"input_tensor_spec": TensorSpec((7,)), "output_size": 3, "hidden_layers": (9, 5)}
SIMPLE_FC_FAN_IN = {"input_size": 7, "output_size": 9, "activation": "relu"}


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.ReluMLP",
            JacobianNetwork(
                output_size=relu_mlp_output_size,
                hidden=lambda cfg: tuple(cfg["hidden_layers"]),
                first_bias=relu_mlp_first_bias,
            ),
            relu_mlp_configs,
            build_relu_mlp,
            left_out={"parallel": NO_PARALLEL},
            bad_configs=_RELU_MLP_BAD,
            examples=(RELU_MLP_FAN_IN,),
            bench=cases.relu_mlp_bench(build_relu_mlp),
            config_ranges={"output_size": "positive"},
        ),
        Entry(
            "alf.SimpleFC",
            Function(
                spec=lambda cfg: TensorSpec((cfg["input_size"],)),
                out_spec=lambda cfg: TensorSpec((cfg["output_size"],)),
                checks_inputs=True,
                parameters=True,
                recorded=("hidden_neurons",),
            ),
            simple_fc_configs,
            build_simple_fc,
            left_out={"output_range": "a layer: the spec gives it no range"},
            bad_configs=_SIMPLE_FC_BAD,
            examples=(SIMPLE_FC_FAN_IN,),
        ),
    ]
