"""Bytes to text and back, keeping a file's encoding (PEP 263 cookie or BOM) exactly; and the
text read by Python's own parser."""

from __future__ import annotations

import ast
import codecs
import functools
import io
import tokenize
import warnings
from dataclasses import dataclass


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


@functools.lru_cache(maxsize=2)
def quiet_parse(text: str) -> ast.Module:
    """`ast.parse`, without the warnings the user's code may raise (invalid escapes are not ours to
    print). The stages that read one file's code (prefilter, import table, sites) share one tree
    this way, so none of them may change it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def every_node(tree: ast.AST) -> list[ast.AST]:
    """The nodes `ast.walk(tree)` yields, in its order (breadth first), listed once per tree
    however many prefilters read them."""
    nodes = tree.__dict__.get("_every_node")
    if nodes is None:
        nodes = [tree]
        for node in nodes:  # the list grows as it is read
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, ast.AST):
                    nodes.append(value)
                elif isinstance(value, list):
                    nodes.extend(item for item in value if isinstance(item, ast.AST))
        tree._every_node = nodes
    return nodes
