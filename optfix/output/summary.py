"""`--summary FILE.md`: the run as a Markdown pull-request description.

Links are `[path:line](path#Lline)`, relative to the working directory: they lead to the line in
a pull request's body when optfix runs at the repository's root.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter, defaultdict
from urllib.parse import quote

from optfix import __version__
from optfix.rulekit.docstrings import first_sentences
from optfix.findings import FileResult, Kind
from optfix.output import Output, Record, Run, records
from optfix.output.report import UNSAFE_FIX_NOTE, Tally
from optfix.settings import Mode, Settings
from optfix.files.write import write_bytes

_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~#])")


def escape(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def link(record: Record) -> str:
    if record.cell is not None:  # a notebook: GitHub shows it rendered, without line anchors
        return f"[{escape(record.path)}, cell {record.cell}, line {record.line}]({quote(record.path)})"
    return f"[{escape(record.path)}:{record.line}]({quote(record.path)}#L{record.line})"


def reproduce_command(settings: Settings) -> str:
    words = ["optfix", settings.mode.value]
    for option, values in (("--select", settings.select), ("--extend-select", settings.extend_select), ("--ignore", settings.ignore),
                           ("--exclude", settings.exclude), ("--extend-exclude", settings.extend_exclude)):
        for value in values:
            words += [option, value]
    if settings.unsafe_fixes:
        words.append("--unsafe-fixes")
    words += [path.as_posix() for path in settings.paths]
    return shlex.join(words)


class SummaryOutput(Output):
    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.changes: dict[str, list[Record]] = defaultdict(list)  # by path, in run order
        self.needs_person: dict[str, list[Record]] = defaultdict(list)  # by rule

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
                out += [f"  - {link(record)} `{record.rule}`: {escape(record.message)}" for record in changes]
            out.append("")
        if self.needs_person:
            out += ["## Needs a person", ""]
            for rule in sorted(self.needs_person):
                items = self.needs_person[rule]
                out += [f"### `{rule}` ({len(items)})", ""]
                for record in items:
                    note = UNSAFE_FIX_NOTE if record.fix is not None else ""
                    out.append(f"- {link(record)} {escape(record.message + note)}")
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
