"""twinnet optimized implementations: the reference networks, vectorized and fused."""
