"""Benchmark cases and peers, one module per entry module, mirroring
``properties/entries/<lib>/<module>.py``: what each entry is timed on (fixed configs and
batch sizes, the performance targets asked of a case) and the well-known alternatives timed
beside it.

Layering: these modules import the data types of ``properties.entry``, the specs and the
reference, never an entry module or the catalog. An entry module assembles its ``Bench``
by calling its case module with what a peer needs to know of the entry (its build, its
constructor keyword arguments), so the entries import the cases and nothing here imports
the entries: ``benchmarks.cases`` sits below ``properties.entries``, and the benchmark
machinery (``benchmarks.workload``, ``suite``, ``targets``) above the catalog.
"""
