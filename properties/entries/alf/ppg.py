"""Catalog entries of ``alf.algorithms.ppg`` (alf_ppg.txt): ``DisjointPolicyValueNetwork``,
``ppg_network_forward``, ``PPGAuxPhaseLoss``, ``PPGAuxAlgorithm`` and the four records.

The loss and the algorithm are checked through probes (of the kind ``properties.kinds.loss``):
small modules holding the candidate's objects and calling them through their public API
only, with twinnet's own ``TimeStep`` / ``Experience`` records (``reference.alf.ppg.data``)
as the experience the trainer would hand them. Their inputs, the independent model of the
loss and the laws only the algorithm has (``aux_replay``, ``aux_training``) are in
``properties/models/alf/ppg.py``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from benchmarks.cases.alf import ppg as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._ppg_builds import (
    AlgorithmProbe,
    AuxLossProbe,
    ForwardProbe,
    aux_options,
    build_network,
    continuous_spec,
    discrete_spec,
)
from properties.entry import BadConfig, Entry
from properties.kinds.loss import Loss
from properties.kinds.policy_value import PolicyValueNetwork
from properties.kinds.record import Record
from properties.models.alf import ppg as models
from properties.specs import alf_specs
from reference.specs import Nest, TensorSpec, flatten

NETWORK_ONLY = "checked by alf.DisjointPolicyValueNetwork's entry: this entry runs that network"

# -- the network ---------------------------------------------------------------------------


@st.composite
def action_specs(draw: Any) -> Nest:
    """A continuous or a discrete action, or a tuple / dict nest of one of each."""
    cont = continuous_spec(draw(S.sizes(1, 3)))
    disc = discrete_spec(draw(S.sizes(2, 4)))  # one category: a constant policy
    shape = draw(S.variants("action", ["continuous", "discrete", "tuple", "dict"]))
    return {"continuous": cont, "discrete": disc, "tuple": (cont, disc)}.get(
        shape, {"move": cont, "pick": disc}
    )


@st.composite
def network_configs(draw: Any) -> dict:
    return {
        "observation_spec": draw(S.vector_specs(1, 5)),
        "action_spec": draw(action_specs()),
        "fc_layer_params": draw(st.lists(S.sizes(1, 6), max_size=2).map(tuple)),
        "activation": draw(S.activations()),
        "is_sharing_encoder": draw(st.booleans()),
    }


NETWORK_BAD = (
    BadConfig(
        "is_sharing_encoder not a bool",
        lambda impl: impl.alf.DisjointPolicyValueNetwork(
            alf_specs(impl, TensorSpec((3,))),
            alf_specs(impl, continuous_spec(2)),
            is_sharing_encoder=1,
        ),
        TypeError,
        "is_sharing_encoder",
    ),
    BadConfig(
        "an encoder of image features",
        lambda impl: impl.alf.DisjointPolicyValueNetwork(
            alf_specs(impl, TensorSpec((2, 3, 3))), alf_specs(impl, continuous_spec(2))
        ),
        ValueError,
        "rank-1",
    ),
)

# -- ppg_network_forward -------------------------------------------------------------------


@st.composite
def forward_configs(draw: Any) -> dict:
    return {
        **draw(network_configs()),
        "epsilon_greedy": draw(st.sampled_from([None, 0.0])),
        "require_aux": draw(st.booleans()),
    }


def forward_extra(net: Any, step: Any, cfg: dict) -> dict:
    """Greedy actions (deterministic); for sampled ones, ``log_prob`` minus the sum of the
    leaves' log-probabilities of the returned action (zero)."""
    info = step.info
    if cfg["epsilon_greedy"] is not None:
        return {"action": step.output}
    pairs = zip(flatten(info.action_distribution), flatten(step.output), strict=True)
    total = sum(d.log_prob(a) for d, a in pairs)
    return {"log_prob_gap": info.log_prob - total}


# -- the loss ------------------------------------------------------------------------------


@st.composite
def loss_configs(draw: Any) -> dict:
    d = draw(st.one_of(st.none(), st.integers(1, 3)))
    if d is not None and draw(st.booleans()):
        gamma: Any = tuple(draw(st.floats(0.5, 1.0)) for _ in range(d))
    else:
        gamma = draw(st.floats(0.5, 1.0))
    kind = draw(S.variants("head", ["normal", "categorical"]))
    size = draw(st.integers(1, 4))
    return {
        "T": draw(st.integers(2, 7)),
        "D": d,
        "features": draw(st.integers(1, 4)),
        "policy": {"kind": kind, "d": size} if kind == "normal" else {"kind": kind, "k": size},
        "reward_weights": d is not None and draw(st.booleans()),
        "gamma": gamma,
        "td_lambda": draw(st.floats(0.0, 1.0)),
        "policy_kl_loss_weight": draw(st.floats(0.0, 2.0)),
    }


def _loss_bad(why: str, kwargs: dict, error: type, match: str) -> BadConfig:
    return BadConfig(why, lambda impl: impl.alf.PPGAuxPhaseLoss(**kwargs), error, match)


LOSS_BAD = (
    _loss_bad("gamma above 1", {"gamma": 1.5}, ValueError, "gamma"),
    _loss_bad("td_lambda above 1", {"td_lambda": 2.0}, ValueError, "td_lambda"),
    _loss_bad("gamma a string", {"gamma": "0.9"}, TypeError, "gamma"),
)

# -- the algorithm -------------------------------------------------------------------------


@st.composite
def algorithm_configs(draw: Any) -> dict:
    cont = continuous_spec(draw(S.sizes(1, 2)))
    disc = discrete_spec(draw(S.sizes(2, 3)))
    return {
        "observation_spec": draw(S.vector_specs(1, 4)),
        "action_spec": draw(st.sampled_from([cont, disc])),
        "fc_layer_params": (draw(S.sizes(2, 5)),),
        "activation": "tanh",
        "is_sharing_encoder": draw(st.booleans()),
        "T": draw(st.integers(2, 3)),
        "interval": draw(st.integers(1, 2)),
        "mini_batch_length": draw(st.one_of(st.none(), st.integers(2, 3))),
        "mini_batch_size": draw(st.integers(2, 3)),
        "num_updates": draw(st.integers(1, 2)),
        "lr": 0.05,
    }


def full_batch(cfg: dict) -> dict:
    """One pass of one mini-batch of whole sequences (every row's in one), a small step."""
    return {
        **cfg,
        "mini_batch_length": None,
        "mini_batch_size": 64,
        "num_updates": 1,
        "lr": 0.01,
    }


def _algorithm(impl: Impl, **kw: Any) -> Any:
    spec = alf_specs(impl, TensorSpec((3,)))
    action = alf_specs(impl, continuous_spec(1))
    return impl.alf.PPGAuxAlgorithm(spec, action, **kw)


def _small_network(impl: Impl) -> Any:
    return impl.alf.DisjointPolicyValueNetwork(
        alf_specs(impl, TensorSpec((3,))), alf_specs(impl, continuous_spec(1))
    )


ALGORITHM_BAD = (
    BadConfig(
        "no network",
        lambda impl: _algorithm(impl),
        TypeError,
        "dual_actor_value_network",
    ),
    BadConfig(
        "interval 0",
        lambda impl: _algorithm(
            impl,
            dual_actor_value_network=_small_network(impl),
            aux_options=impl.alf.PPGAuxOptions(True, 0, None, 8, 6),
        ),
        ValueError,
        "interval",
    ),
    BadConfig(
        "aux_options a plain tuple",
        lambda impl: _algorithm(
            impl, dual_actor_value_network=_small_network(impl), aux_options=(True, 2, None, 8, 6)
        ),
        TypeError,
        "PPGAuxOptions",
    ),
    BadConfig(
        "after_policy_iteration(0): iterations count from 1 (0 is a multiple of every interval)",
        lambda impl: _algorithm(
            impl, dual_actor_value_network=_small_network(impl)
        ).after_policy_iteration(0),
        ValueError,
        "iteration",
    ),
)


#: The fields of ``PPGRolloutInfo``, in the spec's order.
PPG_ROLLOUT_FIELDS = (
    "action_distribution",
    "action",
    "log_prob",
    "value",
    "aux",
    "step_type",
    "discount",
    "reward",
    "reward_weights",
)


def entries() -> list[Entry]:
    records = {
        "PPGRolloutInfo": Record(
            dict.fromkeys(PPG_ROLLOUT_FIELDS, ()),
            "alf/algorithms/ppg/ppg_utils.py: namedtuple('PPGRolloutInfo', [...], "
            "default_value=())",
        ),
        "PPGTrainInfo": Record(),
        "PPGAuxPhaseLossInfo": Record(
            dict.fromkeys(("td_loss_actual", "td_loss_aux", "policy_kl_loss"), None),
            "alf/algorithms/ppg/ppg_aux_phase_loss.py: namedtuple('PPGAuxPhaseLossInfo', "
            "[...]) with alf.data_structures.namedtuple's default_value=None",
        ),
        "PPGAuxOptions": Record(
            {
                "enabled": True,
                "interval": 32,
                "mini_batch_length": None,
                "mini_batch_size": 8,
                "num_updates_per_train_iter": 6,
            },
            "alf/algorithms/ppg/ppg_aux_algorithm.py: namedtuple('PPGAuxOptions', [...], "
            "default_values={'enabled': True, 'interval': 32, 'mini_batch_length': None, "
            "'mini_batch_size': 8, 'num_updates_per_train_iter': 6})",
        ),
    }
    no_build: st.SearchStrategy[dict] = st.just({})
    return [
        Entry(
            "alf.DisjointPolicyValueNetwork",
            PolicyValueNetwork(
                spec=lambda cfg: cfg["observation_spec"],
                action_spec=lambda cfg: cfg["action_spec"],
            ),
            network_configs,
            build_network,
            left_out={"parallel": "the spec gives it no parallel form of its own"},
            bad_configs=NETWORK_BAD,
            config_ranges={"is_sharing_encoder": "flag"},
            bench=cases.network_bench(),
        ),
        Entry(
            "alf.ppg_network_forward",
            PolicyValueNetwork(
                spec=lambda cfg: cfg["observation_spec"],
                action_spec=lambda cfg: cfg["action_spec"],
                heads=lambda net, step: (
                    step.info.action_distribution,
                    step.info.value,
                    step.info.aux,
                ),
                extra=forward_extra,
                requires_aux=lambda cfg: cfg["require_aux"],
            ),
            forward_configs,
            ForwardProbe,
            left_out={
                "parallel": "a function has no parallel form",
                "state_dict": NETWORK_ONLY,
                "init": NETWORK_ONLY,
                "detach": NETWORK_ONLY,
                "bad_input": NETWORK_ONLY,
            },
        ),
        Entry(
            "alf.PPGAuxPhaseLoss",
            Loss(
                sample=models.loss_inputs,
                parts=models.loss_parts,
                part_shape=models.sequence_shape,
                model=models.loss_model(models.loss_hyper),
                corruptions=models.loss_corruptions,
                timed_step=models.loss_timed,
                poison=models.loss_poison,
            ),
            loss_configs,
            AuxLossProbe,
            bad_configs=LOSS_BAD,
            config_ranges={"td_lambda": "unit", "policy_kl_loss_weight": "nonnegative"},
            bench=cases.loss_bench(),
        ),
        Entry(
            "alf.PPGAuxAlgorithm",
            Loss(
                sample=models.algorithm_inputs,
                parts=models.loss_parts,
                # the loss the algorithm documents: PPGAuxPhaseLoss() with its defaults
                model=models.loss_model(lambda cfg: models.DEFAULT_HYPER),
                misaligned=False,
            ),
            algorithm_configs,
            AlgorithmProbe,
            left_out={
                "shape": "the loss property checks the [T, B] shapes of calc_loss",
                "empty_batch": "the loss property checks the [T, B] shapes of calc_loss",
                "device": "the network's entry checks devices",
                "nan_isolation": "its training phase mixes all steps into mini-batch updates "
                "of one network; alf.PPGAuxPhaseLoss's entry checks that a poisoned reward "
                "stays in its episode",
            },
            bad_configs=ALGORITHM_BAD,
            laws={
                "aux_replay": models.aux_replay(aux_options),
                "aux_training": models.aux_training(aux_options, full_batch),
            },
        ),
        *(
            Entry(f"alf.{name}", record, lambda: no_build, lambda impl, cfg: None)
            for name, record in records.items()
        ),
    ]
