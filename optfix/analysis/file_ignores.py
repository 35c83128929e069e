"""`# optfix: ignore-file` and `# optfix: ignore-file[rule-a, rule-b]`: a whole file left to a
person, by every rule or by those named. Read from the code's comments (in any case), without
libcst: the rules a file ignores are never run on it."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from optfix.findings import Finding

_COMMENT = re.compile(r"#\s*optfix:\s*ignore-file(?:\[(?P<ids>[^\]]*)\])?(?![\w\-\[])", re.IGNORECASE)
UNKNOWN = "unknown-suppression"


@dataclass
class FileIgnores:
    rules: frozenset[str] | None = frozenset()  # None: every rule
    findings: list[Finding] = field(default_factory=list)  # ids named that are not rules

    def keeps(self, rule_id: str) -> bool:
        return self.rules is not None and rule_id not in self.rules


def file_ignores(text: str, known: frozenset[str]) -> FileIgnores | None:
    """The rules the file's `ignore-file` comments name, None if it has no such comment."""
    if _COMMENT.search(text) is None:  # most files: no tokenizing
        return None
    found = None
    for line, col, match in _comments(text):
        found = found or FileIgnores()
        if match["ids"] is None:
            found.rules = None
            continue
        named = frozenset(part.strip().lower() for part in match["ids"].split(",") if part.strip())
        for unknown in sorted(named - known):
            found.findings.append(Finding(line, col, UNKNOWN, f"# optfix: ignore-file[...] names {unknown!r}, which is not a rule; "
                                          "`optfix rules` lists them"))
        if not named:
            found.findings.append(Finding(line, col, UNKNOWN, "# optfix: ignore-file[] names no rule; "
                                          "write # optfix: ignore-file to leave the file to every rule"))
        if found.rules is not None:
            found.rules |= named & known
    return found


def _comments(text: str):
    """Each `ignore-file` comment: its line, column (1-based) and match. Text inside a string is
    no comment; code that cannot be tokenized has none (it is reported as unparsable anyway)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and (match := _COMMENT.search(token.string)):
                yield token.start[0], token.start[1] + 1 + match.start(), match
    except (tokenize.TokenError, SyntaxError):
        return
