"""Sentences of a rule's documentation, for the reports that quote it (its sections: Rule.section)."""

from __future__ import annotations

import re


def first_sentences(text: str, count: int = 2) -> str:
    """The first `count` sentences of the first paragraph of `text`, on one line."""
    paragraph = " ".join(text.split("\n\n")[0].split())
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z`(])", paragraph)
    return " ".join(sentences[:count])
