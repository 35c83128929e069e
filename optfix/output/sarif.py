"""`--output-format sarif`: a SARIF 2.1.0 log on stdout, for code scanning (GitHub's upload-sarif).

Locations are relative to `%SRCROOT%`, the working directory; columns count code points. Fixes
are not given as SARIF `fixes` (a file's rewrite is one whole, not one edit per result): each
result carries optfix's own `kind` and `fix` in its property bag, as in the JSON output. The run's
property bag carries the source version used and the calls no source decided, as JSON's `source`
and `era_dependent_calls`.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from urllib.parse import quote

from optfix import __version__
from optfix.findings import FileResult
from optfix.output import Output, Record, Run, level, records
from optfix.output.json import record_json
from optfix.output.report import Tally

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# The ids of findings that come from optfix itself rather than a rule.
BUILT_IN = {
    "read-error": "The file could not be read.",
    "decode-error": "The file could not be decoded in its declared encoding; it was left as it was.",
    "syntax-error": "The file could not be parsed; it was left as it was.",
    "write-error": "The rewrite could not be written; the file was left as it was.",
    "internal-error": "optfix failed on this file (a rule raised, or its output would not parse); the file was left as it was.",
    "file-too-large": "The file is larger than optfix parses; review it by hand.",
    "unread-star-import": "A star import of a project module optfix cannot read: the names it binds are not checked.",
}


def _information_uri() -> str | None:
    try:
        urls = importlib.metadata.metadata("optfix").get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    return next((url.split(",", 1)[1].strip() for url in urls if "," in url), None)


def _rule_name(rule_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id))


def _descriptor(rule_id: str, summary: str, full: str, help_text: str) -> dict:
    return {
        "id": rule_id,
        "name": _rule_name(rule_id),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "help": {"text": help_text},
    }


def _region(record: Record) -> dict:
    region = {"startLine": record.line, "startColumn": record.column}
    if record.end_line is not None:
        region |= {"endLine": record.end_line, "endColumn": record.end_column}
    return region


class SarifOutput(Output):
    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.rules = []
        for rule in run.rules:
            documentation = rule.documentation()
            full = rule.section("What it does") or rule.summary()
            self.rules.append(_descriptor(rule.id, rule.summary(), full, documentation))
        self.rules += [_descriptor(rule_id, text, text, text) for rule_id, text in BUILT_IN.items()]
        self.index = {descriptor["id"]: i for i, descriptor in enumerate(self.rules)}
        self.results: list[dict] = []

    def _result(self, record: Record) -> dict:
        if record.rule not in self.index:  # not expected: every id is a rule or built in
            self.index[record.rule] = len(self.rules)
            self.rules.append(_descriptor(record.rule, record.rule, record.rule, record.rule))
        own = record_json(record)
        return {
            "ruleId": record.rule,
            "ruleIndex": self.index[record.rule],
            "level": "note" if level(record) == "notice" else level(record),
            "message": {"text": record.located_message},
            "locations": [{"physicalLocation": self._place(record)}],
            "properties": {"kind": own["kind"], "fix": own["fix"], "cell": own["cell"]},
        }

    @staticmethod
    def _place(record: Record) -> dict:
        place = {"artifactLocation": {"uri": quote(record.path), "uriBaseId": "%SRCROOT%"}}
        if record.cell is None:  # a notebook's cells have no lines of the file: the file itself
            place["region"] = _region(record)
        return place

    def file(self, path: str, result: FileResult) -> None:
        self.results += [self._result(record) for record in records(path, result, self.run.settings.mode)]

    def finish(self, tally: Tally) -> None:
        driver = {"name": "optfix", "version": __version__, "rules": self.rules}
        information_uri = _information_uri()
        if information_uri:
            driver["informationUri"] = information_uri
        log = {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": driver},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": self.run.cwd.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": self.results,
                "properties": {
                    "source": {"version": tally.source.source, "reason": tally.source.reason},
                    "eraDependentCalls": tally.era_dependent,
                },
            }],
        }
        self.run.stdout.write(json.dumps(log, indent=2, ensure_ascii=False).encode() + b"\n")
        self.run.stdout.flush()
