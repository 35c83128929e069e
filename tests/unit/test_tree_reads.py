"""optfix.analysis.tree.reads finds the names libcst's own visitor finds, less those it is told to leave out."""

from __future__ import annotations

import libcst as cst
import pytest

from optfix.analysis.tree import reads

SOURCE = '''\
import a.b as c
from d import (e as f, g)
h(k=v, *s, **w)
x.y.z = t[i].u
lambda q, r=1: q + r
def m(p: P = D, *, o=O) -> R:
    global G
    with n as (j, l):
        return [p for p in o if p] + {**w, 1: K.sqrt(l)}
@dec(x=1)
class C(B, metaclass=M):
    pass
'''


class _Names(cst.CSTVisitor):
    """Every Name in the order of the code, and what each is: an attribute's name, a keyword, imported."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[cst.Name] = []
        self.attributes: set[int] = set()
        self.keywords: set[int] = set()
        self.imported: set[int] = set()
        self.importing = 0

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node)
        if self.importing:
            self.imported.add(id(node))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.attributes.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.keywords.add(id(node.keyword))

    def visit_Import(self, node: cst.Import) -> None:
        self.importing += 1

    def leave_Import(self, node: cst.Import) -> None:
        self.importing -= 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.importing += 1

    def leave_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.importing -= 1


@pytest.fixture
def found() -> tuple[cst.Module, _Names]:
    module = cst.parse_module(SOURCE)
    names = _Names()
    module.visit(names)
    return module, names


def test_reads_leaves_out_attributes_names_keywords_and_imports(found) -> None:
    module, names = found
    left_out = names.attributes | names.keywords | names.imported
    assert [id(n) for n in reads(module)] == [id(n) for n in names.names if id(n) not in left_out]


def test_every_name_leaves_out_only_attributes_names(found) -> None:
    module, names = found
    expected = [id(n) for n in names.names if id(n) not in names.attributes]
    assert [id(n) for n in reads(module, every_name=True)] == expected
    assert names.keywords and names.imported and (names.keywords | names.imported) - names.attributes <= set(expected)


def test_heads_are_the_names_read_as_a_namespace(found) -> None:
    module, _ = found
    assert [n.value for n in reads(module, heads=True)] == ["x", "K"]
