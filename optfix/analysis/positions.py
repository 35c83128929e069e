"""Where a few nodes are, exactly as libcst's PositionProvider says, for the cost of generating
at most the code once.

PositionProvider computes a line and column for every node of the module, through its metadata
machinery: on a large file that costs several times the parse. Findings need the positions of a
handful of nodes, so code is generated with a state that notes only how many tokens came before
each of them, and the lines and columns of those few places are counted afterwards. Generation
stops once the last of them has been generated: nothing after it moves it.

A rewritten file needs the positions, the original's code (libcst must reproduce the file) and
the rewrite's code: `generate` gives all three from one generation of the original, as the
rewrite shares the module-level statements it left alone, whose code is the same in both.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from typing import NamedTuple

import libcst as cst
from libcst.metadata import CodePosition, CodeRange

from optfix.analysis.libcst_internals import generate_code, position_codegen_state

_NEWLINE = re.compile(r"\r\n?|\n")  # as libcst counts lines
_NOTHING = contextlib.nullcontext()


class _AllGenerated(Exception):
    pass


class _TokenCountingState(position_codegen_state()):
    """Code generation that records, for the wanted nodes only, the token counts at which they
    start and end, syntactically where the node says so, else with their whitespace."""

    __slots__ = ("wanted", "remaining", "spans", "starts", "tops", "pieces", "last_popped", "marked")

    def __init__(self, module: cst.Module, wanted: set[int], tops: set[int] | None = None) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline, provider=None)
        self.wanted = wanted
        self.remaining = set(wanted)  # the nodes asked for that have not been generated yet
        self.spans: dict[int, tuple[int, int]] = {}
        self.starts: dict[int, list[int]] = {}
        # Module-level nodes whose tokens are wanted (`pieces`: their ranges); given, the whole
        # module is generated, not only up to the last node wanted.
        self.tops = tops
        self.pieces: dict[int, tuple[int, int]] = {}
        self.last_popped = False  # the module's code leaves out the last token (no final newline)
        self.marked = wanted | tops if tops is not None else wanted  # either: most nodes are neither

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)

    def pop_trailing_newline(self) -> None:
        # positions count it, as PositionProvider's do; the code leaves it out
        self.last_popped = bool(self.tokens)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) not in self.marked:
            return
        if id(node) in self.wanted:
            self.starts.setdefault(id(node), []).append(len(self.tokens))
        if self.tops is not None and id(node) in self.tops:
            self.pieces[id(node)] = (len(self.tokens), -1)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if id(node) not in self.marked:
            return
        if self.tops is not None and id(node) in self.tops:
            self.pieces[id(node)] = (self.pieces[id(node)][0], len(self.tokens))
        if id(node) in self.wanted:
            start = self.starts[id(node)].pop()
            self.spans.setdefault(id(node), (start, len(self.tokens)))
            self.remaining.discard(id(node))
            if not self.remaining and self.tops is None:
                raise _AllGenerated

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node=None, end_node=None):
        if id(node) not in self.wanted:
            return _NOTHING
        # The node takes its start or end from a child's, as PositionProvider does: the child,
        # generated inside this block, is wanted too.
        for child in (start_node, end_node):
            if child is not None:
                self.wanted.add(id(child))
                self.marked.add(id(child))
        return self._recording(node, start_node, end_node)

    @contextlib.contextmanager
    def _recording(self, node: cst.CSTNode, start_node, end_node):
        start = len(self.tokens)
        yield  # not reached again when generation stops inside: the span is not needed then
        end = len(self.tokens)
        if start_node is not None:
            start = self.spans[id(start_node)][0]
        if end_node is not None:
            end = self.spans[id(end_node)][1]
        self.spans[id(node)] = (start, end)


def positions(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[cst.CSTNode, CodeRange]:
    """The CodeRange PositionProvider gives each of `nodes` (nodes of `module`)."""
    nodes = list(nodes)
    state = _TokenCountingState(module, {id(node) for node in nodes})
    if nodes:
        with contextlib.suppress(_AllGenerated):
            generate_code(module, state)
    places = _places(state.tokens, {count for span in state.spans.values() for count in span})
    return {node: CodeRange(places[state.spans[id(node)][0]], places[state.spans[id(node)][1]]) for node in nodes}


class Generated(NamedTuple):
    """What one generation of a module and its rewrite gives."""

    positions: dict[cst.CSTNode, CodeRange]  # of the nodes asked for, in the module
    original: str  # the module's code
    rewritten: str  # the rewrite's code
    regenerated: str  # the code of the rewrite's module-level nodes that are not the module's, in order


def generate(module: cst.Module, nodes: Iterable[cst.CSTNode], rewritten: cst.Module) -> Generated:
    """`positions(module, nodes)`, `module.code` and `rewritten.code`, where `rewritten` is a
    rewrite of `module`: of its module-level statements, only those not in `module` are generated."""
    nodes = list(nodes)
    tops = {id(node) for node in (*module.header, *module.body, *module.footer)}
    state = _TokenCountingState(module, {id(node) for node in nodes}, tops)
    module._codegen(state)
    tokens = state.tokens
    places = _places(tokens, {count for span in state.spans.values() for count in span})
    found = {node: CodeRange(places[state.spans[id(node)][0]], places[state.spans[id(node)][1]]) for node in nodes}
    return Generated(found, "".join(tokens[:-1] if state.last_popped else tokens), *_code(rewritten, tokens, state.pieces))


def _code(module: cst.Module, tokens: list[str], pieces: dict[int, tuple[int, int]]) -> tuple[str, str]:
    """`module.code`, taking the tokens of the module-level nodes in `pieces` from `tokens`; and
    the code of the module-level nodes generated here, those not in `pieces`."""
    generated: list[str] = []
    fresh: list[str] = []
    for node in (*module.header, *module.body, *module.footer):
        piece = pieces.get(id(node))
        if piece is None:
            state = _TokenCountingState(module, set())
            node._codegen(state)
            generated += state.tokens
            fresh += state.tokens
        else:
            generated += tokens[piece[0]:piece[1]]
    if module.has_trailing_newline:  # as Module._codegen_impl ends
        if not generated:
            generated.append(module.default_newline)
    elif generated:
        generated.pop()
    return "".join(generated), "".join(fresh)


def _places(tokens: list[str], counts: set[int]) -> dict[int, CodePosition]:
    """The line (from 1) and column (from 0) after each of `counts` first tokens."""
    places: dict[int, CodePosition] = {}
    line, column = 1, 0
    index = 0
    for count in sorted(counts):
        text = "".join(tokens[index:count])
        if "\r" in text:  # token by token: a token ending in \r before one starting with \n is two lines
            for token in tokens[index:count]:
                segments = _NEWLINE.split(token)
                if len(segments) == 1:
                    column += len(token)
                else:
                    line += len(segments) - 1
                    column = len(segments[-1])
        elif "\n" in text:
            line += text.count("\n")
            column = len(text) - text.rfind("\n") - 1
        else:
            column += len(text)
        index = count
        places[count] = CodePosition(line, column)
    return places
