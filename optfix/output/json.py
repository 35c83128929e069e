"""`--output-format json`: one JSON document on stdout (the schema is documented in README.md)."""

from __future__ import annotations

import json

from optfix import __version__
from optfix.findings import FileResult, Kind
from optfix.output import Output, Record, Run, records
from optfix.output.report import Tally, exit_status

SCHEMA_VERSION = 1


def record_json(record: Record) -> dict:
    return {
        "path": record.path,
        "cell": record.cell,
        "line": record.line,
        "column": record.column,
        "end_line": record.end_line,
        "end_column": record.end_column,
        "rule": record.rule,
        "message": record.message,
        "kind": record.kind.value,
        "fix": None if record.fix is None else {
            "applied": record.fix.applied, "available": record.fix.available, "safety": record.fix.safety,
        },
    }


class JsonOutput(Output):
    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.results: list[dict] = []

    def file(self, path: str, result: FileResult) -> None:
        self.results += [record_json(record) for record in records(path, result, self.run.settings.mode)]

    def finish(self, tally: Tally) -> None:
        def count(kind: Kind) -> int:
            return sum(result["kind"] == kind.value for result in self.results)

        mode = self.run.settings.mode
        document = {
            "version": SCHEMA_VERSION,
            "tool": {"name": "optfix", "version": __version__},
            "command": mode.value,
            "results": self.results,
            "summary": {
                "files_checked": tally.files,
                "files_changed": tally.changed,
                "files_failed": tally.failed,
                "changes": count(Kind.CHANGE),
                "findings": count(Kind.REVIEW),
                "errors": count(Kind.ERROR),
                "exit_code": exit_status(tally, self.run.settings),
                "era_dependent_calls": tally.era_dependent,
            },
            "source": {"version": tally.source.source, "reason": tally.source.reason},
        }
        self.run.stdout.write(json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n")
        self.run.stdout.flush()
