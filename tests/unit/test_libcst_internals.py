"""What optfix.analysis.libcst_internals relies on in the installed libcst: a libcst release that
changes it fails here, with a message that names the function to adapt."""

from __future__ import annotations

import contextlib

import libcst as cst

from optfix.analysis.libcst_internals import generate_code, position_codegen_state, visited_fields

SOURCE = '''\
@decorator(1)
async def f(a, /, b: int = 2, *c, d=1, **e) -> "x":
    x = a if b else [y async for y in c if y]
    return {**e, 1: (lambda z: z)(a)}
class A(B, metaclass=M):
    value: int = -a ** b < c
try:
    import a.b as c
except E as error:
    raise error from None
else:
    del s[1:2, ...]
finally:
    while x: break
with open(p) as h: h.read()
'''


def _every_node(node: cst.CSTNode) -> list[cst.CSTNode]:
    found = [node]
    for child in node.children:
        found += _every_node(child)
    return found


def _children_by_fields(node: cst.CSTNode) -> list[cst.CSTNode]:
    children = []
    for name in dict.fromkeys(visited_fields(type(node))):
        value = getattr(node, name, None)
        items = value if isinstance(value, (list, tuple)) else [value]
        children += [item for item in items if isinstance(item, cst.CSTNode)]
    return children


def test_visited_fields_give_libcst_s_own_children_in_order() -> None:
    for node in _every_node(cst.parse_module(SOURCE)):
        expected = [type(child).__name__ for child in node.children]
        found = [type(child).__name__ for child in _children_by_fields(node)]
        assert found == expected, (
            f"libcst_internals.visited_fields({type(node).__name__}) gives children {found}, libcst {expected}: "
            "libcst no longer writes _visit_and_replace_children as visit_*(self, \"field\", ...) calls; "
            "optfix.analysis.tree needs another way to order a node's fields"
        )


class _Recording(position_codegen_state()):
    """Notes every hook call; computes no positions."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline, provider=None)
        self.generated: list[cst.CSTNode] = []
        self.ended: list[cst.CSTNode] = []
        self.syntactic: list[tuple[cst.CSTNode, cst.CSTNode | None, cst.CSTNode | None]] = []

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.generated.append(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        self.ended.append(node)

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        self.syntactic.append((node, start_node, end_node))
        return contextlib.nullcontext()


def test_generate_code_drives_the_position_state_s_hooks_over_every_node() -> None:
    module = cst.parse_module(SOURCE)
    state = _Recording(module)
    generate_code(module, state)
    message = (
        "libcst's code generation (Module._codegen) or its PositionProvidingCodegenState changed: "
        "optfix.analysis.positions relies on what libcst_internals.generate_code and "
        "libcst_internals.position_codegen_state describe"
    )
    assert "".join(state.tokens) == module.code, message
    every = {id(node) for node in _every_node(module)}
    assert {id(node) for node in state.generated} == every == {id(node) for node in state.ended}, message
    assert {cst.Name, cst.Call, cst.FunctionDef, cst.Try} <= {type(node) for node, _, _ in state.syntactic}, message
    assert any(start is not None for _, start, _ in state.syntactic), message  # a block starts where its first statement does
    assert any(end is not None for _, _, end in state.syntactic), message  # a statement ends where its last part does
