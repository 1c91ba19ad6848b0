"""Input preprocessing: ``PreprocessorNetwork`` and ``EmbeddingPreprocessor``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from reference.alf.encoding import EncodingNetwork, build_preprocessors
from reference.alf.initializers import identity
from reference.alf.network import Network
from reference.alf.sequential import NestedModules
from reference.specs import (
    BoundedTensorSpec,
    Nest,
    TensorSpec,
    check_bounds,
    flatten,
    is_nested,
)


class PreprocessorNetwork(Network):
    """Preprocess a nested input and combine it into one tensor.

    ``forward`` computes ``combiner(map(preprocessor_k, x_k))``; a ``None`` preprocessor is
    the identity, the combiner is required when the preprocessed result is nested.
    As in ALF, the preprocessors other than ``None`` are registered in flatten order as the
    list ``_input_preprocessor_modules`` (state_dict keys
    ``_input_preprocessor_modules.<i>.*``, a module or function wrapped as a Network
    under ``<i>._module.*``); the nest that applies them is kept beside it.
    """

    _input_preprocessors: NestedModules | None

    def __init__(
        self,
        input_tensor_spec: Nest,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        name: str = "PreprocessorNetwork",
    ):
        super().__init__(input_tensor_spec, (), name)
        spec = input_tensor_spec
        preprocessors = None
        registered: list[nn.Module] = []
        if input_preprocessors is not None:
            preprocessors = build_preprocessors(input_preprocessors, input_tensor_spec, name)
            spec = preprocessors.output_spec
            built = flatten(preprocessors.networks)
            registered = [m for p, m in zip(flatten(input_preprocessors), built) if p is not None]
        self._input_preprocessor_modules = nn.ModuleList(registered)
        # outside the module tree: its networks are registered (once) in the list above
        object.__setattr__(self, "_input_preprocessors", preprocessors)
        self._preprocessing_combiner = None
        if is_nested(spec):
            if preprocessing_combiner is None:
                raise ValueError(
                    f"{name}: the preprocessed input is nested ({len(flatten(spec))} tensors); "
                    "expected a preprocessing_combiner such as NestConcat, got None"
                )
            self._preprocessing_combiner = preprocessing_combiner
            spec = preprocessing_combiner(spec)
        self._processed_input_tensor_spec = spec

    @property
    def processed_input_tensor_spec(self) -> TensorSpec:
        return self._processed_input_tensor_spec

    def forward(
        self, inputs: Nest, state: Nest = (), min_outer_rank: int = 1, max_outer_rank: int = 1
    ) -> tuple[Nest, Nest]:
        """Preprocessed and combined inputs, which may have 1..k outer dims as allowed."""
        self.check_inputs(inputs, tuple(range(min_outer_rank, max_outer_rank + 1)))
        x = inputs
        if self._input_preprocessors is not None:
            x, _ = self._input_preprocessors(x)
        if self._preprocessing_combiner is not None:
            x = self._preprocessing_combiner(x)
        return x, state


class EmbeddingPreprocessor(Network):
    """Map an input to an ``embedding_dim`` vector.

    A discrete (bounded integer) input v selects row ``v - minimum`` of an ``nn.Embedding``
    with ``maximum - minimum + 1`` rows (ALF indexes with v itself, which is the same for
    the usual minimum 0 and out of range otherwise). A continuous input goes through
    ``EncodingNetwork(conv, fc, last_layer_size=embedding_dim, last_activation)``.
    """

    def __init__(
        self,
        input_tensor_spec: TensorSpec,
        embedding_dim: int,
        conv_layer_params: Sequence[Sequence[int]] | None = None,
        fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        last_activation: Callable = identity,
        name: str = "EmbeddingPreproc",
    ):
        if not isinstance(input_tensor_spec, TensorSpec):
            raise TypeError(f"{name}: expected one TensorSpec, got {type(input_tensor_spec)}")
        if not isinstance(embedding_dim, int) or embedding_dim < 1:
            raise ValueError(f"{name}: embedding_dim must be a positive int, got {embedding_dim!r}")
        super().__init__(input_tensor_spec, (), name)
        self._minimum = 0
        if input_tensor_spec.is_discrete:
            if not isinstance(input_tensor_spec, BoundedTensorSpec):
                raise TypeError(
                    f"{name}: a discrete input needs a BoundedTensorSpec, got {input_tensor_spec}"
                )
            lo, hi = input_tensor_spec.minimum, input_tensor_spec.maximum
            if lo.ndim or hi.ndim:
                raise ValueError(
                    f"{name}: a discrete input needs scalar bounds, got {input_tensor_spec}"
                )
            self._minimum = int(lo)
            self._embedding_net: nn.Module = nn.Embedding(int(hi) - int(lo) + 1, embedding_dim)
        else:
            self._embedding_net = EncodingNetwork(
                input_tensor_spec,
                conv_layer_params=conv_layer_params,
                fc_layer_params=fc_layer_params,
                activation=activation,
                last_layer_size=embedding_dim,
                last_activation=last_activation,
                name="preprocessor_embedding_net",
            )

    def forward(self, inputs: torch.Tensor, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        self.check_inputs(inputs)
        if isinstance(self._embedding_net, nn.Embedding):
            check_bounds(self._input_tensor_spec, inputs, f"{self.name} input")
            return self._embedding_net(inputs - self._minimum), state
        return self._embedding_net(inputs)[0], state
