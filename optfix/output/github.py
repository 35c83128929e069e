"""`--output-format github`: GitHub Actions workflow commands on stdout, which the runner shows as
annotations on the lines they name. Errors are `::error`, findings to review and changes still to
make (`diff`, `check`) are `::warning`, changes `fix` applied are `::notice`. After the last file, a
`::notice` without a file says the source version used, as the summary line does."""

from __future__ import annotations

from optfix.findings import FileResult, Kind
from optfix.output import Output, Record, level, records
from optfix.output.report import UNSAFE_FIX_NOTE, Tally


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(record: Record) -> str:
    properties = {"file": record.path}
    if record.cell is None:  # a notebook's cells have no lines of the file: annotate the file
        properties |= {"line": record.line, "col": record.column}
    if record.end_line is not None and record.cell is None:
        properties |= {"endLine": record.end_line, "endColumn": record.end_column}
    properties["title"] = record.rule
    listed = ",".join(f"{name}={escape_property(str(value))}" for name, value in properties.items())
    note = UNSAFE_FIX_NOTE if record.kind is Kind.REVIEW and record.fix is not None else ""
    return f"::{level(record)} {listed}::{escape_data(record.located_message + note)}"


class GithubOutput(Output):
    def file(self, path: str, result: FileResult) -> None:
        lines = [command(record) + "\n" for record in records(path, result, self.run.settings.mode)]
        if lines:
            self.run.stdout.write("".join(lines).encode())
            self.run.stdout.flush()

    def finish(self, tally: Tally) -> None:
        note = tally.source_note().strip()
        if note:
            self.run.stdout.write(f"::notice title=optfix source version::{escape_data(note)}\n".encode())
            self.run.stdout.flush()
