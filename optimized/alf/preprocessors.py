"""Preprocessors whose continuous embedding uses the optimized EncodingNetwork."""

from __future__ import annotations

from optimized.alf.encoding import EncodingNetwork
from reference.alf import preprocessors as ref
from reference.alf.preprocessors import PreprocessorNetwork

__all__ = ["EmbeddingPreprocessor", "PreprocessorNetwork"]


class EmbeddingPreprocessor(ref.EmbeddingPreprocessor):
    encoding_network = EncodingNetwork
