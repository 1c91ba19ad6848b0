"""twinnet's benchmark suites, results tooling and the ``twinnet`` command line."""
