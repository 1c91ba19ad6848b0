"""ALF's global execution mode (``alf.utils.common``): the flag the spec's eval mode reads.

The spec defines NoisyFC's eval mode as ``common.is_eval()``: a process-wide mode that ALF's
trainer sets around evaluation (``set_exe_mode(EXE_MODE_EVAL)``), independent of any
module's ``training`` flag. The modes and their numbers are upstream's.
"""

from __future__ import annotations

#: Anything else (the initial mode).
EXE_MODE_OTHER = 0
#: Unrolling an environment to collect experience.
EXE_MODE_ROLLOUT = 1
#: Replaying experience and training.
EXE_MODE_REPLAY = 2
#: Evaluating, testing or playing a learned model.
EXE_MODE_EVAL = 3
#: Pretraining.
EXE_MODE_PRETRAIN = 4

_MODES = ("other", "rollout", "replay", "eval", "pretrain")
_exe_mode = EXE_MODE_OTHER


def set_exe_mode(mode: int) -> int:
    """Set the global execution mode; returns the previous one (to restore it)."""
    global _exe_mode
    if isinstance(mode, bool) or mode not in range(len(_MODES)):
        raise ValueError(f"set_exe_mode: expected one of 0..{len(_MODES) - 1}, got {mode!r}")
    old, _exe_mode = _exe_mode, int(mode)
    return old


def exe_mode_name() -> str:
    """The current execution mode's name (``'eval'``...)."""
    return _MODES[_exe_mode]


def is_eval() -> bool:
    """Whether the process is in ALF's eval mode."""
    return _exe_mode == EXE_MODE_EVAL


def is_rollout() -> bool:
    """Whether the process is unrolling an environment."""
    return _exe_mode == EXE_MODE_ROLLOUT


def is_replay() -> bool:
    """Whether the process is replaying experience (training)."""
    return _exe_mode == EXE_MODE_REPLAY
