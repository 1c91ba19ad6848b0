"""The twin of ``EmbeddingPreprocessor`` (``optimized.twin``)."""

from __future__ import annotations

from optimized.twin import Twin
from reference.alf import preprocessors as ref
from reference.alf.preprocessors import PreprocessorNetwork

__all__ = ["EmbeddingPreprocessor", "PreprocessorNetwork"]


class EmbeddingPreprocessor(Twin, ref.EmbeddingPreprocessor):
    """Its continuous branch is the converted EncodingNetwork (fused FC / conv layers)."""
