"""What one code generation gives the engine for a rewritten file: the findings' positions (as
`positions` gives them), the original's code and the rewrite's (as `module.code` gives them); and
what the two trees of a rewrite tell about its comments (as their text tells it)."""

from __future__ import annotations

import io
import tokenize
from collections import Counter

import libcst as cst
import pytest

from conftest import REPO, sources
from optfix.analysis.comments import lost_comments
from optfix.analysis.positions import generate, positions

SOURCES = {
    "fixtures": "\n".join(p.read_text() for p in sorted((REPO / "fixtures").rglob("*.py"))),
    "no final newline": "import keras\nx = keras.optimizers.Adam(lr=1)",
    "CRLF and tabs": "def f(a,\r\n\tb):\r\n\treturn (a,\r\n\t\tb)\r\n",
    "lone CR": "@d\rclass A: pass\rx = 1; y = [\r  2,\r]\rif x: y",
    "only a comment, no newline": "# nothing",
    "empty": "",
}


@pytest.mark.parametrize("source", sources(SOURCES, "fixtures"))
def test_one_generation_gives_the_code_and_the_positions(source) -> None:
    module = cst.parse_module(source)
    names = [node for node in _nodes(module) if type(node) is cst.Name][::7]
    found, text, rewritten, regenerated = generate(module, names, module)
    assert text == rewritten == module.code
    assert found == positions(module, names)
    assert regenerated == ""


REWRITES = {
    "the last statement edited": lambda module: module.with_changes(
        body=[*module.body[:-1], *(statement.with_changes(leading_lines=()) for statement in module.body[-1:])]),
    "a statement added first": lambda module: module.with_changes(body=[cst.parse_statement("import os"), *module.body]),
    "the first statement removed": lambda module: module.with_changes(body=module.body[1:]),
    "the final newline dropped": lambda module: module.with_changes(has_trailing_newline=False),
    "the final newline added": lambda module: module.with_changes(has_trailing_newline=True),
    "every statement removed": lambda module: module.with_changes(body=[]),
    "the header and footer changed": lambda module: module.with_changes(header=[cst.EmptyLine(comment=cst.Comment("# new"))], footer=[]),
}


@pytest.mark.parametrize("rewrite", REWRITES.values(), ids=REWRITES.keys())
@pytest.mark.parametrize("source", sources(SOURCES, "fixtures"))
def test_the_rewrite_s_code_shares_the_original_s_generation(source, rewrite) -> None:
    module = cst.parse_module(source)
    rewritten = rewrite(module)
    generated = generate(module, [], rewritten)
    assert (generated.original, generated.rewritten) == (module.code, rewritten.code)
    fresh = [node for node in (*rewritten.header, *rewritten.body, *rewritten.footer)
             if not any(node is old for old in (*module.header, *module.body, *module.footer))]
    assert generated.regenerated == "".join(rewritten.code_for_node(node) for node in fresh)


def _nodes(module: cst.Module) -> list[cst.CSTNode]:
    found, stack = [], [module]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)
    return found


def _comments(text: str) -> Counter[str]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return Counter(token.string for token in tokens if token.type == tokenize.COMMENT)


# each fixture's input beside each of its expected outputs (`x.expected.py`, `x.unsafe.expected.py`)
PAIRS = [(path.with_name(path.name.split(".")[0] + ".py"), path) for path in sorted((REPO / "fixtures").rglob("*.expected.py"))]


@pytest.mark.parametrize("before, after", PAIRS, ids=[str(after.relative_to(REPO / "fixtures")) for _, after in PAIRS])
def test_comments_lost_between_two_trees_are_those_lost_between_their_texts(before, after) -> None:
    old, new = before.read_text(), after.read_text()
    assert lost_comments(cst.parse_module(old), cst.parse_module(new)) == _comments(old) - _comments(new)
    assert lost_comments(cst.parse_module(new), cst.parse_module(old)) == _comments(new) - _comments(old)


def test_a_rewrite_sharing_the_unchanged_nodes_loses_only_the_removed_lines_comments() -> None:
    old = cst.parse_module("import os  # pinned\n# about x\nx = f(1,  # one\n      2)\n")
    call = old.body[1].body[0].value
    new = old.with_changes(body=[old.body[1].with_deep_changes(call, func=cst.Name("g"))])
    assert lost_comments(old, new) == Counter({"# pinned": 1})


def test_a_comment_moved_into_a_new_node_is_not_lost() -> None:
    old = cst.parse_module("x = f(1,  # one\n      2)\n")
    call = old.body[0].body[0].value
    new = old.with_deep_changes(call, args=[call.args[1], call.args[0]])
    assert lost_comments(old, new) == Counter()
