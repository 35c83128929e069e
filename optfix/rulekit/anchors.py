"""Anchors (`Rule.anchors`) read from the file's imports: the head names of the chains that may
reach what a rule acts on."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the import table is libcst's: not imported where a run has nothing to parse
    from optfix.analysis.imports import ImportTable


def reaching_heads(chains: Sequence[tuple[str, ...]], imports: ImportTable, reaches: Callable[[str], bool],
                   bound_only: bool = False) -> set[str]:
    """The head names of `chains`, and the names the file binds (as chains of their own), whose
    dotted name through the imports (`imports.resolved`; with `bound_only`, only where the file
    binds the head, as `imports.qualified_name` reads it) `reaches` says yes to."""
    heads = set()
    for chain in [*chains, *((name,) for name in imports.bindings)]:
        head = chain[0]
        if head in heads or (bound_only and head not in imports.bindings):
            continue
        qualified = imports.resolved(list(chain))
        if qualified is not None and reaches(qualified):
            heads.add(head)
    return heads
