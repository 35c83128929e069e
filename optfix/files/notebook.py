"""Jupyter notebooks: their code cells as one Python program, and a rewrite of that program put
back into the notebook in its own JSON layout.

The program is the Python code cells in order, so that a name imported in one cell is known in
the next. Between two cells stands a marker statement (`__optfix_cell__(N)`): a statement, not a
comment, so that no rewrite can drop it with a removed import, and so that imports a rule adds go
into the first cell's import block, as they would at the top of a .py file. IPython syntax (line
magics, `!shell` lines, `name?` help) becomes a placeholder statement that is put back as it was;
a cell magic (`%%bash`) makes the whole cell another language, left out of the program, as are
empty cells.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace

from optfix.findings import Finding
from optfix.files.ipython import is_automagic, names_read

SUFFIX = ".ipynb"

_CELL_MARK = "__optfix_cell__({})\n"
# A placeholder reads the names its IPython line may read, so that no import they need is removed,
# and no rule touches it.
_IPYTHON_MARK = "__optfix_ipython__({})  # optfix: ignore"
_CELL_LINE = re.compile(r"__optfix_cell__\((\d+)\)\n")
_IPYTHON_LINE = re.compile(r"[ \t]*__optfix_ipython__\((\d+)[\w, ]*\)  # optfix: ignore(\r\n|\r|\n)?")
_IMPORT_LINE = re.compile(r"(?:import|from)\s")
_LINE_NUMBER = re.compile(r"\bline (\d+)\b")  # in Python's syntax errors
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # Python's line ends, not str.splitlines'

# At the start of a statement, IPython reads these as its own: `%magic`, `!ls`, `x = !ls`,
# `y = %time f()`, `Adam?`, `?Adam`, `keras.optimizers.Adam??`.
_SHELL_OR_MAGIC = re.compile(r"[%!]|[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[%!]")
_HELP = re.compile(r"\?{1,2}[\w.*]+|[\w.*]+\?{1,2}")


class NotebookError(Exception):
    def __init__(self, rule: str, message: str, line: int = 1, col: int = 1, cell: int | None = None) -> None:
        super().__init__(message)
        self.rule, self.message, self.line, self.col, self.cell = rule, message, line, col, cell


def is_notebook(path: str | os.PathLike) -> bool:
    return os.fspath(path).endswith(SUFFIX)


def lines_of(text: str) -> list[str]:
    return _LINE.findall(text)


@dataclass
class _Cell:
    index: int  # 1-based, among all the notebook's cells
    source: list[str]  # its lines as Python counts them
    ends_with_newline: bool
    magic: bool = False  # a cell magic's (`%%bash`): one placeholder in the program
    has_imports: bool = False  # a top-level import statement of its own


@dataclass
class Notebook:
    text: str
    document: dict
    program: str = ""
    cells: list[_Cell] = field(default_factory=list)  # those in the program
    ipython: list[str] = field(default_factory=list)  # the lines behind the placeholders
    where: list[tuple[int, int]] = field(default_factory=list)  # program line -> (cell, line in cell)

    def locate(self, finding: Finding) -> Finding:
        """A finding on the program, pointed into its cell."""
        if not self.where:
            return finding
        cell, line = self._cell_line(finding.line)
        end_cell, end_line = self._cell_line(finding.end_line) if finding.end_line else (cell, 0)
        if end_cell != cell:
            end_line = end_col = 0
        else:
            end_col = finding.end_col
        # Python's syntax errors name other lines by their number in the program.
        message = finding.message
        if finding.rule == "syntax-error":
            message = _LINE_NUMBER.sub(lambda match: "cell {}, line {}".format(*self._cell_line(int(match.group(1)))), message)
        return replace(finding, cell=cell, line=line, end_line=end_line, end_col=end_col, message=message)

    def _cell_line(self, line: int) -> tuple[int, int]:
        if line <= len(self.where):
            return self.where[max(line, 1) - 1]
        cell, last = self.where[-1]
        return cell, last + line - len(self.where)

    def with_program(self, program: str) -> bytes:
        """The notebook's bytes with the code cells of `program`; untouched cells keep their bytes."""
        dumps = _layout(self.text, self.document)
        cells = self.document["cells"]
        for cell, lines in zip(self.cells, _imports_moved(self._segments(program), self.cells)):
            lines = self._restored(cell, lines)
            if lines == cell.source:
                continue
            old = cells[cell.index - 1]["source"]
            cells[cell.index - 1]["source"] = "".join(lines) if isinstance(old, str) else lines
        return dumps(self.document).encode("utf-8")

    def _segments(self, program: str) -> list[list[str]]:
        segments: list[list[str]] = [[]]
        marks = []
        for line in lines_of(program):
            mark = _CELL_LINE.fullmatch(line)
            if mark:
                marks.append(int(mark.group(1)))
                segments.append([])
            else:
                segments[-1].append(line)
        if marks != [cell.index for cell in self.cells[1:]]:
            raise NotebookError("internal-error", "the rewrite moved a cell boundary; notebook left unchanged")
        return segments

    def _restored(self, cell: _Cell, lines: list[str]) -> list[str]:
        """A cell's lines from the rewrite, with its IPython lines back and no line end or
        blank lines at its end that the program needed and the cell did not have."""
        out = []
        for line in lines:
            mark = _IPYTHON_LINE.fullmatch(line)
            if mark:
                original = self.ipython[int(mark.group(1))]
                out += lines_of(original.rstrip("\r\n") + (mark.group(2) or ""))  # a cell magic's: the whole cell
                continue
            out.append(line)
        while out and not out[-1].strip() and _blank_tail(out) > _blank_tail(cell.source):
            out.pop()
        if out and not cell.ends_with_newline:
            out[-1] = out[-1].rstrip("\r\n")
        return out


def _imports_moved(segments: list[list[str]], cells: list[_Cell]) -> list[list[str]]:
    """The program's cells, with the imports the rewrite added to a cell before the first one that
    has imports (a title or license cell, a cell magic) moved to the top of that one."""
    target = next((i for i, cell in enumerate(cells) if cell.has_imports), None)
    if target is None:
        target = next((i for i, cell in enumerate(cells) if not cell.magic), 0)
    moved = []
    for i in range(target):
        kept, after_import = [], False
        # blank lines the rewrite put after the import block, which go with it
        extra_blanks = sum(not line.strip() for line in segments[i]) - sum(not line.strip() for line in cells[i].source)
        for line in segments[i]:
            if _IMPORT_LINE.match(line) and line not in cells[i].source:
                moved.append(line)
                after_import = True
            elif after_import and not line.strip() and extra_blanks > 0:
                extra_blanks -= 1
            else:
                after_import = False
                kept.append(line)
        segments[i] = kept
    if moved:
        lines = segments[target]
        # at the top of the cell: after its comments and `from __future__` imports, before any
        # statement (inside a parenthesized import would not parse)
        top = next((j for j, line in enumerate(lines) if line.strip() and not line.startswith(("#", "from __future__ "))), len(lines))
        segments[target] = lines[:top] + moved + lines[top:]
    return segments


def _blank_tail(lines: list[str]) -> int:
    count = 0
    for line in reversed(lines):
        if line.strip():
            break
        count += 1
    return count


def parse(data: bytes) -> Notebook:
    """Read a notebook and build its program. Raises NotebookError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        col = error.start - data.rfind(b"\n", 0, error.start)
        raise NotebookError("decode-error", f"invalid utf-8 byte {data[error.start:error.start + 1]!r}", line, col) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError("notebook-error", f"not valid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise NotebookError("notebook-error", "not readable: JSON nested too deeply") from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        raise NotebookError("notebook-error", "not a Jupyter notebook (format 4): no list of cells")
    notebook = Notebook(text, document)
    if _is_python(document):
        _build_program(notebook, cells)
    return notebook


def _is_python(document: dict) -> bool:
    metadata = document.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    for key, name in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        language = section.get(name) if isinstance(section, dict) else None
        if isinstance(language, str):
            return language.lower() == "python"
    return True


def _build_program(notebook: Notebook, cells: list[dict]) -> None:
    program: list[str] = []
    for index, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError("notebook-error", "not a Jupyter notebook: its source is not text", cell=index)
        if not source.strip():  # nothing to hold an import
            continue
        if notebook.cells:
            previous = notebook.cells[-1]
            program.append(_CELL_MARK.format(index))
            notebook.where.append((previous.index, len(previous.source) + 1))
        lines = lines_of(source)
        magic = source.startswith("%%")  # another language, or Python run by IPython: one placeholder
        notebook.cells.append(_Cell(index, lines, not lines or lines[-1].endswith(("\n", "\r")), magic,
                                    not magic and any(_IMPORT_LINE.match(line) for line in lines)))
        python = [_placeholder(source, notebook.ipython)] if magic else _with_placeholders(lines, notebook.ipython)
        if python and not python[-1].endswith(("\n", "\r")):
            python[-1] += "\n"
        program += python
        notebook.where += [(index, line) for line in range(1, len(python) + 1)]
    notebook.program = "".join(program)


def _placeholder(text: str, ipython: list[str]) -> str:
    """The statement standing for IPython `text` (a line, or a whole cell), which it keeps."""
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    body = text.rstrip("\r\n")
    ipython.append(text)
    return indent + _IPYTHON_MARK.format(", ".join([str(len(ipython) - 1), *names_read(body)])) + text[len(body):]


def _with_placeholders(lines: list[str], ipython: list[str]) -> list[str]:
    out = []
    statements = _Statements()
    for line in lines:
        body = line.strip()
        if statements.at_start and body and (_SHELL_OR_MAGIC.match(body) or _HELP.fullmatch(body) or is_automagic(body)):
            out.append(_placeholder(line, ipython))
        else:
            statements.feed(line)
            out.append(line)
    return out


class _Statements:
    """Follows brackets, strings and backslashes line by line, to tell whether the next line
    starts a statement: only there can it be IPython syntax (`(a\\n % b)` is Python)."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None  # the delimiter of a string still open at the end of a line
        self.continued = False

    @property
    def at_start(self) -> bool:
        return not (self.depth or self.quote or self.continued)

    def feed(self, line: str) -> None:
        body = line.rstrip("\r\n")
        i, quote, comment = 0, self.quote, False
        while i < len(body):
            char = body[i]
            if quote:
                if char == "\\":
                    i += 2
                    continue
                if body.startswith(quote, i):
                    i, quote = i + len(quote), None
                    continue
            elif char == "#":
                comment = True
                break
            elif char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(self.depth - 1, 0)
            elif char in "'\"":
                quote = char * 3 if body.startswith(char * 3, i) else char
                i += len(quote)
                continue
            i += 1
        escaped_end = body.endswith("\\") and not comment
        if quote and len(quote) == 1 and not escaped_end:
            quote = None  # an unterminated string: the parser reports it
        self.quote = quote
        self.continued = escaped_end and quote is None


def _layout(text: str, document: dict):
    """A function writing a document as `text` is written (indentation, separators, escaping,
    line ends, what follows the JSON), found by writing `document` back: raises NotebookError
    when no setting of `json.dumps` gives back the exact text."""
    newline = "\r\n" if "\r\n" in text else "\n"
    body = text.replace("\r\n", "\n")
    opening = re.match(r"\s*[{\[]\n([ \t]*)", body)
    indent = opening.group(1) if opening else None
    separators = [(",", ": ")] if indent is not None else [(", ", ": "), (",", ":")]
    for ensure_ascii in (False, True):
        for separator in separators:
            options = {"indent": indent, "ensure_ascii": ensure_ascii, "separators": separator}
            written = json.dumps(document, **options)
            tail = body[len(written):]
            if body.startswith(written) and not tail.strip():
                return lambda changed: (json.dumps(changed, **options) + tail).replace("\n", newline)
    raise NotebookError(
        "notebook-error", "its JSON layout cannot be written back exactly (re-serialising it changes more than the "
        "code cells); notebook left unchanged")
