"""`--summary FILE.md`: the run as a Markdown pull-request description.

Links are absolute (`SERVER/REPOSITORY/blob/REF/path#Lline`, the path from the repository's root)
when GitHub's environment names the server and repository and a commit or branch is known
(`--summary-ref`, else GITHUB_SHA): a pull request's body resolves relative links against the
pull request's own address, not the repository's files. Otherwise they are relative to the
working directory. A notebook's link leads to the cell's line in the notebook's plain text.
"""

from __future__ import annotations

import os
import re
import shlex
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

from optfix import __version__
from optfix.rulekit.docstrings import first_sentences
from optfix.findings import FileResult, Kind
from optfix.output import Output, Record, Run, records
from optfix.output.report import UNSAFE_FIX_NOTE, Tally
from optfix.settings import Mode, Settings
from optfix.files.notebook_lines import cell_source_line
from optfix.files.write import write_bytes

_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~#])")


def escape(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


class Links:
    """The link to each record's place, absolute where the repository's address is known."""

    def __init__(self, run: Run, environ=os.environ) -> None:
        self.cwd = run.cwd
        self.base = blob_base(run.settings.summary_ref, environ)
        self.root = repository_root(run.cwd, environ) if self.base else run.cwd
        self.notebook_texts: dict[str, str | None] = {}

    def __call__(self, record: Record) -> str:
        place = Path(os.path.relpath(self.cwd / record.path, self.root)).as_posix() if self.base else record.path
        target = (self.base or "") + quote(place)
        if record.cell is None:
            return f"[{escape(record.path)}:{record.line}]({target}#L{record.line})"
        text = f"[{escape(record.path)}, cell {record.cell}, line {record.line}]"
        line = self._notebook_line(record)
        return f"{text}({target}?plain=1#L{line})" if line and self.base else f"{text}({target})"

    def _notebook_line(self, record: Record) -> int | None:
        if record.path not in self.notebook_texts:
            try:
                self.notebook_texts[record.path] = (self.cwd / record.path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self.notebook_texts[record.path] = None
        text = self.notebook_texts[record.path]
        return None if text is None else cell_source_line(text, record.cell, record.line)


def blob_base(ref: str | None, environ) -> str | None:
    """`SERVER/OWNER/REPOSITORY/blob/REF/`, or None unless all three are known."""
    server, repository = environ.get("GITHUB_SERVER_URL"), environ.get("GITHUB_REPOSITORY")
    ref = ref or environ.get("GITHUB_SHA")
    if not (server and repository and ref):
        return None
    return f"{server.rstrip('/')}/{repository}/blob/{quote(ref)}/"


def repository_root(cwd: Path, environ) -> Path:
    """The folder holding `.git` at or above `cwd`; else GitHub's workspace; else `cwd`."""
    found = next((folder for folder in [cwd, *cwd.parents] if (folder / ".git").exists()), None)
    workspace = environ.get("GITHUB_WORKSPACE")
    return found or (Path(workspace) if workspace else cwd)


def reproduce_command(settings: Settings) -> str:
    words = ["optfix", settings.mode.value]
    for option, values in (("--select", settings.select), ("--extend-select", settings.extend_select), ("--ignore", settings.ignore),
                           ("--exclude", settings.exclude), ("--extend-exclude", settings.extend_exclude)):
        for value in values:
            words += [option, value]
    if settings.unsafe_fixes:
        words.append("--unsafe-fixes")
    if settings.source:
        words += ["--source", settings.source]
    words += [path.as_posix() for path in settings.paths]
    return shlex.join(words)


class SummaryOutput(Output):
    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.changes: dict[str, list[Record]] = defaultdict(list)  # by path, in run order
        self.needs_person: dict[str, list[Record]] = defaultdict(list)  # by rule
        self.link = Links(run)

    def file(self, path: str, result: FileResult) -> None:
        for record in records(path, result, self.run.settings.mode):
            if record.kind is Kind.CHANGE:
                self.changes[path].append(record)
            else:
                self.needs_person[record.rule].append(record)

    def markdown(self, tally: Tally) -> str:
        settings = self.run.settings
        done = "changed" if settings.mode is Mode.FIX else "would change"
        out = ["# optfix: Keras 3 optimizer migration", ""]
        out += [f"`{reproduce_command(settings)}` (optfix {__version__}): {tally.summary(settings.mode)}", ""]
        by_rule = Counter(record.rule for changes in self.changes.values() for record in changes)
        if by_rule:
            files_by_rule = Counter(rule for changes in self.changes.values() for rule in {r.rule for r in changes})
            out += [f"## What {done}", "", "| Rule | Changes | Files |", "|---|---:|---:|"]
            out += [f"| `{rule}` | {count} | {files_by_rule[rule]} |" for rule, count in sorted(by_rule.items())]
            out.append("")
            for path, changes in self.changes.items():
                out.append(f"- `{path}`: {len(changes)} change{'' if len(changes) == 1 else 's'}")
                out += [f"  - {self.link(record)} `{record.rule}`: {escape(record.message)}" for record in changes]
            out.append("")
        if self.needs_person:
            out += ["## Needs a person", ""]
            for rule in sorted(self.needs_person):
                items = self.needs_person[rule]
                out += [f"### `{rule}` ({len(items)})", ""]
                for record in items:
                    note = UNSAFE_FIX_NOTE if record.fix is not None else ""
                    out.append(f"- {self.link(record)} {escape(record.message + note)}")
                out.append("")
        if by_rule:
            out += ["## What was proven", ""]
            rules = {rule.id: rule for rule in self.run.rules}
            for rule_id in sorted(by_rule):
                rule = rules[rule_id]
                safety = rule.section("Fix safety")
                out.append(f"- `{rule_id}`: {first_sentences(safety) if safety else rule.summary()}")  # the docstring is Markdown already
            out.append("")
        out += ["## Reproduce", "", "```sh", reproduce_command(settings), "```", ""]
        return "\n".join(out)

    def finish(self, tally: Tally) -> None:
        write_bytes(self.run.settings.summary, self.markdown(tally).encode())
