"""Sections of a rule's documentation (its docstring), for the reports that quote it."""

from __future__ import annotations

import re
import textwrap

_UNDERLINE = re.compile(r"-{3,}")


def _heading(lines: list[str], index: int) -> tuple[str, int] | None:
    """The title of the heading at `lines[index]` and how many lines it takes, if it is one: a
    line followed by a line of dashes, or a Markdown `## title`."""
    line = lines[index].strip()
    if line and index + 1 < len(lines) and _UNDERLINE.fullmatch(lines[index + 1].strip()):
        return line, 2
    if line.startswith("## "):
        return line[3:].strip(), 1
    return None


def section(documentation: str, title: str) -> str | None:
    """The text under the heading `title` up to the next heading, or None if there is none."""
    lines = documentation.splitlines()
    body: list[str] | None = None
    index = 0
    while index < len(lines):
        heading = _heading(lines, index)
        if heading is not None:
            if body is not None:
                break
            if heading[0] == title:
                body = []
            index += heading[1]
            continue
        if body is not None:
            body.append(lines[index])
        index += 1
    text = textwrap.dedent("\n".join(body or [])).strip()
    return text or None


def first_sentences(text: str, count: int = 2) -> str:
    """The first `count` sentences of the first paragraph of `text`, on one line."""
    paragraph = " ".join(text.split("\n\n")[0].split())
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z`(])", paragraph)
    return " ".join(sentences[:count])
