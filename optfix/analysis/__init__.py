"""Shared readings of one file: its imports, its trees (libcst and ast), positions, comments, suppressions."""
