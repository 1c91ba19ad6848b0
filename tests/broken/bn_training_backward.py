"""FC layers that repair their batch norm's running statistics in place after the batch norm
ran in training mode, as twinnet's own finite-statistics guard once did: outputs and
statistics are right, but the backward finds a tensor it kept changed and refuses to run.
Only a gradient of a training-mode call sees it."""

import torch
import torch.nn.functional as F

from optimized.alf import encoding, layers
from tests.broken import candidate, swap_class


class _RepairedInPlaceFC(layers.FC):
    def forward(self, x):
        y = (
            x.mm(self._weight.t())
            if self._bias is None
            else torch.addmm(self._bias, x, self._weight.t())
        )
        bn = self._bn
        if bn is not None:
            before = (bn.running_mean.clone(), bn.running_var.clone())
            args = (bn.running_mean, bn.running_var, bn.weight, bn.bias, bn.training)
            y = F.batch_norm(y, *args, bn.momentum, bn.eps)
            if bn.training:
                bn.num_batches_tracked.add_(1)
                with torch.no_grad():
                    for running, old in zip((bn.running_mean, bn.running_var), before):
                        running.copy_(torch.where(torch.isfinite(running), running, old))
        return self._activation(y)


class EncodingNetwork(encoding.EncodingNetwork):
    def fuse(self):
        swap_class(self, layers.FC, _RepairedInPlaceFC)
        super().fuse()


alf = candidate(EncodingNetwork=EncodingNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.EncodingNetwork", "grad_parity"), ("alf.EncodingNetwork", "float64_exact")]
