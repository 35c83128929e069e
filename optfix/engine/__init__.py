"""Runs the rules: the registry, the prefilter, one file's journey, the parallel map."""
