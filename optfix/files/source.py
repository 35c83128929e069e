"""A file's bytes, read, and turned to text and back keeping its encoding (PEP 263 cookie or BOM)
exactly."""

from __future__ import annotations

import codecs
import io
import os
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path

from optfix.findings import FileResult


class DecodeError(Exception):
    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


@dataclass(frozen=True)
class Source:
    text: str
    encoding: str
    bom: bool
    cr_newlines: bool = False  # old Mac line ends: `text` holds them as LF, for the parser

    def encode(self, text: str) -> bytes:
        if self.cr_newlines:
            text = text.replace("\n", "\r")
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


def decode(data: bytes) -> Source:
    """Decode Python source as the interpreter would; raise DecodeError with a location."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if "invalid or missing encoding declaration" not in str(error):
            raise DecodeError(str(error), error.lineno or 1) from None
        encoding = "utf-8"  # no cookie and a bad byte in the first lines: locate it below
    bom = encoding == "utf-8-sig"
    offset = len(codecs.BOM_UTF8) if bom else 0
    codec = "utf-8" if bom else encoding
    try:
        text = data[offset:].decode(codec)
    except UnicodeDecodeError as error:
        start = offset + error.start
        line = data.count(b"\n", 0, start) + 1
        col = start - data.rfind(b"\n", 0, start)
        raise DecodeError(f"invalid {codec} byte {data[start:start + 1]!r} (missing coding cookie?)", line, col) from None
    except LookupError:
        raise DecodeError(f"unknown encoding {codec!r}") from None
    if "\r" in text and "\n" not in text:
        return Source(text.replace("\r", "\n"), codec, bom, cr_newlines=True)
    return Source(text, codec, bom)


def read_file(path: Path) -> bytes | FileResult:
    """The file's bytes, or the result that reports why they cannot be read. Only a regular file
    is read: a FIFO, socket or device named on the command line could block or never end."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once rather than waiting for one.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        return FileResult(path).error("read-error", f"cannot read: {error.strerror or error}")
    try:
        kind = _special_kind(os.fstat(descriptor).st_mode)
        if kind is not None:
            return FileResult(path).error("read-error", f"not read: a {kind}, not a regular file")
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            return stream.read()
    except OSError as error:
        return FileResult(path).error("read-error", f"cannot read: {error.strerror or error}")
    finally:
        os.close(descriptor)


def _special_kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISDIR(mode):
        return "folder"
    return "special file"
