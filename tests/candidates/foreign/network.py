"""The API every ALF network documents (``alf.Network``), for this candidate's networks:
``saved_args`` (the constructor's arguments by name), ``copy(**kwargs)`` (a new network
from them, or this one when it is a singleton), ``singleton``, ``is_rnn`` and
``is_distribution_output``. Written from the spec, without twinnet."""

from __future__ import annotations

import inspect
from typing import Any

from torch import nn


class Network(nn.Module):
    def __new__(cls, *args: Any, **kwargs: Any) -> Network:
        obj = super().__new__(cls)
        if not args and not kwargs:  # copy.deepcopy / unpickling: __dict__ comes after
            return obj
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        saved = dict(bound.arguments)
        saved.pop(next(iter(saved)))  # self
        object.__setattr__(obj, "_saved_args", saved)
        object.__setattr__(obj, "_singleton", False)
        return obj

    @property
    def saved_args(self) -> dict[str, Any]:
        return dict(self._saved_args)

    def copy(self, **kwargs: Any) -> Network:
        if self._singleton:
            return self
        return type(self)(**{**self._saved_args, **kwargs})

    def singleton(self, singleton_instance: bool = True) -> Network:
        object.__setattr__(self, "_singleton", singleton_instance)
        return self

    @property
    def is_rnn(self) -> bool:
        return bool(self.state_spec)

    @property
    def is_distribution_output(self) -> bool:
        return False
