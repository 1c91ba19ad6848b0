"""twinnet optimized implementations: the reference networks, vectorized and fused.

Every optimized class is a twin built by the one pattern of :mod:`optimized.twin`: a
subclass ``class X(Twin, reference.X)`` that overrides only the computation (``forward``,
``unroll``, ``make_parallel``, a distribution's math) and has no constructor of its own.
Constructing a twin runs the reference's constructor, then ``optimized.twin.convert``
swaps, in place, every reference submodule that has a twin for it (parameters, buffers
and state_dict untouched) and lets each twin derive what it needs in ``fuse()``. A
reference function that builds modules has as twin the same function with its result
converted (``optimized.twin.converting``). The reference has no hook for any of this.
Names whose optimized object is the reference's own (routing plumbing, records, plain
functions) are re-exported from ``reference`` and shown as shared.
"""
