"""twinnet, the application: the ``twinnet`` command (list, verify, bench, compare,
report), the conformance matrix read from the property suite's pytest reports, and the
report and result files built from it and from the benchmark runs."""
