"""A rule's documentation read as text: its sections, and the first sentences reports quote."""

from __future__ import annotations

import re


def first_sentences(text: str, count: int = 2) -> str:
    """The first `count` sentences of the first paragraph of `text`, on one line."""
    paragraph = " ".join(text.split("\n\n")[0].split())
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z`(])", paragraph)
    return " ".join(sentences[:count])


# The sections of a rule's documentation, in order; each title is underlined with dashes.
SECTIONS = ("What it does", "Why", "Example", "Fix safety", "Known problems")


def sections(documentation: str) -> dict[str, str]:
    """Each section's text by title: a title is a line, outside code blocks, underlined by a line
    of dashes as long as it."""
    lines = documentation.splitlines()
    sections: dict[str, list[str]] = {}
    current: list[str] = []  # the text before the first title (the summary) belongs to none
    in_code = False
    index = 0
    while index < len(lines):
        line = lines[index]
        below = lines[index + 1] if index + 1 < len(lines) else ""
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.strip() and below == "-" * len(line):
            current = sections.setdefault(line, [])
            index += 2
            continue
        current.append(line)
        index += 1
    return {title: "\n".join(text).strip() for title, text in sections.items()}
