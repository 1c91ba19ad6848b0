"""The few ALF data structures PPG passes around (``alf.data_structures``), as plain named
tuples: ``StepType``, ``TimeStep``, ``AlgStep``, ``LossInfo`` and ``Experience``.

Only the fields PPG reads are kept. ALF's ``TimeStep`` also carries ``prev_action``,
``env_id``, ``untransformed`` and ``env_info``, its ``LossInfo`` ``scalar_loss`` and
``priority``, and its ``Experience`` the whole rollout record; twinnet's auxiliary phase
needs none of them.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class StepType:
    """ALF's step types: ``FIRST`` starts an episode, ``LAST`` ends it."""

    FIRST = 0
    MID = 1
    LAST = 2


class TimeStep(NamedTuple):
    """What the environment gives at one step, ``[B, ...]`` (or ``[T, B, ...]``)."""

    step_type: Any = ()
    reward: Any = ()
    discount: Any = ()
    observation: Any = ()


class AlgStep(NamedTuple):
    """What an algorithm's step returns: its output (the action), new state and info."""

    output: Any = ()
    state: Any = ()
    info: Any = ()


class LossInfo(NamedTuple):
    """A loss per step and sample (``loss`` ``[T, B]``) and its parts (``extra``)."""

    loss: Any = ()
    extra: Any = ()


class Experience(NamedTuple):
    """One step of experience as a replay buffer stores it, ``[B, ...]``: the time step,
    the rollout info of the step (a ``PPGRolloutInfo``) and the rollout state."""

    step_type: Any = ()
    reward: Any = ()
    discount: Any = ()
    observation: Any = ()
    rollout_info: Any = ()
    state: Any = ()
