"""A parameter network whose FC layers read group 0's slice of theta for every group."""

from optimized.alf import param_networks
from tests.broken import candidate, swap_class


class _GroupZero(param_networks.ParamFC):
    def forward(self, inputs):
        weight, bias = self.weight, self.bias
        self._weight = weight[:1].expand_as(weight)
        self._bias = None if bias is None else bias[:1].expand_as(bias)
        try:
            return super().forward(inputs)
        finally:
            self._weight, self._bias = weight, bias


class ParamNetwork(param_networks.ParamNetwork):
    def set_parameters(self, theta, reinitialize=False):
        super().set_parameters(theta, reinitialize)
        swap_class(self, param_networks.ParamFC, _GroupZero)


alf = candidate(ParamNetwork=ParamNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.ParamNetwork", "parity"),
    ("alf.ParamNetwork", "group_model"),
    ("alf.ParamNetwork", "group_locality"),
]
