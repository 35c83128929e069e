"""Rewriting a call's arguments while keeping their formatting and comments."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from optfix.lazy import libcst as cst

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


def with_args(call: cst.Call, args: Sequence[cst.Arg]) -> cst.Call:
    """`call` with `args`, which may drop, reorder or add arguments: commas and the whitespace
    before `)` follow the call's layout (one line, or one argument a line with a trailing comma)."""
    old = call.args
    if not old or not args:
        return call.with_changes(args=tuple(args))
    closing_comma, closing_space = old[-1].comma, old[-1].whitespace_after_arg
    # The comma after the next-to-last argument: the likeliest to carry no comment.
    between = next((a.comma for a in reversed(old[:-1]) if isinstance(a.comma, cst.Comma)), None)
    if between is None:
        opening = call.whitespace_before_args
        between = cst.Comma(whitespace_after=opening) if isinstance(opening, cst.ParenthesizedWhitespace) else cst.MaybeSentinel.DEFAULT
    fixed = []
    for index, arg in enumerate(args):
        if index == len(args) - 1:
            fixed.append(arg.with_changes(comma=closing_comma, whitespace_after_arg=closing_space))
            continue
        if arg.comma is closing_comma or not isinstance(arg.comma, cst.Comma):
            arg = arg.with_changes(comma=between)
        if arg.whitespace_after_arg is closing_space:
            arg = arg.with_changes(whitespace_after_arg=_no_space())
        fixed.append(arg)
    return call.with_changes(args=tuple(fixed))


def constant(node: cst.BaseExpression) -> object:
    """The value of a literal expression (`0.1`, `-1e-3`, `None`, `(1, 2)`), else NOT_CONSTANT."""
    try:
        return ast.literal_eval(cst.Module([]).code_for_node(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return NOT_CONSTANT
