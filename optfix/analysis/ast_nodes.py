"""A file's Python `ast`, parsed once and shared by the stages that read it."""

from __future__ import annotations

import ast
import functools
import warnings


@functools.lru_cache(maxsize=2)
def quiet_parse(text: str) -> ast.Module:
    """`ast.parse`, without the warnings the user's code may raise (invalid escapes are not ours to
    print). The stages that read one file's code (prefilter, import table, sites) share one tree
    this way, so none of them may change it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def every_node(tree: ast.AST) -> list[ast.AST]:
    """The nodes `ast.walk(tree)` yields, in its order (breadth first), listed once per tree
    however many prefilters read them."""
    below = tree.__dict__.get("_every_node")
    if below is None:
        nodes = [tree]
        for node in nodes:  # the list grows as it is read
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, ast.AST):
                    nodes.append(value)
                elif isinstance(value, list):
                    nodes.extend(item for item in value if isinstance(item, ast.AST))
        # Kept without the tree itself: a tree holding itself is freed only by the cyclic
        # collector, which the workers run seldom (a large file's tree is tens of MB).
        tree._every_node = below = nodes[1:]
    return [tree, *below]
