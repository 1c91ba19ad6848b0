"""Preprocessors whose continuous embedding uses the optimized EncodingNetwork."""

from __future__ import annotations

from reference.alf import preprocessors as ref
from reference.alf.preprocessors import PreprocessorNetwork

from optimized.alf.encoding import EncodingNetwork

__all__ = ["EmbeddingPreprocessor", "PreprocessorNetwork"]


class EmbeddingPreprocessor(ref.EmbeddingPreprocessor):
    encoding_network = EncodingNetwork
