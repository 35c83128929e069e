"""`--statistics`: how many changes and findings each rule made, on stderr after the run."""

from __future__ import annotations

import sys
from collections import Counter

from optfix.findings import FileResult, Kind
from optfix.output import Output
from optfix.output.report import Tally
from optfix.settings import Mode


class StatisticsOutput(Output):
    def __init__(self, run) -> None:
        super().__init__(run)
        self.counts: Counter[tuple[str, Kind]] = Counter()

    def file(self, path: str, result: FileResult) -> None:
        self.counts.update((finding.rule, finding.kind) for finding in result.findings)

    def finish(self, tally: Tally) -> None:
        if not self.counts:
            return
        fixed = "fixed" if self.run.settings.mode is Mode.FIX else "to fix"
        words = {Kind.CHANGE: fixed, Kind.REVIEW: "to review", Kind.ERROR: "error"}
        ordered = sorted(self.counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1].value))
        width = len(str(ordered[0][1]))
        rule_width = max(len(rule) for (rule, _), _ in ordered)
        lines = [f"{count:>{width}}  {rule:<{rule_width}}  {words[kind]}" for (rule, kind), count in ordered]
        sys.stderr.write("\n".join(lines) + "\n")
