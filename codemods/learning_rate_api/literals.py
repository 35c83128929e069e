"""Literals in an optimizer config as written: strings, the plain string keys of dict displays, zero."""

from __future__ import annotations

from optfix.lazy import libcst as cst
from optfix.rulekit.calls import constant


def raw_string(node: cst.BaseExpression) -> str | None:
    """The text between the quotes of a plain string literal, as written; None for anything else."""
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
        return node.raw_value
    return None


def renamed_string(literal: cst.SimpleString, text: str) -> cst.SimpleString:
    return literal.with_changes(value=f"{literal.prefix}{literal.quote}{text}{literal.quote}")


def string_keys(node: cst.Dict) -> dict[str, int]:
    """Index of each plain string key in a dict display, by the key's text as written."""
    keys = {}
    for index, element in enumerate(node.elements):
        if isinstance(element, cst.DictElement):
            text = raw_string(element.key)
            if text is not None:
                keys.setdefault(text, index)
    return keys


def is_zero(node: cst.BaseExpression) -> bool:
    value = constant(node)
    return value == 0 and not isinstance(value, bool)
