"""``PPGAuxAlgorithm`` whose auxiliary phase has no per-sample or per-step Python work for
a stateless network: the stored ``[B, N]`` experience is cut into its ``L``-step sequences
by one reshape, a mini-batch is one gather of the shuffled sequence indices, and its ``L``
steps are evaluated as one ``[L * b]`` batch (one network call instead of ``L``), so each
mini-batch costs a handful of kernel launches instead of ``L`` network calls and
``B * N / L`` Python slices. A recurrent network is unrolled step by step, as in the
reference. Everything else (replay, ``train_step``, ``calc_loss``) is the reference's, with
the optimized loss."""

from __future__ import annotations

import torch

from optimized.twin import Twin
from reference.alf.ppg import algorithm as ref
from reference.alf.ppg.data import Experience, TimeStep
from reference.alf.ppg.replay import from_params, to_params
from reference.alf.ppg.utils import PPGTrainInfo
from reference.specs import Nest, flatten, map_structure


class PPGAuxAlgorithm(Twin, ref.PPGAuxAlgorithm):
    """The reference algorithm with the batched auxiliary phase (module doc); its loss is
    converted to the optimized ``PPGAuxPhaseLoss``."""

    def unroll(self, batch: Nest, template: Experience) -> PPGTrainInfo:
        """The ``L`` steps of a stateless network as one ``[L * b]`` call."""
        if flatten(self._network.state_spec):
            return super().unroll(batch, template)
        steps, rows = batch.step_type.shape[:2]
        flat = from_params(template, map_structure(lambda x: x.flatten(0, 1), batch))
        inputs = TimeStep(flat.step_type, flat.reward, flat.discount, flat.observation)
        info = self.train_step(inputs, (), flat.rollout_info).info
        split = map_structure(lambda x: x.unflatten(0, (steps, rows)), to_params(info))
        return from_params(info, split)

    def train_from_replay(self) -> list[float]:
        if self._optimizer is None:
            raise ValueError(
                f"{self._name}: expected an optimizer for the auxiliary phase, got None"
            )
        stored, template = self._replay.gather_params(), self._replay.template
        self._replay.clear()
        if not flatten(stored):
            return []
        rows, n = stored.step_type.shape[:2]
        ref.check_stored_steps(n, self._name)
        length = self.sequence_length(n)
        count = n // length

        def sequences(x: torch.Tensor) -> torch.Tensor:
            """``[B, N, ...] -> [B * (N // L), L, ...]``: row-major, the reference's order."""
            kept = x[:, : count * length]
            return kept.reshape(rows * count, length, *x.shape[2:])

        cut = map_structure(sequences, stored)
        size = self._options.mini_batch_size
        passes = self._options.num_updates_per_train_iter
        orders = [torch.randperm(rows * count) for _ in range(passes)]
        losses = []
        for order in orders:
            for i in range(0, order.numel(), size):
                chosen = order[i : i + size]
                batch = map_structure(lambda x, c=chosen: x[c].transpose(0, 1), cut)
                loss = self.calc_loss(self.unroll(batch, template)).loss.mean()
                self._optimizer.zero_grad()
                loss.backward()
                self._optimizer.step()
                losses.append(float(loss.detach()))
        return losses
