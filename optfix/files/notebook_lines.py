"""Where a notebook cell's source lines are in the notebook file: the file's line numbers, for
links into its plain JSON text (GitHub's rendered notebook has no anchor for a cell or line)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from json.decoder import scanstring

_VALUE = json.JSONDecoder()
_SPACE = " \t\r\n"


def cell_source_line(text: str, cell: int, line: int) -> int | None:
    """The line of the file `text` where line `line` of cell `cell` (both 1-based, the cell among
    all cells) is written: that element of a `source` list, or where a `source` string starts.
    None if the notebook has no such cell or is not valid JSON."""
    try:
        cells = _member(text, _skip(text, 0), "cells")
        if cells is None:
            return None
        element = next((start for index, start in enumerate(_elements(text, cells), 1) if index == cell), None)
        source = None if element is None else _member(text, element, "source")
        if source is None:
            return None
        if text[source] == "[":
            source = next((start for index, start in enumerate(_elements(text, source), 1) if index == line), source)
        return text.count("\n", 0, source) + 1
    except (ValueError, IndexError):
        return None


def _skip(text: str, at: int) -> int:
    while text[at] in _SPACE:
        at += 1
    return at


def _member(text: str, at: int, name: str) -> int | None:
    """Where the value of the object at `at`'s member `name` starts."""
    if text[at] != "{":
        return None
    at = _skip(text, at + 1)
    while text[at] != "}":
        key, at = scanstring(text, at + 1)
        at = _skip(text, _skip(text, at) + 1)  # past the colon
        if key == name:
            return at
        at = _skip(text, _VALUE.raw_decode(text, at)[1])
        if text[at] == ",":
            at = _skip(text, at + 1)
    return None


def _elements(text: str, at: int) -> Iterator[int]:
    """Where each element of the array at `at` starts."""
    if text[at] != "[":
        return
    at = _skip(text, at + 1)
    while text[at] != "]":
        yield at
        at = _skip(text, _VALUE.raw_decode(text, at)[1])
        if text[at] == ",":
            at = _skip(text, at + 1)
