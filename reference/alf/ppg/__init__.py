"""ALF's Phasic Policy Gradient pieces (``alf.algorithms.ppg``, alf_ppg.txt): the
policy-value network, the records, the network step, the auxiliary-phase loss and the
auxiliary-phase algorithm. Reference implementations, written to be read."""

from reference.alf.ppg.algorithm import PPGAuxAlgorithm, PPGAuxOptions
from reference.alf.ppg.data import AlgStep, Experience, LossInfo, StepType, TimeStep
from reference.alf.ppg.loss import PPGAuxPhaseLoss, PPGAuxPhaseLossInfo, element_wise_squared_loss
from reference.alf.ppg.network import DisjointPolicyValueNetwork
from reference.alf.ppg.utils import PPGRolloutInfo, PPGTrainInfo, ppg_network_forward
from reference.alf.ppg.value_ops import generalized_advantage_estimation, td_lambda_returns

__all__ = [
    "AlgStep",
    "DisjointPolicyValueNetwork",
    "Experience",
    "LossInfo",
    "PPGAuxAlgorithm",
    "PPGAuxOptions",
    "PPGAuxPhaseLoss",
    "PPGAuxPhaseLossInfo",
    "PPGRolloutInfo",
    "PPGTrainInfo",
    "StepType",
    "TimeStep",
    "element_wise_squared_loss",
    "generalized_advantage_estimation",
    "ppg_network_forward",
    "td_lambda_returns",
]
