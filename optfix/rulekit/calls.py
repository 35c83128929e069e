"""Rewriting a call's arguments while keeping their formatting and comments."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from optfix.lazy import libcst as cst
from optfix.analysis.tree import code, walk

NOT_CONSTANT = object()


def _no_space() -> cst.SimpleWhitespace:
    return cst.SimpleWhitespace("")


def bind(call: cst.Call, parameters: Sequence[str]) -> list[str] | None:
    """The parameter each argument of `call` fills, in argument order, by position then keyword;
    None where that cannot be known (`*args`, `**kwargs`, an unknown keyword, too many)."""
    names = []
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None:
            if index >= len(parameters):
                return None
            names.append(parameters[index])
        elif arg.keyword.value in parameters and arg.keyword.value not in names:
            names.append(arg.keyword.value)
        else:
            return None
    return names


def as_keyword(arg: cst.Arg, name: str) -> cst.Arg:
    """`arg` passed as `name=value`, keeping its value, comment and comma."""
    if arg.keyword is not None:
        return arg.with_changes(keyword=arg.keyword.with_changes(value=name))
    value = arg.value
    if isinstance(value, (cst.GeneratorExp, cst.NamedExpr)) and not value.lpar:
        # `f(x for x in y)` and `f(a := 1)` need parentheses once they follow `name=`.
        value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return arg.with_changes(keyword=cst.Name(name), equal=cst.AssignEqual(_no_space(), _no_space()), value=value)


def new_keyword(name: str, value: object) -> cst.Arg:
    return cst.Arg(cst.parse_expression(repr(value)), keyword=cst.Name(name), equal=cst.AssignEqual(_no_space(), _no_space()))


def with_commas(args: list[cst.Arg]) -> list[cst.Arg]:
    """New arguments separated as `a, b`."""
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [arg.with_changes(comma=comma) for arg in args[:-1]] + args[-1:]


def with_args(call: cst.Call, args: Sequence[cst.Arg], merged: Mapping[int, int] | None = None) -> cst.Call:
    """`call` with `args`, which may drop, reorder or add arguments: commas and the whitespace
    before `)` follow the call's layout (one line, or one argument a line with a trailing comma).

    Comments follow the arguments of `call.args` they were written after, wherever those go (an
    argument made from one with `with_changes` keeps its comma, which is how it is recognised).
    The comments of an argument `args` drops join those of the argument `merged` names (an index
    in `call.args` to another, which took its value), else, with the comments inside its value,
    those of the kept argument before it, else of the opening `(`."""
    old, merged = call.args, merged or {}
    if not old:
        return call.with_changes(args=tuple(args))
    index = {id(_trail(arg)): i for i, arg in enumerate(old)}
    position = {index[id(_trail(arg))]: j for j, arg in enumerate(args) if id(_trail(arg)) in index}
    carried: list[list[tuple[int, cst.ParenthesizedWhitespace]]] = [[] for _ in args]
    opening = call.whitespace_before_args
    first: list[tuple[int, cst.ParenthesizedWhitespace]] = []  # what goes after `(`
    for i, arg in enumerate(old):
        breaks = [(i, space) for space in _breaks(arg) if _holds_comments(space)]
        if i not in position and i not in merged:  # its value goes too, and the comments in it
            breaks = _inner_comments(i, arg) + breaks
        into = i if i in position else merged.get(i)
        before = [source for source in position if source < i]
        if into in position:
            carried[position[into]] += breaks
        elif before:
            carried[position[max(before)]] += breaks
        else:
            first += breaks
    if isinstance(opening, cst.ParenthesizedWhitespace) and _holds_comments(opening):
        first.insert(0, (-1, opening))
    if not args:  # `(` meets `)`: the line break before `)`, if comments need one
        last = old[-1]
        closing = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else last.whitespace_after_arg
        return call.with_changes(args=(), whitespace_before_args=_commented(closing, first) if first else _no_space())
    if first:
        call = call.with_changes(whitespace_before_args=_commented(opening, first))
    closing_comma, closing_space = old[-1].comma, old[-1].whitespace_after_arg
    # The comma after the next-to-last argument: its line break and indentation.
    between = next((a.comma for a in reversed(old[:-1]) if isinstance(a.comma, cst.Comma)), None)
    if between is None:
        between = cst.Comma(whitespace_after=opening) if isinstance(opening, cst.ParenthesizedWhitespace) else cst.MaybeSentinel.DEFAULT
    fixed = []
    for j, arg in enumerate(args):
        if j == len(args) - 1:
            arg = arg.with_changes(comma=closing_comma, whitespace_after_arg=closing_space)
        else:
            if arg.comma is closing_comma or not isinstance(arg.comma, cst.Comma):
                arg = arg.with_changes(comma=between)
            if arg.whitespace_after_arg is closing_space:
                arg = arg.with_changes(whitespace_after_arg=_no_space())
        # Whatever separator the layout gave the argument, the comments it carries are its own.
        if isinstance(arg.comma, cst.Comma):
            comma = arg.comma.with_changes(
                whitespace_before=_commented(arg.comma.whitespace_before, []),
                whitespace_after=_commented(arg.comma.whitespace_after, carried[j]),
            )
            arg = arg.with_changes(comma=comma, whitespace_after_arg=_commented(arg.whitespace_after_arg, []))
        else:
            arg = arg.with_changes(whitespace_after_arg=_commented(arg.whitespace_after_arg, carried[j]))
        fixed.append(arg)
    return call.with_changes(args=tuple(fixed))


def _trail(arg: cst.Arg) -> cst.CSTNode:
    """What an argument carries along from the call it was parsed in: its comma, if it has one."""
    return arg.comma if isinstance(arg.comma, cst.Comma) else arg.whitespace_after_arg


def _breaks(arg: cst.Arg) -> list[cst.ParenthesizedWhitespace]:
    """The line breaks after an argument: where its comment and the comment lines below it are."""
    spaces = [arg.whitespace_after_arg]
    if isinstance(arg.comma, cst.Comma):
        spaces += [arg.comma.whitespace_before, arg.comma.whitespace_after]
    return [space for space in spaces if isinstance(space, cst.ParenthesizedWhitespace)]


def _inner_comments(i: int, arg: cst.Arg) -> list[tuple[int, cst.ParenthesizedWhitespace]]:
    """The comments inside an argument (`lr=(  # x`), as a line break after it that holds them."""
    found: list[str] = []

    class Comments(cst.CSTVisitor):
        def visit_Comment(self, node: cst.Comment) -> None:
            found.append(node.value)

    walk(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=_no_space()), Comments())
    if not found:
        return []
    line = cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment("  ".join(found)))
    return [(i, cst.ParenthesizedWhitespace(first_line=line))]


def _holds_comments(space: cst.ParenthesizedWhitespace) -> bool:
    return space.first_line.comment is not None or bool(space.empty_lines)


def _commented(
    space: cst.BaseParenthesizableWhitespace, breaks: list[tuple[int, cst.ParenthesizedWhitespace]]
) -> cst.BaseParenthesizableWhitespace:
    """`space` with the comments and comment lines of `breaks` (in source order) instead of its
    own: on one line when they hold a comment, then the lines below. Where `space` has no line
    break and they hold something, the first of them gives the line break and indentation."""
    if not breaks and not (isinstance(space, cst.ParenthesizedWhitespace) and _holds_comments(space)):
        return space
    breaks = [ws for _, ws in sorted(breaks, key=lambda b: b[0])]
    comments = [ws.first_line for ws in breaks if ws.first_line.comment is not None]
    lines = [line for ws in breaks for line in ws.empty_lines]
    if not isinstance(space, cst.ParenthesizedWhitespace):
        space = breaks[0]
    first = space.first_line.with_changes(whitespace=_no_space(), comment=None)
    if comments:
        text = "  ".join(line.comment.value for line in comments)
        first = first.with_changes(whitespace=comments[0].whitespace, comment=cst.Comment(text))
    return space.with_changes(first_line=first, empty_lines=lines)


def constant(node: cst.BaseExpression) -> object:
    """The value of a literal expression (`0.1`, `-1e-3`, `None`, `(1, 2)`), else NOT_CONSTANT."""
    try:
        return ast.literal_eval(code(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return NOT_CONSTANT
